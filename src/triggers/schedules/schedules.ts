// Schedules (the EventBridge Scheduler subset Kindling runs): definitions kept durably with their next
// firing time, and `fireDue` which fires every schedule whose time has come by queueing an async invoke of
// its target function — the firing and the queued event commit together, durably, so a firing is neither
// lost nor repeated by a crash. A schedule that missed several firings while the server was down fires
// once when it comes back (catch-up), then keeps its regular cadence.

import type { Logger } from 'pino';
import { LambdaServiceError } from '../../errors.js';
import { type AsyncInvocations, parseDestinationArn } from '../../invoke/async/index.js';
import { type QueuePartition, durableTransaction } from '../../queues/index.js';
import type { SqliteDatabase } from '../../store/index.js';
import {
  InvalidScheduleExpression,
  type ScheduleExpression,
  isTimeZone,
  nextFiring,
  parseScheduleExpression,
} from './expression.js';
import { DEFAULT_GROUP, type Schedule, type ScheduleDefinition } from './model.js';
import type { ScheduleClock } from './schedule-clock.js';

export const ScheduleErrors = {
  validation: (m: string) => new LambdaServiceError('ValidationException', 400, m),
  notFound: (m: string) => new LambdaServiceError('ResourceNotFoundException', 404, m),
  conflict: (m: string) => new LambdaServiceError('ConflictException', 409, m),
} as const;

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;

interface ScheduleRow {
  group_name: string;
  name: string;
  definition: string;
  creation_date: number;
  last_modification_date: number;
  next_fire_at: number | null;
  last_fired_at: number | null;
}

export interface SchedulesDeps {
  readonly db: SqliteDatabase;
  readonly clock: ScheduleClock;
  readonly partition: QueuePartition;
  /** Where firings go: the durable async queue. */
  readonly invocations: Pick<AsyncInvocations, 'acceptInTransaction' | 'acceptedNow'>;
  readonly log: Logger;
}

export interface ListSchedulesInput {
  readonly groupName?: string;
  readonly namePrefix?: string;
  readonly state?: 'ENABLED' | 'DISABLED';
  readonly maxResults?: number;
  readonly nextToken?: string;
}

export class Schedules {
  private readonly statements;
  /** Called when a schedule's next firing changes (the ticker re-arms its timer). */
  onChange: () => void = () => undefined;

  constructor(private readonly deps: SchedulesDeps) {
    const { db } = deps;
    this.statements = {
      get: db.prepare<[string, string], ScheduleRow>(
        'SELECT * FROM schedules WHERE group_name = ? AND name = ?',
      ),
      all: db.prepare<[], ScheduleRow>('SELECT * FROM schedules ORDER BY group_name, name'),
      insert: db.prepare(
        `INSERT INTO schedules (group_name, name, definition, creation_date, last_modification_date, next_fire_at)
         VALUES (@groupName, @name, @definition, @now, @now, @nextFireAt)`,
      ),
      update: db.prepare(
        `UPDATE schedules SET definition = @definition, last_modification_date = @now, next_fire_at = @nextFireAt
         WHERE group_name = @groupName AND name = @name`,
      ),
      fired: db.prepare(
        'UPDATE schedules SET next_fire_at = ?, last_fired_at = ? WHERE group_name = ? AND name = ?',
      ),
      delete: db.prepare('DELETE FROM schedules WHERE group_name = ? AND name = ?'),
      due: db.prepare<[number], ScheduleRow>(
        'SELECT * FROM schedules WHERE next_fire_at IS NOT NULL AND next_fire_at <= ? ORDER BY next_fire_at',
      ),
      nextDue: db.prepare<[], { at: number | null }>('SELECT MIN(next_fire_at) AS at FROM schedules'),
    };
  }

  arn(groupName: string, name: string): string {
    return `arn:aws:scheduler:${this.deps.partition.region}:${this.deps.partition.accountId}:schedule/${groupName}/${name}`;
  }

