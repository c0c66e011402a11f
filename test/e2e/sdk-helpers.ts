// What the end-to-end suites that drive Kindling with the AWS SDK share: invoke payloads in and out, and the
// error a call that must fail rejected with.
import assert from 'node:assert/strict';

/** An event as an Invoke Payload. */
export const payload = (event: unknown) => Buffer.from(JSON.stringify(event));

/** An Invoke response Payload, parsed. */
export const body = (p: Uint8Array | undefined) => JSON.parse(Buffer.from(p ?? []).toString());

/** The error an SDK call rejected with, or a failure if it resolved. */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  assert.fail('expected the call to fail');
}
