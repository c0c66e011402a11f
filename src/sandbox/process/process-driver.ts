// The `process` sandbox tier: each execution environment is a child process on the host, in its own
// process group, with exactly the environment the worker built, its code directory as working directory,
// its layers merged into a per-environment /opt and a /tmp of its own. No isolation; never a silent
// fallback in production (DESIGN §4).

import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestLayout, Sandbox, SandboxCapabilities, SandboxDriver, SandboxSpec } from '../driver.js';
import { LayerMerger } from './layer-merge.js';
import { ProcessSandbox } from './process-sandbox.js';
import { makeReadOnly } from './read-only-code.js';

export interface ProcessDriverOptions {
  /** Directory the driver owns for environments' scratch space and merged layers (e.g. DATA_DIR/sandbox/process). */
  readonly scratchDir: string;
}

export class ProcessDriver implements SandboxDriver {
  readonly tier = 'process' as const;
  readonly capabilities: SandboxCapabilities = {
    freeze: true,
    memoryLimit: false,
    cpuLimit: false,
    pidsLimit: false,
    filesystemIsolation: false,
    networkIsolation: false,
    runtimeApiTransport: 'tcp',
  };
  private readonly envsDir: string;
  private readonly layers: LayerMerger;

  constructor(options: ProcessDriverOptions) {
    this.envsDir = join(options.scratchDir, 'envs');
    this.layers = new LayerMerger(join(options.scratchDir, 'layers'));
  }

  layout(spec: Pick<SandboxSpec, 'id' | 'codeDir' | 'runtimeDir' | 'runtimeApi'>): GuestLayout {
    const api = spec.runtimeApi;
    if (api.kind !== 'tcp') throw new Error('the process sandbox reaches its Runtime API over TCP only');
    // SECURITY: the id names a directory under the driver's scratch dir; it must not climb out of it.
    if (!/^[a-z0-9-]+$/.test(spec.id)) throw new Error(`invalid environment id: ${spec.id}`);
    const dir = join(this.envsDir, spec.id);
    return {
      taskRoot: spec.codeDir,
      optDir: join(dir, 'opt'),
      tmpDir: join(dir, 'tmp'),
      runtimeDir: spec.runtimeDir,
      runtimeApiAddress: `${api.host}:${api.port}`,
    };
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    const layout = this.layout(spec);
    const dir = join(this.envsDir, spec.id);
    const [opt] = await Promise.all([
      this.layers.mergedDir(spec.layerDirs),
      mkdir(layout.tmpDir, { recursive: true }),
      makeReadOnly(spec.codeDir),
    ]);
    await symlink(opt, layout.optDir, 'dir');
    return new ProcessSandbox(spec, dir);
  }

  async cleanupStale(): Promise<void> {
    await rm(this.envsDir, { recursive: true, force: true });
    await rm(join(this.envsDir, '..', 'layers'), { recursive: true, force: true });
    this.layers.forget();
    await mkdir(this.envsDir, { recursive: true });
  }
}