  create(name: string, groupName: string | undefined, definition: ScheduleDefinition): Schedule {
    const group = this.checkNames(name, groupName);
    const expr = this.validate(definition);
    if (this.statements.get.get(group, name) !== undefined)
      throw ScheduleErrors.conflict(`Schedule ${name} already exists.`);
    return this.write('insert', group, name, definition, expr);
  }

  update(name: string, groupName: string | undefined, definition: ScheduleDefinition): Schedule {
    const group = this.checkNames(name, groupName);
    const expr = this.validate(definition);
    this.row(group, name);
    return this.write('update', group, name, definition, expr);
  }

  /** Stores a checked definition with its first firing from now, durably, and returns the schedule. */
  private write(
    statement: 'insert' | 'update',
    group: string,
    name: string,
    definition: ScheduleDefinition,
    expr: ScheduleExpression,
  ): Schedule {
    const now = this.deps.clock.now();
    const nextFireAt = this.initialFiring(definition, expr, now, now);
    durableTransaction(this.deps.db, () => {
      this.statements[statement].run({
        groupName: group,
        name,
        definition: JSON.stringify(definition),
        now,
        nextFireAt: nextFireAt ?? null,
      });
    });
    this.onChange();
    return this.get(name, group);
  }

  get(name: string, groupName?: string): Schedule {
    const group = this.checkNames(name, groupName);
    return this.toSchedule(this.row(group, name));
  }

  delete(name: string, groupName?: string): void {
    const group = this.checkNames(name, groupName);
    this.row(group, name);
    this.statements.delete.run(group, name);
  }

  list(input: ListSchedulesInput = {}): { schedules: Schedule[]; nextToken?: string } {
    if (input.groupName !== undefined) this.checkGroup(input.groupName);
    const all = this.statements.all
      .all()
      .map((r) => this.toSchedule(r))
      .filter(
        (s) =>
          (input.namePrefix === undefined || s.name.startsWith(input.namePrefix)) &&
          (input.state === undefined || (s.definition.State ?? 'ENABLED') === input.state),
      );
    const start = input.nextToken === undefined ? 0 : Number.parseInt(input.nextToken, 10) || 0;
    const size = input.maxResults ?? 100;
    const page = all.slice(start, start + size);
    return start + size < all.length
      ? { schedules: page, nextToken: String(start + size) }
      : { schedules: page };
  }

  /** Earliest next firing of any schedule (schedule time), or undefined. */
  nextDueAt(): number | undefined {
    return this.statements.nextDue.get()?.at ?? undefined;
  }

  /** Fires every due schedule once; returns how many fired. */
  fireDue(): number {
    const now = this.deps.clock.now();
    let fired = 0;
    for (const row of this.statements.due.all(now)) {
      const definition = JSON.parse(row.definition) as ScheduleDefinition;
      const scheduledTime = row.next_fire_at ?? now;
      const arn = this.arn(row.group_name, row.name);
      let next: number | undefined;
      try {
        const expr = parseScheduleExpression(
          definition.ScheduleExpression,
          definition.ScheduleExpressionTimezone,
        );
        // Catch-up: firings missed while the server was down collapse into this one.
        next = this.firingAfter(definition, expr, now, row.last_modification_date);
      } catch {
        next = undefined;
      }
      durableTransaction(this.deps.db, () => {
        try {
          this.deps.invocations.acceptInTransaction({
            functionName: definition.Target.Arn,
            payload: Buffer.from(
              substituteContext(definition.Target.Input ?? '{}', arn, scheduledTime),
              'utf8',
            ),
            source: `schedule:${row.group_name}/${row.name}`,
          });
        } catch (err) {
          this.deps.log.warn({ err, schedule: arn }, 'schedule could not invoke its target; firing skipped');
        }
        if (next === undefined && definition.ActionAfterCompletion === 'DELETE') {
          this.statements.delete.run(row.group_name, row.name);
        } else {
          this.statements.fired.run(next ?? null, scheduledTime, row.group_name, row.name);
        }
      });
      fired++;
    }
    if (fired > 0) this.deps.invocations.acceptedNow();
    return fired;
  }

