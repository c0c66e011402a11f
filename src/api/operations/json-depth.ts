// How deeply a parsed JSON body nests. JSON.parse itself handles any depth, but everything after it that
// walks or re-serialises the value (null stripping, JSON.stringify into the store) recurses and would run
// out of stack on a body of a few hundred kilobytes of brackets: bodies nesting deeper than any API shape
// are refused as malformed first.

/** Far deeper than any Lambda, Scheduler, SQS or CloudWatch Logs request shape (at most ~6 levels). */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests objects or arrays more than `max` levels deep (iterative: any depth is safe). */
export function nestsDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.depth >= max) return true;
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children) stack.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}
