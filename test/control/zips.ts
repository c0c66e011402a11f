// Zip archives for the control plane's tests (makeZip is test/helpers/zip.ts); `renameEntry` rewrites an
// entry name in place to build the hostile archives (`../x`, `/x`) that yazl itself refuses to write.

import { makeZip } from '../helpers/zip.js';

export { makeZip, type ZipEntry } from '../helpers/zip.js';

/** Replaces every occurrence of an entry name (local header and central directory) with one of equal length. */
export function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('names must have the same length');
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  let at = out.indexOf(needle);
  while (at >= 0) {
    Buffer.from(to).copy(out, at);
    at = out.indexOf(needle, at + needle.length);
  }
  return out;
}

export const handlerZip = (body = 'exports.handler = async () => "ok";') =>
  makeZip([{ name: 'index.js', content: body, mode: 0o100644 }]);
