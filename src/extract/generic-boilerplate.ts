/**
 * Whole-line boilerplate that news pages put inside the article body (ad labels, share prompts, newsletter
 * pitches, "Read more" links). Each pattern is anchored and length-limited, so a real sentence that merely
 * mentions one of these words is kept; a match drops the whole line.
 */
import { compilePattern } from './text.js';

const SOURCES = [
  String.raw`^(?:advertisement|advertising|sponsored|sponsored content|ad|story continues below(?: advertisement)?|continue reading(?: below)?|article continues below(?: advertisement)?)\W*$`,
  // [a-z0-9_] is \w and [^a-z0-9_] is \W under the i and u flags, written so that the analyser sees them disjoint.
  String.raw`^(?:share|share this|share this (?:article|story|post)|share on [a-z0-9_]+|tweet|email|print|comments?|\d+ comments?)[^a-z0-9_]*$`,
  // Spaces and the optional mark are taken whole before the rest, which starts with a visible character.
  String.raw`^(?:read|see) (?:more|also)\s*(?:[:.\-–—]\s*)?(?:\S.{0,139})?$`,
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

/** A capitalised name: letters, dots and apostrophes, parts joined by a hyphen before a letter ("Jean-Pierre"). */
const NAME = String.raw`\p{Lu}[\p{L}.'’]*(?:-\p{L}[\p{L}.'’]*)*`;
/** What may follow a byline's names: up to ten words that start with a capital or a digit ("AP National Security Writer", "2019-04-10"). */
const TAIL_REST = String.raw`[^\s,]*(?:[\s,]+[\p{Lu}\p{N}][^\s,]*){0,9}[\s,]*`;
const TAIL = String.raw`[\p{Lu}\p{N}]${TAIL_REST}`;

/**
 * Case-sensitive patterns (a byline is told from a sentence by its capitals): "By Jane Roe", "By JANE ROE -
 * 2019-04-10", "By Robert Burns, AP National Security Writer"; not "By Tuesday, officials said …". Each part is
 * unambiguous (a hyphen before a letter joins a name; one with a space beside it or before a digit separates),
 * so the pattern runs in linear time: the ReDoS gate (tests/hostile/redos-check.ts) checks it.
 */
const CASE_SENSITIVE = [
  String.raw`^By\s+${NAME}(?:\s+(?:${NAME}|and|&|de|van|von|da|di))*(?:\s*[,|–—]\s*${TAIL}|\s+-\s*${TAIL}|-\s+${TAIL}|-\p{N}${TAIL_REST})?$`,
];

/** The compiled built-in patterns. */
export const GENERIC_BOILERPLATE: readonly RegExp[] = [...SOURCES.map(compilePattern), ...CASE_SENSITIVE.map((src) => new RegExp(src, 'u'))];
