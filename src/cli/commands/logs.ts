// `kindling logs NAME`: the function's log lines through the CloudWatch Logs API (FilterLogEvents), like
// `aws logs tail`. Following polls; a window of recent timestamps is asked for again on every poll and
// de-duplicated by eventId, so lines that arrive a little out of timestamp order are not lost.

import {
  type CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandOutput,
  type FilteredLogEvent,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { parseSince } from '../since.js';

interface LogsFlags {
  follow?: boolean;
  since: string;
  filter?: string;
}

const POLL_MS = 1000;
/** How far behind the newest line seen a poll looks again for lines ingested late. */
const LATE_WINDOW_MS = 5000;

export function registerLogs(program: Command, connection: () => Connection): void {
  program
    .command('logs')
    .description("print a function's log lines")
    .argument('<name>', 'function name')
    .option('-f, --follow', 'keep printing new lines as they arrive')
    .option('--since <time>', 'start from this long ago (30s, 10m, 2h, 1d) or an ISO 8601 time', '10m')
    .option('--filter <pattern>', 'CloudWatch filter pattern (terms, "phrases", ?any, -not)')
    .action(async (name: string, flags: LogsFlags) => {
      const conn = connection();
      // The function's own LoggingConfig says where its logs go (default /aws/lambda/NAME).
      const config = await conn.lambda().send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      const group = config.LoggingConfig?.LogGroup ?? `/aws/lambda/${config.FunctionName ?? name}`;
      const seen = new Map<string, number>();
      let startTime = parseSince(flags.since);
      for (;;) {
        let newest = startTime;
        for await (const event of readEvents(conn.logs(), group, startTime, flags.filter)) {
          const id = event.eventId ?? '';
          if (seen.has(id)) continue;
          seen.set(id, event.timestamp ?? 0);
          newest = Math.max(newest, event.timestamp ?? 0);
          process.stdout.write(`${(event.message ?? '').replace(/\n$/, '')}\n`);
        }
        if (flags.follow !== true) return;
        startTime = Math.max(startTime, newest - LATE_WINDOW_MS);
        for (const [id, ts] of seen) if (ts < startTime) seen.delete(id);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    });
}

async function* readEvents(
  logs: CloudWatchLogsClient,
  group: string,
  startTime: number,
  filterPattern: string | undefined,
): AsyncGenerator<FilteredLogEvent> {
  let nextToken: string | undefined;
  do {
    let page: FilterLogEventsCommandOutput;
    try {
      page = await logs.send(
        new FilterLogEventsCommand({
          logGroupName: group,
          startTime,
          ...(filterPattern !== undefined && { filterPattern }),
          ...(nextToken !== undefined && { nextToken }),
        }),
      );
    } catch (err) {
      // The function exists (checked above) but has not run yet: its group appears with its first line.
      if (err instanceof ResourceNotFoundException) return;
      throw err;
    }
    yield* page.events ?? [];
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
}
