// Finds and loads the function's handler from `_HANDLER` ("path/to/file.export.nested") under
// LAMBDA_TASK_ROOT, with the resolution order of AWS's Node.js runtime:
//   file as named → file.js as CommonJS (unless package.json says "type": "module") → file.js as ES module
//   → file.mjs → file.cjs → Node's own resolution from the task root (node_modules, NODE_PATH).
// Failures carry Lambda's error names (errors.ts); the caller reports them to /runtime/init/error.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  MalformedStreamingHandler,
  UserCodeSyntaxError,
} from './errors.js';

export type Handler = (event: unknown, context: unknown, callback?: unknown) => unknown;

/** `awslambda.streamifyResponse` marks handlers with these symbols (shared with AWS's runtime). */
export const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
export const STREAM_RESPONSE = 'response';

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;
const RELATIVE_PATH_SUBSTRING = '..';

// require() for the user's CommonJS code; resolution of bare names also honours NODE_PATH (layers).
const userRequire = createRequire(__filename);

/** Loads `handlerString` relative to `taskRoot` and returns the handler function. */
export async function loadHandler(taskRoot: string, handlerString: string): Promise<Handler> {
  // SECURITY: _HANDLER is user configuration; ".." would let it load code outside the task root.
  if (handlerString.includes(RELATIVE_PATH_SUBSTRING)) {
    throw new MalformedHandlerName(
      `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerPart = basename(handlerString);
  const moduleRoot = handlerString.substring(0, handlerString.indexOf(handlerPart));
  const match = handlerPart.match(FUNCTION_EXPR);
  if (!match || match.length !== 3) throw new MalformedHandlerName('Bad handler');
  const moduleName = match[1] as string;
  const exportPath = match[2] as string;

  const userModule = await loadUserModule(taskRoot, moduleRoot, moduleName);
  const handler = exportPath
    .split('.')
    .reduce<unknown>(
      (nested, key) => (nested ? (nested as Record<string, unknown>)[key] : undefined),
      userModule,
    );
  if (!handler) throw new HandlerNotFound(`${handlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${handlerString} is not a function`);
  return handler as Handler;
}

async function loadUserModule(taskRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> {
  try {
    return await resolveAndLoad(taskRoot, moduleRoot, moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) throw new UserCodeSyntaxError(error);
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') throw new ImportModuleError(error);
    throw error;
  }
}

async function resolveAndLoad(taskRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> {
  const lambdaStylePath = resolve(taskRoot, moduleRoot, moduleName);

  const asNamed = tryRequire(lambdaStylePath);
  if (asNamed) return asNamed;

  const typeModule = isTypeModule(lambdaStylePath);
  if (!typeModule) {
    const asCommonJs = tryRequire(`${lambdaStylePath}.js`);
    if (asCommonJs) return asCommonJs;
  }
  const loaded =
    (typeModule && (await tryImport(`${lambdaStylePath}.js`))) ||
    (await tryImport(`${lambdaStylePath}.mjs`)) ||
    tryRequire(`${lambdaStylePath}.cjs`);
  if (loaded) return loaded;

  // Last: Node's resolution, so "index.handler" also finds node_modules/index or a NODE_PATH entry.
  return userRequire(userRequire.resolve(moduleName, { paths: [taskRoot, moduleRoot] }));
}

function tryRequire(path: string): unknown {
  return existsSync(path) ? userRequire(path) : undefined;
}

async function tryImport(path: string): Promise<unknown> {
  // The runtime itself is CommonJS, so Node's ES module loader is only loaded for a handler that needs it.
  return existsSync(path) ? await import(pathToFileURL(path).href) : undefined;
}

/** Whether `<path>.js` is an ES module by the nearest package.json's "type" field. */
function isTypeModule(pathWithoutExtension: string): boolean {
  const jsPath = `${pathWithoutExtension}.js`;
  return existsSync(jsPath) ? folderIsTypeModule(dirname(jsPath)) : false;
}

function folderIsTypeModule(folder: string): boolean {
  // Node stops looking for package.json at a node_modules boundary.
  if (folder.endsWith('/node_modules')) return false;
  const packageJson = join(folder, 'package.json');
  if (existsSync(packageJson)) {
    try {
      const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { type?: unknown } | null;
      if (pkg) return pkg.type === 'module';
    } catch (error) {
      console.warn(
        `${packageJson} cannot be read, it will be ignored for ES module detection purposes.`,
        error,
      );
      return false;
    }
  }
  const parent = resolve(folder, '..');
  return parent === folder ? false : folderIsTypeModule(parent);
}

/** Whether the handler was wrapped with `awslambda.streamifyResponse` (its response is streamed). */
export function isStreamingHandler(handler: Handler): boolean {
  const marked = handler as unknown as Record<symbol, unknown>;
  const mode = marked[HANDLER_STREAMING];
  if (mode !== undefined && mode !== null && mode !== false && mode !== STREAM_RESPONSE) {
    throw new MalformedStreamingHandler('Only response streaming is supported.');
  }
  return mode === STREAM_RESPONSE;
}
