// A schedule as EventBridge Scheduler defines it (the subset Kindling runs), typed once at the edge.

import { z } from 'zod';

export const DEFAULT_GROUP = 'default';

// SECURITY: schedule definitions come from API callers; every field is bounded here.
export const ScheduleDefinitionSchema = z.object({
  ScheduleExpression: z.string().min(1).max(256),
  ScheduleExpressionTimezone: z.string().min(1).max(50).optional(),
  State: z.enum(['ENABLED', 'DISABLED']).optional(),
  Description: z.string().max(512).optional(),
  StartDate: z.number().optional(),
  EndDate: z.number().optional(),
  ActionAfterCompletion: z.enum(['NONE', 'DELETE']).optional(),
  KmsKeyArn: z.string().max(2048).optional(),
  FlexibleTimeWindow: z.object({
    Mode: z.enum(['OFF', 'FLEXIBLE']),
    MaximumWindowInMinutes: z.number().int().min(1).max(1440).optional(),
  }),
  Target: z
    .object({
      Arn: z.string().min(1).max(1600),
      RoleArn: z.string().min(1).max(1600),
      Input: z.string().max(262144).optional(),
      RetryPolicy: z
        .object({
          MaximumEventAgeInSeconds: z.number().int().min(60).max(86400).optional(),
          MaximumRetryAttempts: z.number().int().min(0).max(185).optional(),
        })
        .optional(),
      DeadLetterConfig: z.object({ Arn: z.string().max(1600).optional() }).optional(),
    })
    .passthrough(),
});

export type ScheduleDefinition = z.infer<typeof ScheduleDefinitionSchema>;

export interface Schedule {
  readonly groupName: string;
  readonly name: string;
  readonly arn: string;
  readonly definition: ScheduleDefinition;
  /** Epoch ms (schedule time). */
  readonly creationDate: number;
  readonly lastModificationDate: number;
  readonly nextFireAt?: number;
  readonly lastFiredAt?: number;
}
