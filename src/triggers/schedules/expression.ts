// Schedule expressions as EventBridge Scheduler writes them, parsed once into a value that computes firing
// times: rate(value unit), cron(minutes hours day-of-month month day-of-week year) — AWS's six fields, with
// `?`, L, W and #, day-of-week 1–7 counted from Sunday — and at(yyyy-mm-ddThh:mm:ss) for one firing.
// Cron and at are read in the schedule's ScheduleExpressionTimezone (UTC by default).

import { Cron } from 'croner';

export type ScheduleExpression =
  | { readonly kind: 'rate'; readonly intervalMs: number }
  | { readonly kind: 'cron'; readonly cron: Cron; readonly years: (year: number) => boolean }
  | { readonly kind: 'at'; readonly at: number };

export class InvalidScheduleExpression extends Error {}

const RATE = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export function parseScheduleExpression(expression: string, timezone = 'UTC'): ScheduleExpression {
  const text = expression.trim();
  const rate = RATE.exec(text);
  if (rate !== null) {
    const value = Number(rate[1]);
    if (value < 1) throw new InvalidScheduleExpression(`Invalid Schedule Expression ${expression}.`);
    return { kind: 'rate', intervalMs: value * (UNIT_MS[rate[2]!.replace(/s$/, '')] ?? 0) };
  }
  const at = AT.exec(text);
  if (at !== null) {
    const [, y, mo, d, h, mi, s] = at.map(Number) as [number, number, number, number, number, number, number];
    return { kind: 'at', at: zonedTime(y, mo, d, h, mi, s, timezone) };
  }
  const cron = CRON.exec(text);
  if (cron !== null) return parseCron(cron[1]!, timezone, expression);
  throw new InvalidScheduleExpression(`Invalid Schedule Expression ${expression}.`);
}

function parseCron(body: string, timezone: string, expression: string): ScheduleExpression {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new InvalidScheduleExpression(`Invalid Schedule Expression ${expression}.`);
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  // AWS requires exactly one of day-of-month and day-of-week to be '?'.
  if ((dom === '?') === (dow === '?'))
    throw new InvalidScheduleExpression(`Invalid Schedule Expression ${expression}.`);
  try {
    const pattern = `0 ${minutes} ${hours} ${dom === '?' ? '*' : dom} ${month} ${dow === '?' ? '*' : awsDayOfWeek(dow)}`;
    const cronJob = new Cron(pattern, { timezone, paused: true, legacyMode: false });
    return { kind: 'cron', cron: cronJob, years: yearMatcher(year) };
  } catch {
    throw new InvalidScheduleExpression(`Invalid Schedule Expression ${expression}.`);
  }
}

/** AWS numbers days 1 (Sunday) to 7 (Saturday); croner 0 (Sunday) to 6. Names are the same. */
function awsDayOfWeek(field: string): string {
  return field
    .split(',')
    .map((part) => {
      const [base = '', step] = part.split('/');
      const shifted = base
        .replace(/^(\d)/, (d) => String(Number(d) - 1))
        .replace(/-(\d)/, (_, d: string) => `-${Number(d) - 1}`);
      return step === undefined ? shifted : `${shifted}/${step}`;
    })
    .join(',');
}

/** The year field (1970–2199): *, n, a-b, a/step, lists. */
function yearMatcher(field: string): (year: number) => boolean {
  if (field === '*' || field === '?') return () => true;
  const parts = field.split(',').map((part) => {
    const m = /^(\*|\d{4})(?:-(\d{4}))?(?:\/(\d+))?$/.exec(part);
    if (m === null) throw new InvalidScheduleExpression(`Invalid year field ${field}.`);
    const from = m[1] === '*' ? 1970 : Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : m[3] !== undefined || m[1] === '*' ? 2199 : from;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    return (y: number) => y >= from && y <= to && (y - from) % step === 0;
  });
  return (y) => parts.some((p) => p(y));
}

/** Epoch ms of a wall-clock time in a time zone. */
export function zonedTime(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  timezone: string,
): number {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  // The zone's offset at that instant, found by formatting; applied twice to settle around DST changes.
  let t = asUtc - offsetMs(asUtc, timezone);
  t = asUtc - offsetMs(t, timezone);
  return t;
}

function offsetMs(epochMs: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return (
    Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) -
    Math.floor(epochMs / 1000) * 1000
  );
}

/** Whether a time zone name is one the runtime knows (IANA). */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first firing strictly after `after`. Rate schedules fire every interval from `anchor` (the schedule's
 * start date or creation); at() fires once. Undefined when the schedule never fires again.
 */
export function nextFiring(expr: ScheduleExpression, after: number, anchor: number): number | undefined {
  switch (expr.kind) {
    case 'rate': {
      const k = Math.max(1, Math.floor((after - anchor) / expr.intervalMs) + 1);
      return anchor + k * expr.intervalMs;
    }
    case 'at':
      return expr.at > after ? expr.at : undefined;
    case 'cron': {
      let from = new Date(after);
      // Bounded: the year field can skip at most to 2199.
      for (let i = 0; i < 300; i++) {
        const next = expr.cron.nextRun(from);
        if (next === null) return undefined;
        const year = Number(
          new Intl.DateTimeFormat('en-US', {
            timeZone: expr.cron.options.timezone ?? 'UTC',
            year: 'numeric',
          }).format(next),
        );
        if (expr.years(year)) return next.getTime();
        if (year >= 2199) return undefined;
        from = new Date(zonedTime(year + 1, 1, 1, 0, 0, 0, expr.cron.options.timezone ?? 'UTC') - 1000);
      }
      return undefined;
    }
  }
}
