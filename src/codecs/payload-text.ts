/** Payload bytes as text, and the only way foreign text may appear in a `detail` string. */

const utf8 = new TextDecoder("utf-8");

/**
 * UTF-8 text of a payload. Invalid sequences become U+FFFD (never an exception) and one leading
 * byte-order mark is dropped, as the WHATWG decoder does by default.
 */
export function payloadText(payload: Uint8Array): string {
  return utf8.decode(payload);
}

const PREVIEW_CHARS = 40;
const NOT_PRINTABLE = /[^\x20-\x7e]/g;

/** At most 40 characters of foreign text, quoted, with anything but printable ASCII shown as `?`. */
export function preview(text: string): string {
  const cut = text.length > PREVIEW_CHARS;
  const clean = (cut ? text.slice(0, PREVIEW_CHARS) : text).replace(NOT_PRINTABLE, "?");
  return cut ? `"${clean}"…` : `"${clean}"`;
}
