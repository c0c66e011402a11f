// The CloudWatch Logs API subset that serves function logs: the JSON 1.1 protocol (POST /,
// X-Amz-Target: Logs_20140328.<Operation>, application/x-amz-json-1.1), enough for the AWS SDKs,
// `aws logs tail [--follow]`, `aws logs filter-log-events`, `aws logs get-log-events` and `kindling logs`.
// Decode (zod) → FunctionLogs → encode; errors are CloudWatch's own names, all HTTP 400 as CloudWatch sends.

import { type ZodType, z } from 'zod';
import { LambdaServiceError, validationMessage } from '../../errors.js';
import { nestsDeeperThan } from '../../json-depth.js';
import { UnsupportedFilterPatternError } from '../../telemetry/filter-pattern.js';
import type { FunctionLogs, LogGroupInfo, LogStreamInfo, StoredLogEvent } from '../../telemetry/logs.js';
import type { ApiRequest, ApiResponse, JsonObject, RouteHandler, Routes } from '../http.js';
import { MAX_JSON_DEPTH } from './json-depth.js';

export const LOGS_TARGET_PREFIX = 'Logs_20140328.';

export interface LogsApiOptions {
  /** For the ARNs in DescribeLogGroups / DescribeLogStreams. */
  readonly region?: string;
  readonly accountId?: string;
}

/** CloudWatch Logs' error catalogue (the subset this API can answer with). */
export const LogsErrors = {
  resourceNotFound: (message: string) => new LambdaServiceError('ResourceNotFoundException', 400, message),
  resourceAlreadyExists: (message: string) =>
    new LambdaServiceError('ResourceAlreadyExistsException', 400, message),
  invalidParameter: (message: string) => new LambdaServiceError('InvalidParameterException', 400, message),
  serialization: (message: string) => new LambdaServiceError('SerializationException', 400, message),
  unknownOperation: (message: string) => new LambdaServiceError('UnknownOperationException', 400, message),
} as const;

const GROUP_NOT_FOUND = 'The specified log group does not exist.';
const STREAM_NOT_FOUND = 'The specified log stream does not exist.';
/** CloudWatch answers at most 1 MB of events per page. */
const MAX_PAGE_BYTES = 1024 * 1024;
/** Per-event overhead CloudWatch counts toward its size limits. */
const EVENT_OVERHEAD_BYTES = 26;
const JSON_11 = { 'Content-Type': 'application/x-amz-json-1.1' } as const;

