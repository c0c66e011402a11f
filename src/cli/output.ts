// How the `kindling` command reports failure: the AWS error name and message on stderr, exit code 1.

export class CliError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** "ResourceNotFoundException: Function not found: ..." for AWS errors; the same shape for local ones. */
export function describeError(err: unknown, endpoint?: string): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET') {
      return `${code}: cannot reach Kindling at ${endpoint ?? 'its endpoint'} (is \`kindling serve\` running?)`;
    }
    return `${err.name}: ${err.message}`;
  }
  return String(err);
}

/** Left-aligned columns separated by two spaces, header first. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
