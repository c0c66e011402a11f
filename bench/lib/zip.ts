// Deployment packages built in memory with yazl, as a user's zip would be: Unix modes kept, so a custom
// runtime's `bootstrap` stays executable.

import yazl from 'yazl';

export interface ZipEntry {
  readonly name: string;
  readonly content: Buffer | string;
  readonly executable?: boolean;
}

export function zip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const e of entries) {
    const mode = 0o100000 | (e.executable ? 0o755 : 0o644);
    archive.addBuffer(Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content), e.name, { mode });
  }
  archive.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (c: Buffer) => chunks.push(c));
    archive.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    archive.outputStream.on('error', reject);
  });
}
