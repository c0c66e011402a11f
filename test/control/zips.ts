// Real zip archives for tests, made with yazl; `renameEntry` rewrites an entry name in place to build the
// hostile archives (`../x`, `/x`) that yazl itself refuses to write.

import yazl from 'yazl';

export interface ZipEntry {
  readonly name: string;
  readonly content?: string | Buffer;
  /** Full Unix mode including the file type bits, e.g. 0o100755 or 0o120777 for a symbolic link. */
  readonly mode?: number;
  readonly directory?: boolean;
}

export function makeZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.directory) zip.addEmptyDirectory(e.name);
    else {
      const content = typeof e.content === 'string' ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0));
      zip.addBuffer(content, e.name, e.mode !== undefined ? { mode: e.mode } : {});
    }
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

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
