// Runs natively over the string: far cheaper per message than a loop in JavaScript.
const NON_ASCII = /[^\x00-\x7f]/;

/** The UTF-8 byte length of a string, without encoding it. */
export function utf8Length(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff) i++, (bytes += 2); // a surrogate pair: 4 bytes for 2 units
    else bytes += 2;
  }
  return bytes;
}

/** The size in bytes of a frame as received from a WebSocket. */
export function frameSize(data: unknown): number {
  if (typeof data === 'string') return utf8Length(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