  private initialFiring(
    def: ScheduleDefinition,
    expr: ScheduleExpression,
    now: number,
    modified: number,
  ): number | undefined {
    if ((def.State ?? 'ENABLED') === 'DISABLED') return undefined;
    if (expr.kind === 'at') {
      // A one-time schedule whose time has passed fires once, at once.
      const end = def.EndDate === undefined ? undefined : def.EndDate * 1000;
      return end !== undefined && expr.at > end ? undefined : expr.at;
    }
    return this.firingAfter(def, expr, now, modified);
  }

  private firingAfter(
    def: ScheduleDefinition,
    expr: ScheduleExpression,
    after: number,
    modified: number,
  ): number | undefined {
    if ((def.State ?? 'ENABLED') === 'DISABLED') return undefined;
    const start = def.StartDate === undefined ? undefined : def.StartDate * 1000;
    const end = def.EndDate === undefined ? undefined : def.EndDate * 1000;
    const anchor = start ?? modified;
    let next = nextFiring(expr, start !== undefined && after < start ? start - 1 : after, anchor);
    if (next !== undefined && end !== undefined && next > end) next = undefined;
    return next;
  }

  private validate(def: ScheduleDefinition): ScheduleExpression {
    const tz = def.ScheduleExpressionTimezone ?? 'UTC';
    if (!isTimeZone(tz)) throw ScheduleErrors.validation(`Invalid ScheduleExpressionTimezone ${tz}.`);
    let expr: ScheduleExpression;
    try {
      expr = parseScheduleExpression(def.ScheduleExpression, tz);
    } catch (err) {
      if (err instanceof InvalidScheduleExpression) throw ScheduleErrors.validation(err.message);
      throw err;
    }
    // SECURITY: a schedule later invokes its target with the server's authority; only this account's
    // functions are valid targets.
    const target = parseDestinationArn(this.deps.partition, def.Target.Arn);
    if (target?.kind !== 'function') {
      throw ScheduleErrors.validation(
        `Invalid target ${def.Target.Arn}: Kindling schedules invoke Lambda functions of account ${this.deps.partition.accountId} in ${this.deps.partition.region}.`,
      );
    }
    if (def.StartDate !== undefined && def.EndDate !== undefined && def.EndDate <= def.StartDate) {
      throw ScheduleErrors.validation('The EndDate must be after the StartDate.');
    }
    return expr;
  }

  private checkNames(name: string, groupName: string | undefined): string {
    if (!NAME.test(name)) {
      throw ScheduleErrors.validation(
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$`,
      );
    }
    const group = groupName ?? DEFAULT_GROUP;
    this.checkGroup(group);
    return group;
  }

  private checkGroup(group: string): void {
    if (group !== DEFAULT_GROUP) throw ScheduleErrors.notFound(`Schedule group ${group} does not exist.`);
  }

  private row(group: string, name: string): ScheduleRow {
    const row = this.statements.get.get(group, name);
    if (row === undefined) throw ScheduleErrors.notFound(`Schedule ${name} does not exist.`);
    return row;
  }

  private toSchedule(r: ScheduleRow): Schedule {
    return {
      groupName: r.group_name,
      name: r.name,
      arn: this.arn(r.group_name, r.name),
      definition: JSON.parse(r.definition) as ScheduleDefinition,
      creationDate: r.creation_date,
      lastModificationDate: r.last_modification_date,
      ...(r.next_fire_at !== null ? { nextFireAt: r.next_fire_at } : {}),
      ...(r.last_fired_at !== null ? { lastFiredAt: r.last_fired_at } : {}),
    };
  }
}

/** EventBridge Scheduler's context attributes in a target's Input. */
export function substituteContext(input: string, scheduleArn: string, scheduledTime: number): string {
  return input
    .replaceAll('<aws.scheduler.schedule-arn>', scheduleArn)
    .replaceAll(
      '<aws.scheduler.scheduled-time>',
      new Date(scheduledTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    )
    .replaceAll('<aws.scheduler.execution-id>', `${scheduledTime}-${Math.random().toString(36).slice(2, 10)}`)
    .replaceAll('<aws.scheduler.attempt-number>', '1');
}
