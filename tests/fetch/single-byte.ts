/** Test helper: encode text in a single-byte charset (TextEncoder only does UTF-8) by inverting TextDecoder. */
export function encodeSingleByte(text: string, charset: string): Uint8Array {
  const decoder = new TextDecoder(charset);
  const table = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    const ch = decoder.decode(Uint8Array.of(b));
    if (ch !== '\uFFFD' && !table.has(ch)) table.set(ch, b);
  }
  return Uint8Array.from([...text], (ch) => {
    const b = table.get(ch);
    if (b === undefined) throw new Error(`${JSON.stringify(ch)} has no byte in ${charset}`);
    return b;
  });
}
