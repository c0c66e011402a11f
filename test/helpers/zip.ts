// Real zip archives for tests, made in memory with yazl as a user's tools would make them.

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
