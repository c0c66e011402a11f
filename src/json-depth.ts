// How deeply a parsed JSON value nests. JSON.parse handles any depth, but code that walks or re-serialises
// the value afterwards recurses and runs out of stack on a few hundred kilobytes of brackets; callers that
// take JSON from outside measure it first. Shared by the API's request bodies and the async invocation
// records, which carry callers' and functions' payloads.

/** Whether `value` nests objects or arrays more than `max` levels deep (iterative: any depth is safe). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.depth >= max) return true;
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children) stack.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}