// SECURITY: every field below comes from the request body; the schemas bound names, limits and times.
const GroupName = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[.\-_/#A-Za-z0-9]+$/, 'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+');
const GroupRef = {
  logGroupName: GroupName.optional(),
  logGroupIdentifier: z.string().min(1).max(2048).optional(),
};
const StreamName = z.string().min(1).max(512);
const Time = z.number().int().min(0).optional();
const Token = z.string().min(1).max(4096).optional();

const DescribeLogGroupsInput = z.object({
  logGroupNamePrefix: GroupName.optional(),
  logGroupNamePattern: z.string().max(512).optional(),
  limit: z.number().int().min(1).max(50).optional(),
  nextToken: Token,
});

const DescribeLogStreamsInput = z.object({
  ...GroupRef,
  logStreamNamePrefix: StreamName.optional(),
  orderBy: z.enum(['LogStreamName', 'LastEventTime']).optional(),
  descending: z.boolean().optional(),
  limit: z.number().int().min(1).max(50).optional(),
  nextToken: Token,
});

const GetLogEventsInput = z.object({
  ...GroupRef,
  logStreamName: StreamName,
  startTime: Time,
  endTime: Time,
  nextToken: Token,
  limit: z.number().int().min(1).max(10_000).optional(),
  startFromHead: z.boolean().optional(),
});

const FilterLogEventsInput = z.object({
  ...GroupRef,
  logStreamNames: z.array(StreamName).min(1).max(100).optional(),
  logStreamNamePrefix: StreamName.optional(),
  startTime: Time,
  endTime: Time,
  filterPattern: z.string().max(1024).optional(),
  nextToken: Token,
  limit: z.number().int().min(1).max(10_000).optional(),
  interleaved: z.boolean().optional(),
});

const GroupNameInput = z.object({ logGroupName: GroupName });

type Operation = (input: JsonObject) => JsonObject;

export function registerLogsOperations(
  routes: Routes,
  logs: FunctionLogs,
  options: LogsApiOptions = {},
): void {
  routes.addTarget(LOGS_TARGET_PREFIX, createLogsHandler(logs, options));
}

/** The handler behind X-Amz-Target Logs_20140328.*; params.Operation names the operation. */
export function createLogsHandler(logs: FunctionLogs, options: LogsApiOptions = {}): RouteHandler {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const groupArn = (name: string) => `arn:aws:logs:${region}:${accountId}:log-group:${name}`;

  function findGroup(name: string): LogGroupInfo {
    const group = logs.listGroups(name).find((g) => g.logGroupName === name);
    if (group === undefined) throw LogsErrors.resourceNotFound(GROUP_NOT_FOUND);
    return group;
  }

  const operations: Record<string, Operation> = {
    DescribeLogGroups(raw) {
      const input = decode(DescribeLogGroupsInput, raw);
      const pattern = input.logGroupNamePattern?.toLowerCase();
      const all = logs
        .listGroups(input.logGroupNamePrefix ?? '')
        .filter((g) => pattern === undefined || g.logGroupName.toLowerCase().includes(pattern));
      const { page, nextToken } = paginate(all, input.limit ?? 50, input.nextToken, 'groups');
      return {
        logGroups: page.map((g) => ({
          logGroupName: g.logGroupName,
          creationTime: g.creationTime,
          metricFilterCount: 0,
          arn: `${groupArn(g.logGroupName)}:*`,
          logGroupArn: groupArn(g.logGroupName),
          storedBytes: g.storedBytes,
          logGroupClass: 'STANDARD',
        })),
        ...(nextToken !== undefined && { nextToken }),
      };
    },

    DescribeLogStreams(raw) {
      const input = decode(DescribeLogStreamsInput, raw);
      const name = groupNameOf(input);
      findGroup(name);
      const orderBy = input.orderBy ?? 'LogStreamName';
      if (orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
        throw LogsErrors.invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
      }
      const streams = logs.listStreams(name, input.logStreamNamePrefix ?? '');
      if (orderBy === 'LastEventTime') streams.sort(byLastEventTime);
      if (input.descending === true) streams.reverse();
      const { page, nextToken } = paginate(streams, input.limit ?? 50, input.nextToken, 'streams');
      return {
        logStreams: page.map((s) => ({
          ...s,
          arn: `${groupArn(name)}:log-stream:${s.logStreamName}`,
        })),
        ...(nextToken !== undefined && { nextToken }),
      };
    },

    GetLogEvents(raw) {
      const input = decode(GetLogEventsInput, raw);
      const name = groupNameOf(input);
      findGroup(name);
      if (!logs.listStreams(name, input.logStreamName).some((s) => s.logStreamName === input.logStreamName)) {
        throw LogsErrors.resourceNotFound(STREAM_NOT_FOUND);
      }
      const position = parseStreamToken(input.nextToken, input.startFromHead === true);
      const limit = input.limit ?? 10_000;
      const found = logs.query({
        logGroupName: name,
        logStreamNames: [input.logStreamName],
        startTime: input.startTime,
        // GetLogEvents excludes events at endTime; the store's endTime is inclusive.
        endTime: input.endTime === undefined ? undefined : input.endTime - 1,
        limit,
        newestFirst: position.direction === 'backward',
        afterEventId: position.eventId === undefined ? undefined : String(position.eventId),
      });
      const page = withinPageSize(found);
      const events = position.direction === 'backward' ? page.reverse() : page;
      const first = events[0];
      const last = events[events.length - 1];
      // Empty pages keep the caller's position, so a client polling forward asks the same question again
      // (the SDK paginator stops when the forward token comes back unchanged, as CloudWatch documents).
      const forward = last !== undefined ? Number(last.eventId) : forwardPositionOf(position);
      const backward = first !== undefined ? Number(first.eventId) : backwardPositionOf(position);
      return {
        events: events.map((e) => ({
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
        })),
        nextForwardToken: streamToken('f', forward),
        nextBackwardToken: streamToken('b', backward),
      };
    },

    FilterLogEvents(raw) {
      const input = decode(FilterLogEventsInput, raw);
      const name = groupNameOf(input);
      findGroup(name);
      if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
        throw LogsErrors.invalidParameter('logStreamNames and logStreamNamePrefix are mutually exclusive');
      }
      const streamNames =
        input.logStreamNamePrefix !== undefined
          ? logs.listStreams(name, input.logStreamNamePrefix).map((s) => s.logStreamName)
          : input.logStreamNames;
      if (streamNames !== undefined && streamNames.length === 0)
        return { events: [], searchedLogStreams: [] };
      const limit = input.limit ?? 10_000;
      let found: StoredLogEvent[];
      try {
        found = logs.query({
          logGroupName: name,
          logStreamNames: streamNames,
          startTime: input.startTime,
          endTime: input.endTime,
          filterPattern: input.filterPattern,
          // One more than asked tells whether a next page exists: `aws logs tail --follow` asks again at
          // once whenever a nextToken comes back, so one must come back only when there is more.
          limit: limit + 1,
          afterEventId: parseFilterToken(input.nextToken),
        });
      } catch (err) {
        if (err instanceof UnsupportedFilterPatternError) throw LogsErrors.invalidParameter(err.message);
        throw err;
      }
      const page = withinPageSize(found.slice(0, limit));
      const more = page.length < found.length;
      const last = page[page.length - 1];
      return {
        events: page.map((e) => ({
          logStreamName: e.logStreamName,
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
          eventId: e.eventId,
        })),
        searchedLogStreams: [],
        ...(more && last !== undefined && { nextToken: filterToken(last.eventId) }),
      };
    },

    CreateLogGroup(raw) {
      const input = decode(GroupNameInput, raw);
      if (!logs.createGroup(input.logGroupName)) {
        throw LogsErrors.resourceAlreadyExists('The specified log group already exists');
      }
      return {};
    },

    DeleteLogGroup(raw) {
      const input = decode(GroupNameInput, raw);
      findGroup(input.logGroupName);
      logs.deleteGroup(input.logGroupName);
      return {};
    },
  };

  return (req: ApiRequest): ApiResponse => {
    const name = req.params.Operation ?? '';
    const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
    if (operation === undefined) {
      throw LogsErrors.unknownOperation(`The operation ${name} is not supported by this endpoint.`);
    }
    return { status: 200, headers: JSON_11, body: operation(parseBody(req.body)) };
  };
}

