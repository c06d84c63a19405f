/**
 * Tag and attribute names read from a page as shared strings. htmlparser2 slices every name out of the page text
 * and lower-cases it: on a page with one character beyond Latin-1 (a typographic quote is enough; 103 of the 108
 * dev pages) each slice is a fresh two-byte string, so its lower-casing goes through ICU, every attribute store
 * looks the name up in V8's string table, and every later `el.name === 'div'`, `TAGS.has(el.name)` or
 * `el.name.toLowerCase()` of the extractors compares characters or hashes the name anew. Here a name written in
 * ASCII is found in a table by its characters (no slice) and given as one internalized one-byte string per
 * distinct spelling: the same characters as the slice, so the parser's own lower-casing and everything after it
 * read the same names, only faster. Names with other characters, and names met once the table is full, are sliced
 * as before.
 */
import { Parser } from 'htmlparser2';

/** Slots of the table (a power of two); it starts over when half of them are taken. */
const SLOTS = 4096;
const MASK = SLOTS - 1;
const MAX_NAMES = SLOTS / 2;
/** Longer names are sliced (no tag or common attribute name is this long). */
const MAX_NAME_CHARS = 40;

/** The string V8 keeps as the one copy of these characters (a property key is internalized). */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0] ?? s;
}

/** Whether `name` is written at text[start, start + name.length). */
function sameAt(name: string, text: string, start: number): boolean {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}

/** ASCII names by their characters, in open addressing (linear probing). */
export class NameTable {
  private names: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
  private count = 0;

  /** text[start, end) as a shared one-byte string, or null when it is empty, long or has a character beyond ASCII. */
  read(text: string, start: number, end: number): string | null {
    const len = end - start;
    if (len <= 0 || len > MAX_NAME_CHARS || start < 0 || end > text.length) return null;
    let h = len;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return null;
      h = (Math.imul(h, 31) + c) | 0;
    }
    for (let slot = h & MASK; ; slot = (slot + 1) & MASK) {
      const name = this.names[slot];
      if (name === undefined) return this.add(slot, text, start, end);
      if (name.length === len && sameAt(name, text, start)) return name;
    }
  }

  private add(slot: number, text: string, start: number, end: number): string {
    if (this.count >= MAX_NAMES) {
      this.names = new Array<string | undefined>(SLOTS).fill(undefined);
      this.count = 0;
      return this.read(text, start, end)!;
    }
    const codes: number[] = [];
    for (let i = start; i < end; i++) codes.push(text.charCodeAt(i));
    // Built from character codes below 0x80: a one-byte string whatever the page text is.
    const name = internalized(String.fromCharCode(...codes));
    this.names[slot] = name;
    this.count++;
    return name;
  }
}

/** One table for every page: pages share most of their names (div, class, href…). */
const NAMES = new NameTable();

/** The Parser's fields that getSlice reads (htmlparser2 10), and the flag set while a name is read. */
interface NameReading {
  buffers: string[];
  bufferOffset: number;
  nameNext: boolean;
}

type ParserMethods = {
  getSlice(start: number, end: number): string;
  onopentagname(start: number, end: number): void;
  onclosetag(start: number, end: number): void;
  onattribname(start: number, end: number): void;
};

const BASE = Parser.prototype as unknown as Partial<ParserMethods>;

/**
 * htmlparser2's Parser reading tag and attribute names through the table: each of its name callbacks slices the
 * name with getSlice, which gives the table's string for it. Everything else is the Parser's own code. Without
 * the methods it relies on (another htmlparser2), it is the plain Parser.
 */
export class NameParser extends Parser {
  /** Set while a name callback runs: its getSlice reads a name. */
  private nameNext = false;
}
if (['getSlice', 'onopentagname', 'onclosetag', 'onattribname'].every((m) => typeof BASE[m as keyof ParserMethods] === 'function')) {
  const base = BASE as ParserMethods;
  // The flag is cleared by the getSlice it is for (each of these callbacks slices its name first). Were it left
  // set, the next slice read through the table would still be the same characters.
  const readingName = (method: (this: NameReading, start: number, end: number) => void) =>
    function (this: NameReading, start: number, end: number): void {
      this.nameNext = true;
      method.call(this, start, end);
    };
  Object.defineProperties(NameParser.prototype, {
    getSlice: {
      value: function getSlice(this: NameReading, start: number, end: number): string {
        if (this.nameNext) {
          this.nameNext = false;
          const buffer = this.buffers[0];
          const name = buffer === undefined ? null : NAMES.read(buffer, start - this.bufferOffset, end - this.bufferOffset);
          if (name !== null) return name;
        }
        return base.getSlice.call(this, start, end);
      },
    },
    onopentagname: { value: readingName(base.onopentagname) },
    onclosetag: { value: readingName(base.onclosetag) },
    onattribname: { value: readingName(base.onattribname) },
  });
}
