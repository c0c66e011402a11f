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

/**
 * A zip of `count` empty files (`f0`, `f1`, ...), stored, written byte by byte: fast for hundreds of
 * thousands of entries. Past 65,535 entries the count only fits the zip64 end-of-central-directory record.
 */
export function manyEntriesZip(count: number): Buffer {
  const names = Array.from({ length: count }, (_, i) => Buffer.from(`f${i}`));
  const nameBytes = names.reduce((n, b) => n + b.length, 0);
  const localSize = 30 * count + nameBytes;
  const centralSize = 46 * count + nameBytes;
  const out = Buffer.alloc(localSize + centralSize + 56 + 20 + 22);
  const DOS_DATE_1980_01_01 = 0x21;
  let at = 0;
  const offsets: number[] = [];
  for (const name of names) {
    offsets.push(at);
    out.writeUInt32LE(0x04034b50, at);
    out.writeUInt16LE(20, at + 4); // version needed
    out.writeUInt16LE(DOS_DATE_1980_01_01, at + 12);
    out.writeUInt16LE(name.length, at + 26);
    name.copy(out, at + 30);
    at += 30 + name.length;
  }
  const centralOffset = at;
  names.forEach((name, i) => {
    out.writeUInt32LE(0x02014b50, at);
    out.writeUInt16LE((3 << 8) | 20, at + 4); // made by Unix
    out.writeUInt16LE(20, at + 6);
    out.writeUInt16LE(DOS_DATE_1980_01_01, at + 14);
    out.writeUInt16LE(name.length, at + 28);
    out.writeUInt32LE((0o100644 << 16) >>> 0, at + 38);
    out.writeUInt32LE(offsets[i] as number, at + 42);
    name.copy(out, at + 46);
    at += 46 + name.length;
  });
  const zip64Offset = at;
  out.writeUInt32LE(0x06064b50, at);
  out.writeBigUInt64LE(44n, at + 4);
  out.writeUInt16LE(45, at + 12);
  out.writeUInt16LE(45, at + 14);
  out.writeBigUInt64LE(BigInt(count), at + 24);
  out.writeBigUInt64LE(BigInt(count), at + 32);
  out.writeBigUInt64LE(BigInt(centralSize), at + 40);
  out.writeBigUInt64LE(BigInt(centralOffset), at + 48);
  at += 56;
  out.writeUInt32LE(0x07064b50, at);
  out.writeBigUInt64LE(BigInt(zip64Offset), at + 8);
  out.writeUInt32LE(1, at + 16);
  at += 20;
  out.writeUInt32LE(0x06054b50, at);
  out.writeUInt16LE(0xffff, at + 8);
  out.writeUInt16LE(0xffff, at + 10);
  out.writeUInt32LE(centralSize, at + 12);
  out.writeUInt32LE(centralOffset, at + 16);
  return out;
}