// SECURITY: the body is untrusted JSON; anything but an object is rejected before any operation runs.
function parseBody(body: Buffer): JsonObject {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw LogsErrors.serialization('Start of structure or map found where not expected.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw LogsErrors.serialization('Start of structure or map found where not expected.');
  }
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw LogsErrors.serialization(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  return parsed as JsonObject;
}

function decode<T>(schema: ZodType<T>, raw: JsonObject): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw LogsErrors.invalidParameter(
    validationMessage(
      result.error.issues.map((issue) => ({
        value: issue.path.reduce<unknown>(
          (v, k) =>
            v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined,
          raw,
        ),
        field: issue.path.join('.'),
        constraint: issue.message,
      })),
    ),
  );
}

/** logGroupIdentifier accepts a name or an ARN (arn:aws:logs:region:account:log-group:NAME[:*]). */
function groupNameOf(input: { logGroupName?: string; logGroupIdentifier?: string }): string {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw LogsErrors.invalidParameter('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  const id = input.logGroupName ?? input.logGroupIdentifier;
  if (id === undefined)
    throw LogsErrors.invalidParameter('Should provide either logGroupName or logGroupIdentifier.');
  const arn = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(id);
  return arn?.[1] ?? id;
}

function byLastEventTime(a: LogStreamInfo, b: LogStreamInfo): number {
  return (
    (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) ||
    a.logStreamName.localeCompare(b.logStreamName)
  );
}

/** Keeps events, in the order given, until CloudWatch's 1 MB page limit. Always keeps at least one. */
function withinPageSize(events: StoredLogEvent[]): StoredLogEvent[] {
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    bytes += Buffer.byteLength(events[i]!.message, 'utf8') + EVENT_OVERHEAD_BYTES;
    if (bytes > MAX_PAGE_BYTES && i > 0) return events.slice(0, i);
  }
  return events;
}

// Describe* pagination: an offset into the sorted listing, tagged with what it lists.
function paginate<T>(items: T[], limit: number, token: string | undefined, kind: string) {
  let offset = 0;
  if (token !== undefined) {
    const m = /^(\w+):(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (m === null || m[1] !== kind) throw LogsErrors.invalidParameter('The specified nextToken is invalid.');
    offset = Number(m[2]);
  }
  const page = items.slice(offset, offset + limit);
  const next = offset + page.length;
  return {
    page,
    nextToken: next < items.length ? Buffer.from(`${kind}:${next}`).toString('base64url') : undefined,
  };
}

// GetLogEvents tokens look like CloudWatch's: "f/" or "b/" and 56 digits. f/N reads events after N;
// b/N reads events before N.
interface StreamPosition {
  readonly direction: 'forward' | 'backward';
  /** Exclusive bound; undefined = from the start (forward) or from the end (backward). */
  readonly eventId?: number;
}

function parseStreamToken(token: string | undefined, startFromHead: boolean): StreamPosition {
  if (token === undefined) return { direction: startFromHead ? 'forward' : 'backward' };
  const m = /^([fb])\/(\d{1,56})$/.exec(token);
  if (m === null) throw LogsErrors.invalidParameter('The specified nextToken is invalid.');
  const eventId = Number(m[2]);
  if (!Number.isSafeInteger(eventId))
    throw LogsErrors.invalidParameter('The specified nextToken is invalid.');
  return { direction: m[1] === 'f' ? 'forward' : 'backward', eventId };
}

function forwardPositionOf(p: StreamPosition): number {
  if (p.eventId === undefined) return 0;
  return p.direction === 'forward' ? p.eventId : Math.max(0, p.eventId - 1);
}

function backwardPositionOf(p: StreamPosition): number {
  if (p.eventId === undefined) return p.direction === 'forward' ? 1 : 0;
  return p.direction === 'backward' ? p.eventId : p.eventId + 1;
}

function streamToken(direction: 'f' | 'b', eventId: number): string {
  return `${direction}/${String(eventId).padStart(56, '0')}`;
}

function filterToken(eventId: string): string {
  return Buffer.from(`after:${eventId}`).toString('base64url');
}

function parseFilterToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const m = /^after:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (m === null) throw LogsErrors.invalidParameter('The specified nextToken is invalid.');
  return m[1];
}
