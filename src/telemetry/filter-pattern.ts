// CloudWatch Logs filter patterns, the term form: `ERROR` (contains), `"Task timed out"` (contains the
// phrase), several terms (all must match), `?ERROR ?WARN` (at least one), `-DEBUG` (must not match).
// Matching is case-sensitive, as CloudWatch's is. JSON (`{ $.level = ... }`), space-delimited (`[...]`)
// and regular-expression (`%...%`) patterns are rejected rather than silently matched as text.

export type LogMatcher = (message: string) => boolean;

export class UnsupportedFilterPatternError extends Error {}

interface Terms {
  readonly required: string[];
  readonly optional: string[];
  readonly excluded: string[];
}

/** Parses a filter pattern once; the matcher is then applied to every candidate event. */
export function compileFilterPattern(pattern: string): LogMatcher {
  const trimmed = pattern.trim();
  if (trimmed === '') return () => true;
  const first = trimmed[0];
  if (first === '{' || first === '[' || first === '%') {
    throw new UnsupportedFilterPatternError(
      'Only term filter patterns are supported (words, "quoted phrases", ?optional and -excluded terms).',
    );
  }
  const { required, optional, excluded } = parseTerms(trimmed);
  return (message) =>
    required.every((t) => message.includes(t)) &&
    (optional.length === 0 || optional.some((t) => message.includes(t))) &&
    !excluded.some((t) => message.includes(t));
}

function parseTerms(pattern: string): Terms {
  const terms: Terms = { required: [], optional: [], excluded: [] };
  let i = 0;
  while (i < pattern.length) {
    while (i < pattern.length && /\s/.test(pattern[i]!)) i++;
    if (i >= pattern.length) break;
    let bucket = terms.required;
    if (pattern[i] === '?') {
      bucket = terms.optional;
      i++;
    } else if (pattern[i] === '-' && i + 1 < pattern.length && !/\s/.test(pattern[i + 1]!)) {
      bucket = terms.excluded;
      i++;
    }
    let term = '';
    if (pattern[i] === '"') {
      i++;
      while (i < pattern.length && pattern[i] !== '"') {
        if (pattern[i] === '\\' && i + 1 < pattern.length) i++;
        term += pattern[i];
        i++;
      }
      if (i >= pattern.length)
        throw new UnsupportedFilterPatternError('Unterminated quoted term in filter pattern.');
      i++;
    } else {
      while (i < pattern.length && !/\s/.test(pattern[i]!)) {
        term += pattern[i];
        i++;
      }
    }
    if (term !== '') bucket.push(term);
  }
  return terms;
}
