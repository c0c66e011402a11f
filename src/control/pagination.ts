// Marker/MaxItems pagination as Lambda's List* operations do it: an opaque marker naming the last item
// returned, and MaxItems bounded by the model (1–10000).

import { Errors, validationMessage } from '../errors.js';
import type { ListParams, Page } from './types.js';

export const DEFAULT_PAGE_SIZE = 50;

export function checkMaxItems(maxItems: number | undefined, max = 10_000): void {
  if (maxItems === undefined) return;
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > max) {
    const constraint =
      maxItems < 1
        ? 'Member must have value greater than or equal to 1'
        : `Member must have value less than or equal to ${max}`;
    throw Errors.validation(validationMessage([{ value: String(maxItems), field: 'maxItems', constraint }]));
  }
}

export function paginate<T>(items: readonly T[], keyOf: (item: T) => string, params: ListParams): Page<T> {
  checkMaxItems(params.maxItems);
  let start = 0;
  if (params.marker) {
    // SECURITY: the marker comes back from the caller; it is only ever compared, never interpreted.
    const key = Buffer.from(params.marker, 'base64url').toString('utf8');
    const at = items.findIndex((item) => keyOf(item) === key);
    if (at < 0) throw Errors.invalidParameterValue('Invalid pagination marker.');
    start = at + 1;
  }
  const size = params.maxItems ?? DEFAULT_PAGE_SIZE;
  const page = items.slice(start, start + size);
  const last = page[page.length - 1];
  const more = start + size < items.length && last !== undefined;
  return more
    ? { items: page, nextMarker: Buffer.from(keyOf(last), 'utf8').toString('base64url') }
    : { items: page };
}
