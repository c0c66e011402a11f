// Reads Lambda's REPORT line from a tail log (X-Amz-Log-Result, base64): Duration and Init Duration.

export interface ReportLine {
  readonly durationMs: number | undefined;
  readonly initDurationMs: number | undefined;
}

export function parseReport(logResultBase64: string | undefined): ReportLine {
  const text = logResultBase64 === undefined ? '' : Buffer.from(logResultBase64, 'base64').toString('utf8');
  const line = text.split('\n').find((l) => l.startsWith('REPORT ')) ?? '';
  const field = (name: string) => {
    const m = new RegExp(`\\t${name}: ([\\d.]+) ms`).exec(`\t${line.replace(/^REPORT [^\t]*/, '')}`);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  };
  return { durationMs: field('Duration'), initDurationMs: field('Init Duration') };
}
