import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextFiring, parseScheduleExpression } from '../../src/triggers/schedules/index.js';

const t = (iso: string) => Date.parse(iso);

describe('schedule expressions', () => {
  it('rate(): every interval from the anchor, strictly after the given time', () => {
    const e = parseScheduleExpression('rate(5 minutes)');
    const anchor = t('2024-01-01T00:00:00Z');
    assert.equal(nextFiring(e, anchor, anchor), t('2024-01-01T00:05:00Z'));
    assert.equal(nextFiring(e, t('2024-01-01T00:05:00Z'), anchor), t('2024-01-01T00:10:00Z'));
    assert.equal(nextFiring(e, t('2024-01-01T01:02:03Z'), anchor), t('2024-01-01T01:05:00Z'));
    assert.equal(
      nextFiring(parseScheduleExpression('rate(1 day)'), anchor, anchor),
      t('2024-01-02T00:00:00Z'),
    );
  });

  it("cron(): AWS's six fields, day-of-week counted from Sunday = 1, year field, time zones", () => {
    // 12:00 on weekdays: Saturday 6 Jan 2024 → Monday 8 Jan.
    assert.equal(
      nextFiring(parseScheduleExpression('cron(0 12 ? * MON-FRI *)'), t('2024-01-06T00:00:00Z'), 0),
      t('2024-01-08T12:00:00Z'),
    );
    // Day 2 is Monday in AWS's numbering.
    assert.equal(
      nextFiring(parseScheduleExpression('cron(0 12 ? * 2 *)'), t('2024-01-06T00:00:00Z'), 0),
      t('2024-01-08T12:00:00Z'),
    );
    // First Monday of the month, last day of the month.
    assert.equal(
      nextFiring(parseScheduleExpression('cron(0 9 ? * 2#1 *)'), t('2024-02-02T00:00:00Z'), 0),
      t('2024-02-05T09:00:00Z'),
    );
    assert.equal(
      nextFiring(parseScheduleExpression('cron(0 0 L * ? *)'), t('2024-02-03T00:00:00Z'), 0),
      t('2024-02-29T00:00:00Z'),
    );
    // Year field.
    assert.equal(
      nextFiring(parseScheduleExpression('cron(0 0 1 1 ? 2030)'), t('2024-02-03T00:00:00Z'), 0),
      t('2030-01-01T00:00:00Z'),
    );
    assert.equal(
      nextFiring(parseScheduleExpression('cron(0 0 1 1 ? 2020)'), t('2024-02-03T00:00:00Z'), 0),
      undefined,
    );
    // 08:00 in New York (EST, UTC-5).
    assert.equal(
      nextFiring(
        parseScheduleExpression('cron(0 8 * * ? *)', 'America/New_York'),
        t('2024-01-10T00:00:00Z'),
        0,
      ),
      t('2024-01-10T13:00:00Z'),
    );
  });

  it('at(): once, in the schedule time zone', () => {
    const e = parseScheduleExpression('at(2030-06-01T10:00:00)', 'Europe/Paris');
    assert.equal(nextFiring(e, t('2024-01-01T00:00:00Z'), 0), t('2030-06-01T08:00:00Z'));
    assert.equal(nextFiring(e, t('2030-06-01T08:00:00Z'), 0), undefined);
  });

  it('rejects what AWS rejects', () => {
    for (const bad of [
      'rate(0 minutes)',
      'rate(5 seconds)',
      'cron(* * * * *)',
      'cron(0 12 * * * *)',
      'cron(0 12 ? * ? *)',
      'at(2030-06-01)',
      'every day',
    ]) {
      assert.throws(() => parseScheduleExpression(bad), /Invalid/, bad);
    }
  });
});
