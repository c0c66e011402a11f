// The EventBridge Scheduler API subset (rest-json, signing name "scheduler") that `aws scheduler` and
// @aws-sdk/client-scheduler use: POST/GET/PUT/DELETE /schedules/{Name} and GET /schedules. Timestamps are
// epoch seconds, as rest-json writes them. Only the default schedule group exists.

import { z } from 'zod';
import { nestsDeeperThan } from '../../json-depth.js';
import {
  type Schedule,
  ScheduleDefinitionSchema,
  ScheduleErrors,
  type Schedules,
} from '../../triggers/schedules/index.js';
import type { ApiRequest, Routes } from '../http.js';
import { MAX_JSON_DEPTH } from './json-depth.js';

export interface SchedulerApiDeps {
  readonly schedules: Schedules;
}

const CreateBody = ScheduleDefinitionSchema.extend({
  GroupName: z.string().min(1).max(64).optional(),
  ClientToken: z.string().max(64).optional(),
});

export function registerSchedulerOperations(routes: Routes, { schedules }: SchedulerApiDeps): void {
  routes.add('POST', '/schedules/{Name}', (req) => {
    const { GroupName, ClientToken: _token, ...definition } = parse(req);
    const s = schedules.create(req.params.Name ?? '', GroupName, definition);
    return { status: 200, body: { ScheduleArn: s.arn } };
  });
  routes.add('PUT', '/schedules/{Name}', (req) => {
    const { GroupName, ClientToken: _token, ...definition } = parse(req);
    const s = schedules.update(req.params.Name ?? '', GroupName, definition);
    return { status: 200, body: { ScheduleArn: s.arn } };
  });
  routes.add('GET', '/schedules/{Name}', (req) => {
    const s = schedules.get(req.params.Name ?? '', req.query.get('groupName') ?? undefined);
    return { status: 200, body: encode(s) };
  });
  routes.add('DELETE', '/schedules/{Name}', (req) => {
    schedules.delete(req.params.Name ?? '', req.query.get('groupName') ?? undefined);
    return { status: 200, body: {} };
  });
  routes.add('GET', '/schedules', (req) => {
    const state = req.query.get('State');
    if (state !== null && state !== 'ENABLED' && state !== 'DISABLED') {
      throw ScheduleErrors.validation(`Invalid State ${state}.`);
    }
    const maxResults = req.query.get('MaxResults');
    // SECURITY: query parameters are untrusted; MaxResults is 1–100 and NextToken one this server issued.
    if (
      maxResults !== null &&
      !(/^\d{1,3}$/.test(maxResults) && Number(maxResults) >= 1 && Number(maxResults) <= 100)
    ) {
      throw ScheduleErrors.validation(
        `1 validation error detected: Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`,
      );
    }
    const nextToken = req.query.get('NextToken');
    if (nextToken !== null && !/^\d{1,9}$/.test(nextToken)) {
      throw ScheduleErrors.validation('Invalid NextToken.');
    }
    const page = schedules.list({
      ...(req.query.get('ScheduleGroup') !== null
        ? { groupName: req.query.get('ScheduleGroup') ?? undefined }
        : {}),
      ...(req.query.get('NamePrefix') !== null
        ? { namePrefix: req.query.get('NamePrefix') ?? undefined }
        : {}),
      ...(state !== null ? { state } : {}),
      ...(maxResults !== null ? { maxResults: Number(maxResults) } : {}),
      ...(nextToken !== null ? { nextToken } : {}),
    });
    return {
      status: 200,
      body: {
        Schedules: page.schedules.map((s) => ({
          Arn: s.arn,
          Name: s.name,
          GroupName: s.groupName,
          State: s.definition.State ?? 'ENABLED',
          CreationDate: s.creationDate / 1000,
          LastModificationDate: s.lastModificationDate / 1000,
          Target: { Arn: s.definition.Target.Arn },
        })),
        ...(page.nextToken !== undefined ? { NextToken: page.nextToken } : {}),
      },
    };
  });
}

function parse(req: ApiRequest): z.infer<typeof CreateBody> {
  let json: unknown;
  try {
    json = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
  } catch {
    throw ScheduleErrors.validation('The request body is not valid JSON.');
  }
  // The definition is stored as JSON (Target keeps members this server does not interpret): bound it first.
  if (nestsDeeperThan(json, MAX_JSON_DEPTH)) {
    throw ScheduleErrors.validation(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  // SECURITY: the definition is untrusted; the schema bounds every field before it is stored.
  const parsed = CreateBody.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw ScheduleErrors.validation(
      `1 validation error detected: Value at '${issue?.path.join('.') ?? 'body'}' failed to satisfy constraint: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

function encode(s: Schedule): Record<string, unknown> {
  const d = s.definition;
  return {
    Arn: s.arn,
    Name: s.name,
    GroupName: s.groupName,
    ScheduleExpression: d.ScheduleExpression,
    ScheduleExpressionTimezone: d.ScheduleExpressionTimezone ?? 'UTC',
    State: d.State ?? 'ENABLED',
    ...(d.Description !== undefined ? { Description: d.Description } : {}),
    ...(d.StartDate !== undefined ? { StartDate: d.StartDate } : {}),
    ...(d.EndDate !== undefined ? { EndDate: d.EndDate } : {}),
    ...(d.KmsKeyArn !== undefined ? { KmsKeyArn: d.KmsKeyArn } : {}),
    ActionAfterCompletion: d.ActionAfterCompletion ?? 'NONE',
    FlexibleTimeWindow: d.FlexibleTimeWindow,
    Target: d.Target,
    CreationDate: s.creationDate / 1000,
    LastModificationDate: s.lastModificationDate / 1000,
  };
}
