// What a benchmark hands back: figures, each next to its floor and the ratio, and the target it is held to.
// The suite prints them as one table and as JSON.

export interface Target {
  /** The promise, in words (e.g. "≤ 2× floor"). */
  readonly text: string;
  /** Whether this run meets it; null when it cannot be judged (peer unavailable, figure invalid). */
  readonly met: boolean | null;
}

export interface Figure {
  /** What was measured, e.g. "warm invoke p50 (SDK)". */
  readonly what: string;
  readonly value: number | null;
  readonly unit: string;
  /** The floor (or peer) it is compared with, measured in the same run. */
  readonly floor?: { readonly what: string; readonly value: number | null };
  /** value / floor.value. */
  readonly ratio?: number | null;
  readonly target?: Target;
  /** Why the value is missing or not a valid figure (errors, unavailable peer). */
  readonly note?: string;
}

export interface BenchmarkResult {
  readonly name: string;
  readonly title: string;
  readonly durationMs: number;
  readonly figures: readonly Figure[];
  /** Raw measurements, for the JSON output. */
  readonly details: Record<string, unknown>;
  /** Observations worth reading next to the figures (server errors, unavailable peers). */
  readonly notes: readonly string[];
}

export function ratio(value: number | null | undefined, floor: number | null | undefined): number | null {
  if (value == null || floor == null || !Number.isFinite(value) || !Number.isFinite(floor) || floor === 0)
    return null;
  return value / floor;
}

/** A "lower is better" target: value ≤ limit. */
export function atMost(value: number | null | undefined, limit: number, text: string): Target {
  return { text, met: value == null || !Number.isFinite(value) ? null : value <= limit };
}

/** A "higher is better" target: value ≥ limit. */
export function atLeast(value: number | null | undefined, limit: number, text: string): Target {
  return { text, met: value == null || !Number.isFinite(value) ? null : value >= limit };
}

function formatNumber(value: number | null | undefined, unit = ''): string {
  if (value == null || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text} ${unit}` : text;
}

function formatRatio(r: number | null | undefined): string {
  if (r == null || !Number.isFinite(r)) return '—';
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

function verdict(t: Target | undefined): string {
  if (t === undefined) return '';
  const mark = t.met === null ? '?' : t.met ? 'met' : 'MISSED';
  return `${t.text} (${mark})`;
}

export interface TableRow {
  readonly benchmark: string;
  readonly what: string;
  readonly value: string;
  readonly floor: string;
  readonly ratio: string;
  readonly target: string;
  readonly note: string;
}

export function tableRows(results: readonly BenchmarkResult[]): TableRow[] {
  return results.flatMap((r) =>
    r.figures.map((f) => ({
      benchmark: r.name,
      what: f.what,
      value: formatNumber(f.value, f.unit),
      floor: f.floor ? `${f.floor.what}: ${formatNumber(f.floor.value, f.unit)}` : '',
      ratio: formatRatio(f.ratio),
      target: verdict(f.target),
      note: f.note ?? '',
    })),
  );
}

const COLUMNS: readonly (keyof TableRow)[] = [
  'benchmark',
  'what',
  'value',
  'floor',
  'ratio',
  'target',
  'note',
];

/** A Markdown table (readable in a terminal too). */
export function renderTable(results: readonly BenchmarkResult[]): string {
  const rows = tableRows(results);
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${COLUMNS.map((c) => cell(row[c])).join(' | ')} |`),
  ];
  return lines.join('\n');
}
