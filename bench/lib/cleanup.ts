// Everything the suite starts is undone by the suite: temp dirs removed, processes stopped by their PID.
// Benchmarks register an undo step as soon as they create something; run.ts runs them all at the end,
// on failure and on Ctrl-C.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Undo = () => Promise<void> | void;
const stack: { readonly label: string; readonly undo: Undo }[] = [];

/** Registers an undo step; returns a function that runs it now (and only once). */
export function onCleanup(label: string, undo: Undo): () => Promise<void> {
  const entry = { label, undo };
  stack.push(entry);
  return async () => {
    const i = stack.indexOf(entry);
    if (i < 0) return;
    stack.splice(i, 1);
    await undo();
  };
}

/** Runs every pending undo step, newest first; reports (never throws) what failed. */
export async function runCleanups(): Promise<void> {
  while (stack.length > 0) {
    const entry = stack.pop();
    if (entry === undefined) break;
    try {
      await entry.undo();
    } catch (err) {
      process.stderr.write(`cleanup of ${entry.label} failed: ${String(err)}\n`);
    }
  }
}

/** A fresh temp dir, removed at cleanup. */
export function tempDir(prefix: string): { readonly path: string; readonly remove: () => Promise<void> } {
  const path = mkdtempSync(join(tmpdir(), `kindling-bench-${prefix}-`));
  const remove = onCleanup(`temp dir ${path}`, () => rmSync(path, { recursive: true, force: true }));
  return { path, remove };
}

/** SIGTERM to one PID we started, SIGKILL after a grace period if it is still there. */
export async function stopPid(pid: number | undefined, graceMs = 5000): Promise<void> {
  if (pid === undefined || !isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
