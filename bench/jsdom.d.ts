/**
 * The part of jsdom the extraction bench uses, typed by hand: jsdom ships no types and @types/jsdom is not
 * installed (it would pull in typings of parse5 and tough-cookie for three calls).
 */
declare module 'jsdom' {
  export class VirtualConsole {}
  export class JSDOM {
    constructor(html: string, options?: { url?: string; virtualConsole?: VirtualConsole });
    readonly window: { readonly document: unknown; close(): void };
  }
}
