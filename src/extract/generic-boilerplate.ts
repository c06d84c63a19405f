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
  String.raw`^comments are closed\.?$`,
  String.raw`^(?:image|photo|picture|slide)\s+\d+\s+(?:of|/)\s+\d+$`,
  String.raw`^(?:image|photo|picture|video)(?: credit)?\s*:.{0,120}$`,
  String.raw`^(?:this (?:article|story) (?:was|has been|is) (?:originally )?(?:published|updated|first appeared)).{0,160}$`,
  // Bylines and time stamps set as lines of their own: metadata, not text.
  String.raw`^(?:updated|published|posted|last updated|first published|modified)\b[^.!?]{0,60}\b\d{4}\b[^.!?]{0,30}$`,
];

/**
 * Case-sensitive patterns (a byline is told from a sentence by its capitals): "By Jane Roe", "By JANE ROE -
 * 2019-04-10", "By Robert Burns, AP National Security Writer"; not "By Tuesday, officials said …".
 */
const CASE_SENSITIVE = [
  String.raw`^By\s+\p{Lu}[\p{L}.'’-]*(?:\s+(?:\p{Lu}[\p{L}.'’-]*|and|&|de|van|von|da|di))*(?:\s*[,|–—-]\s*(?:[\p{Lu}\p{N}][^\s,]*[\s,]*){1,10})?$`,
];

/** The compiled built-in patterns. */
export const GENERIC_BOILERPLATE: readonly RegExp[] = [...SOURCES.map(compilePattern), ...CASE_SENSITIVE.map((src) => new RegExp(src, 'u'))];
