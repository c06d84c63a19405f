/**
 * Whole-line boilerplate that news pages put inside the article body (ad labels, share prompts, newsletter
 * pitches, "Read more" links). Each pattern is anchored and length-limited, so a real sentence that merely
 * mentions one of these words is kept; a match drops the whole line.
 */
import { compilePattern } from './text.js';

const SOURCES = [
  String.raw`^(?:advertisement|advertising|sponsored|sponsored content|ad|story continues below(?: advertisement)?|continue reading(?: below)?|article continues below(?: advertisement)?)\W*$`,
  String.raw`^(?:share|share this|share this (?:article|story|post)|share on \w+|tweet|email|print|comments?|\d+ comments?)\W*$`,
  String.raw`^(?:read|see) (?:more|also)\s*[:.\-–—]?\s*.{0,140}$`,
  String.raw`^(?:related|more|recommended|trending|popular)(?: (?:stories|articles|content|coverage|reading|news))?\s*:.{0,140}$`,
  String.raw`^(?:sign up|subscribe|register|join|get)\b.{0,80}\b(?:newsletter|updates|inbox|alerts|subscription)\b.{0,60}$`,
  String.raw`^(?:click here|tap here)\b.{0,120}$`,
  String.raw`^follow (?:us|@?\w+) on\b.{0,100}$`,
  String.raw`^(?:copyright\s*)?(?:©|\(c\))\s*(?:\d{4}|copyright)\b.{0,160}$`,
  String.raw`^all rights reserved\.?$`,
  String.raw`^(?:image|photo|picture|video)(?: credit)?\s*:.{0,120}$`,
  String.raw`^(?:this (?:article|story) (?:was|has been|is) (?:originally )?(?:published|updated|first appeared)).{0,160}$`,
];

/** The compiled built-in patterns. */
export const GENERIC_BOILERPLATE: readonly RegExp[] = SOURCES.map(compilePattern);
