// `--since` values as `aws logs tail` takes them: a relative time (30s, 10m, 2h, 1d, 1w) or an ISO 8601
// timestamp. Returns milliseconds since the epoch.

import { CliError } from './output.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseSince(value: string, now = Date.now()): number {
  const relative = /^(\d+)([smhdw])$/.exec(value.trim());
  if (relative !== null) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const absolute = Date.parse(value);
  if (Number.isNaN(absolute)) {
    throw new CliError(
      'InvalidArgument',
      `--since ${value}: expected a relative time like 10m or an ISO 8601 time`,
    );
  }
  return absolute;
}
