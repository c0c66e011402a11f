// docs/errors.md is the closed catalogue of Kindling's errors; this holds it to the code in both directions
// (as Fastify tests its error list against its docs): every error the code can produce has its row, and
// every row names an error the code produces, with the same status.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { asServiceError } from '../../src/api/error-encoding.js';
import { LogsErrors } from '../../src/api/operations/logs.js';
import { Errors, type LambdaServiceError } from '../../src/errors.js';
import { QueueErrors, queryErrorCode } from '../../src/queues/index.js';
import { MAX_RESPONSE_BYTES } from '../../src/runtime-api/index.js';
import * as nodeRuntimeErrors from '../../src/runtimes/nodejs/errors.js';
import { timeoutMessage } from '../../src/telemetry/report-lines.js';
import { ScheduleErrors } from '../../src/triggers/schedules/index.js';
import { responseTooLargeDocument } from '../../src/worker/outcome.js';
import { repoRoot } from '../helpers/server.js';
import { code, readDoc, section, tableRows } from './markdown.js';

const doc = readDoc('errors.md');

type Factories = Readonly<Record<string, (message: string) => LambdaServiceError>>;

/** `factory Name status` for every factory of a catalogue, as the code builds them. */
function fromCode(factories: Factories, withQueryCode = false): string[] {
  return Object.entries(factories)
    .map(([factory, make]) => {
      const e = make('m');
      return [factory, e.code, e.status, ...(withQueryCode ? [queryErrorCode(e.code)] : [])].join(' ');
    })
    .sort();
}

/** The same, as the page's table under the heading naming the catalogue lists them. */
function fromDoc(heading: string, withQueryCode = false): string[] {
  return tableRows(section(doc, heading))
    .map((cells) => {
      const [name, status] = cells;
      // Columns: Name | HTTP | [Query code |] Factory | Returned when
      const factory = withQueryCode ? cells[3] : cells[2];
      return [code(factory), code(name), status, ...(withQueryCode ? [code(cells[2])] : [])].join(' ');
    })
    .sort();
}

function sources(dir: string, pattern: RegExp): { path: string; text: string }[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((p) => pattern.test(p))
    .map((p) => ({ path: `${dir}/${p}`, text: readFileSync(join(repoRoot, dir, p), 'utf8') }));
}

const src = sources('src', /\.(ts|py)$/);

describe('docs/errors.md: service errors', () => {
  const catalogues: [string, Factories, boolean][] = [
    ['`Errors`', Errors, false],
    ['`LogsErrors`', LogsErrors, false],
    ['`QueueErrors`', QueueErrors, true],
    ['`ScheduleErrors`', ScheduleErrors, false],
  ];
  for (const [heading, factories, withQueryCode] of catalogues) {
    it(`the ${heading} table lists exactly the factories in code, with their names and statuses`, () => {
      assert.deepEqual(fromDoc(heading, withQueryCode), fromCode(factories, withQueryCode));
    });
  }

  it('every LambdaServiceError built by name in src/ is in a service-error table', () => {
    const documented = new Set(tableRows(section(doc, '1. Service errors')).map((cells) => code(cells[0])));
    const built = src.flatMap(({ path, text }) =>
      [...text.matchAll(/new LambdaServiceError\(\s*'([A-Za-z]+)'/g)].map((m) => `${m[1]} (${path})`),
    );
    assert.ok(built.length > 0, 'found the errors built by name');
    assert.deepEqual(
      built.filter((b) => !documented.has(b.split(' ')[0] as string)),
      [],
    );
  });

  it('an internal fault reaches the caller as the documented ServiceException', () => {
    const { error, internal } = asServiceError(new Error('disk on fire'));
    assert.equal(internal, true);
    assert.equal(error.code, 'ServiceException');
    assert.ok(doc.includes(`\`${error.message}\``), `the page quotes "${error.message}"`);
    // A ServiceException wrapping a fault is logged too; an error the caller caused is not.
    const wrapped = Errors.service('An internal error occurred while running the invocation.', {
      cause: new Error('spawn failed'),
    });
    assert.equal(asServiceError(wrapped).internal, true);
    assert.equal(asServiceError(Errors.service('The worker is shutting down.')).internal, false);
    assert.equal(asServiceError(Errors.resourceNotFound('Function not found: x')).internal, false);
  });
});

/** Lambda's function-error names: Runtime.X, Sandbox.X, Function.X, Extension.X with X a capitalised word. */
const FUNCTION_ERROR_NAME = /\b(?:Runtime|Sandbox|Function|Extension)\.[A-Z][a-z][A-Za-z]*\b/g;

describe('docs/errors.md: function errors', () => {
  const functionSection = section(doc, '2. Function errors');

  it('names exactly the Runtime.*, Sandbox.*, Function.* and Extension.* errors the code emits', () => {
    const inCode = new Set(src.flatMap(({ text }) => text.match(FUNCTION_ERROR_NAME) ?? []));
    // The Node.js runtime names its errors from their classes: Runtime.<ClassName>.
    for (const value of Object.values(nodeRuntimeErrors)) {
      if (typeof value === 'function' && value.prototype instanceof Error) {
        const name = (value.prototype as Error).name;
        if (name.startsWith('Runtime.')) inCode.add(name);
      }
    }
    const inDoc = new Set(functionSection.match(FUNCTION_ERROR_NAME) ?? []);
    assert.ok(inCode.has('Runtime.ImportModuleError') && inCode.has('Sandbox.Timedout'));
    assert.deepEqual([...inCode].filter((n) => !inDoc.has(n)).sort(), [], 'emitted but not documented');
    assert.deepEqual([...inDoc].filter((n) => !inCode.has(n)).sort(), [], 'documented but never emitted');
  });

  it('the Runtime API answers are documented with their statuses', () => {
    // The full router (server.ts) and the lean reader for an invocation's requests (runtime-connection.ts).
    const runtimeApi = ['server.ts', 'runtime-connection.ts']
      .map((file) => readFileSync(join(repoRoot, 'src/runtime-api', file), 'utf8'))
      .join('\n');
    const answers = [...runtimeApi.matchAll(/renderError\(\s*[^,]+,\s*(\d{3}),\s*'([^']+)'/g)].map(
      (m) => `${m[2]} ${m[1]}`,
    );
    assert.ok(answers.length >= 5, 'found the Runtime API error answers');
    const table = tableRows(section(doc, 'Runtime API and Extensions API answers')).map(
      (cells) => `${code(cells[0])} ${cells[1]}`,
    );
    const documentedNames = new Set(functionSection.match(/`[A-Za-z.]+`/g)?.map((c) => code(c)));
    for (const answer of answers) {
      const [name] = answer.split(' ') as [string];
      assert.ok(documentedNames.has(name), `${name} is documented`);
      if (table.some((row) => row.startsWith(`${name} `))) assert.ok(table.includes(answer), answer);
    }
  });

  it('quotes the messages Kindling writes itself exactly', () => {
    assert.ok(doc.includes(responseTooLargeDocument(MAX_RESPONSE_BYTES).toString()));
    assert.equal(timeoutMessage(3), 'Task timed out after 3.00 seconds');
    assert.ok(doc.includes('Task timed out after <N.NN> seconds'));
  });
});
