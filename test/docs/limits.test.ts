// docs/limits.md states Kindling's limits; this reads each named constant from the code and checks that the
// page states its value, so a limit changed in one place and not the other fails here.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/server.js';
import { readDoc, tableRows } from './markdown.js';

interface LimitRow {
  readonly limit: string;
  readonly value: string;
  readonly enforcedIn: string;
  readonly constant: string;
}

const rows: LimitRow[] = tableRows(readDoc('limits.md')).map(([limit, value, , enforcedIn, constant]) => ({
  limit: limit ?? '',
  value: value ?? '',
  enforcedIn: enforcedIn ?? '',
  constant: constant ?? '',
}));

/** The numbers a Value cell states, in order, before any parenthesis ("6,291,456 bytes (6 MB)" → 6291456). */
function statedNumbers(value: string): number[] {
  const stated = value.split(' (')[0] as string;
  return [...stated.matchAll(/\d[\d,]*/g)].map((m) => Number(m[0].replaceAll(',', '')));
}

/** Reads `src/file.ts#NAME.member` or `#fn(arg).member` from the module itself. */
async function readConstant(ref: string): Promise<unknown> {
  const [file, expression] = ref.split('#') as [string, string];
  let value: unknown = await import(pathToFileURL(join(repoRoot, file)).href);
  for (const step of expression.split('.')) {
    const m = /^(\w+)(?:\(([\d,]*)\))?$/.exec(step);
    assert.ok(m, `cannot read ${ref}`);
    const member = (value as Record<string, unknown>)[m[1] as string];
    if (m[2] === undefined) {
      value = member;
    } else {
      assert.equal(typeof member, 'function', `${ref}: ${m[1]} is a function`);
      const args = m[2] === '' ? [] : m[2].split(',').map(Number);
      value = (member as (...a: number[]) => unknown)(...args);
    }
    assert.notEqual(value, undefined, `${ref}: ${step} exists`);
  }
  return value;
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);

describe('docs/limits.md', () => {
  it('has the limits Lambda users look for', () => {
    assert.ok(rows.length >= 30, `${rows.length} rows`);
    const checked = rows.filter((r) => r.constant !== '—');
    assert.ok(checked.length >= 25, `${checked.length} rows are checked against a constant`);
  });

  for (const row of rows.filter((r) => r.constant !== '—')) {
    it(`${row.limit}: ${row.value}`, async () => {
      const refs = codeSpans(row.constant);
      assert.ok(refs.length > 0 && refs.every((r) => r.includes('#')), `constant refs: ${row.constant}`);
      const fromCode = await Promise.all(refs.map(readConstant));
      const stated = statedNumbers(row.value);
      // One figure for several constants ("69,905,067 bytes each") states each of them.
      assert.deepEqual(stated.length === 1 ? refs.map(() => stated[0]) : stated, fromCode);
    });
  }

  it('every file named in "Enforced in" exists', () => {
    const files = rows.flatMap((r) => codeSpans(r.enforcedIn)).filter((p) => p.startsWith('src/'));
    assert.ok(files.length >= rows.length);
    assert.deepEqual(
      files.filter((f) => !existsSync(join(repoRoot, f))),
      [],
    );
  });
});
