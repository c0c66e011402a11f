// The namespace driver with real environments: what a function inside can and cannot see and do.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { detectCgroupHierarchy } from '../../src/sandbox/cgroups/index.js';
import { NamespaceDriver } from '../../src/sandbox/namespace/index.js';
import { runDriverContract } from './driver.contract.js';
import { type Harness, harness, namespaceUnavailable } from './namespace-harness.js';

const skip = await namespaceUnavailable();

if (skip) {
  describe('SandboxDriver contract: namespace', { skip }, () => undefined);
} else {
  runDriverContract('namespace', (scratchDir) => {
    const cgroups = detectCgroupHierarchy();
    if (!cgroups.ok) throw new Error(cgroups.reason);
    return new NamespaceDriver({ dataDir: scratchDir, hierarchy: cgroups.hierarchy });
  });
}

describe('namespace driver: the environment', { skip }, () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h?.close();
  });

  it('declares its layout and capabilities', () => {
    const layout = h.driver.layout({
      id: 'x',
      codeDir: '/c',
      runtimeDir: '/r',
      runtimeApi: { kind: 'unix', path: '/s' },
    });
    assert.deepEqual(layout, {
      taskRoot: '/var/task',
      optDir: '/opt',
      tmpDir: '/tmp',
      runtimeDir: '/var/runtime',
      runtimeApiAddress: '127.0.0.1:9001',
      runtimeApiSocket: '/run/kindling/runtime-api.sock',
    });
    assert.equal(h.driver.capabilities.runtimeApiTransport, 'unix');
    assert.equal(h.driver.tier, 'namespace');
  });

  it('runs node as the sandbox user with exactly its environment and reaches the Runtime API at 127.0.0.1:9001', async () => {
    const codeDir = h.code({
      'index.js': `
        const res = await fetch('http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime/invocation/next');
        const fs = await import('node:fs');
        console.log(JSON.stringify({
          body: await res.json(), uid: process.getuid(), gid: process.getgid(), env: process.env, cwd: process.cwd(),
          root: fs.readdirSync('/').sort(), pid: process.pid, hostname: (await import('node:os')).hostname(),
        }));`,
    });
    const spec = h.spec({
      codeDir,
      command: ['/usr/bin/node', '--input-type=module', '-e', 'await import("/var/task/index.js")'],
      env: { PATH: '/usr/bin:/bin', MY_VAR: 'x=y z', LAMBDA_TASK_ROOT: '/var/task' },
    });
    const env = await h.driver.start(spec);
    assert.ok(env.pid > 0);
    const exit = await env.exited;
    assert.deepEqual(exit, { code: 0, signal: null, outOfMemory: false }, spec.output());
    const seen = JSON.parse(spec.output().trim().split('\n').pop()!);
    assert.deepEqual(seen.body, { url: '/2018-06-01/runtime/invocation/next' });
    assert.equal(seen.uid, 993);
    assert.equal(seen.gid, 990);
    assert.deepEqual(seen.env, {
      PATH: '/usr/bin:/bin',
      MY_VAR: 'x=y z',
      LAMBDA_TASK_ROOT: '/var/task',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    });
    assert.equal(seen.cwd, '/var/task');
    const allowed = [
      'bin',
      'dev',
      'etc',
      'lib',
      'lib32',
      'lib64',
      'libx32',
      'opt',
      'proc',
      'run',
      'sbin',
      'tmp',
      'usr',
      'var',
    ];
    assert.deepEqual(
      seen.root.filter((d: string) => !allowed.includes(d)),
      [],
      `unexpected top-level entries: ${seen.root}`,
    );
    assert.ok(seen.pid < 10, `pid ${seen.pid} is from the environment's own pid namespace`);
    assert.equal(seen.hostname, 'localhost');
  });

  it('sees read-only code and layers (later layers win), a writable size-limited /tmp, and nothing of the host', async () => {
    const layer1 = h.code({ 'a.txt': 'one', 'shared/x.txt': 'from-1', 'only1.txt': '1' });
    const layer2 = h.code({ 'a.txt': 'two', 'shared/y.txt': 'from-2' });
    const codeDir = h.code({ bootstrap: '#!/bin/sh\necho boot\n' });
    const script = [
      'cat /opt/a.txt; echo',
      'ls /opt/shared | tr "\\n" ,; echo',
      'cat /opt/only1.txt; echo',
      'touch /var/task/x 2>/dev/null && echo task-writable || echo task-ro',
      'touch /opt/x 2>/dev/null && echo opt-writable || echo opt-ro',
      'touch /x 2>/dev/null && echo root-writable || echo root-ro',
      'touch /etc/x 2>/dev/null && echo etc-writable || echo etc-ro',
      'echo data > /tmp/f && echo tmp-ok',
      'head -c 20000000 /dev/zero > /tmp/big 2>/dev/null && echo tmp-unlimited || echo tmp-full',
      'test -e /etc/shadow && echo shadow || echo no-shadow',
      'test -e /etc/ssl/private && echo ssl-private || echo no-ssl-private',
      `test -e ${h.dataDir} && echo datadir || echo no-datadir`,
      `test -e ${h.socket} && echo host-socket || echo no-host-socket`,
      'test -e /root && echo root-dir || echo no-root-dir',
      'test -e /work && echo work || echo no-work',
      'grep -c . /proc/mounts',
      'ls /proc | grep -c "^[0-9]"',
      '/var/task/bootstrap',
    ].join('\n');
    const spec = h.spec({
      codeDir,
      layerDirs: [layer1, layer2],
      ephemeralStorageMb: 10,
      hostExecutables: [],
      command: ['/bin/sh', '-c', script],
    });
    const env = await h.driver.start(spec);
    const exit = await env.exited;
    assert.equal(exit.code, 0, spec.output());
    const lines = spec.output().trim().split('\n');
    assert.deepEqual(lines.slice(0, 16), [
      'two',
      'x.txt,y.txt,',
      '1',
      'task-ro',
      'opt-ro',
      'root-ro',
      'etc-ro',
      'tmp-ok',
      'tmp-full',
      'no-shadow',
      'no-ssl-private',
      'no-datadir',
      'no-host-socket',
      'no-root-dir',
      'no-work',
      lines[15]!,
    ]);
    assert.ok(Number(lines[16]) <= 4, `only the environment's own processes are visible: ${lines[16]}`);
    assert.equal(lines[17], 'boot');
  });

  it('runs the host python (a pyenv build) from its read-only prefix', async (t) => {
    let executable: string;
    try {
      executable = execFileSync('python3', ['-c', 'import sys;print(sys.executable)'], {
        encoding: 'utf8',
      }).trim();
    } catch {
      t.skip('no python3 on this host');
      return;
    }
    const codeDir = h.code({
      'app.py': 'import sys, os\nprint(sys.version_info[0], os.getuid(), sys.prefix)\n',
    });
    const spec = h.spec({
      codeDir,
      hostExecutables: [executable],
      command: [executable, '/var/task/app.py'],
    });
    const env = await h.driver.start(spec);
    assert.equal((await env.exited).code, 0, spec.output());
    assert.match(spec.output(), /^3 993 \//);
  });

  it('denies what a function never needs: ptrace, mount, unshare, new user namespaces, module loading, host signals', async () => {
    const script = [
      'unshare -U true 2>/dev/null && echo unshare-ok || echo unshare-denied',
      'unshare -r true 2>/dev/null && echo userns-ok || echo userns-denied',
      'mount -t tmpfs none /tmp 2>/dev/null && echo mount-ok || echo mount-denied',
      'kill -0 1 2>/dev/null && echo signal-init-ok || echo signal-init-denied',
      `kill -0 ${process.pid} 2>/dev/null && echo host-visible || echo host-invisible`,
      'cat /proc/1/environ >/dev/null 2>&1 && echo init-environ || echo init-environ-denied',
      'ping -c1 -W1 10.0.0.1 >/dev/null 2>&1 && echo net || echo no-net',
    ].join('\n');
    const codeDir = h.code({
      'probe.js': `
        const { execFileSync } = require('node:child_process');
        const fs = require('node:fs');
        let ptrace = 'ptrace-denied';
        try { execFileSync('strace', ['-f', 'true'], { stdio: 'ignore' }); ptrace = 'ptrace-ok'; } catch {}
        let net = 'egress-denied';
        const s = require('node:net').connect(80, '1.1.1.1');
        s.on('connect', () => { net = 'egress-ok'; });
        s.on('error', () => {});
        setTimeout(() => { s.destroy(); console.log(ptrace); console.log(net); }, 200);`,
    });
    const spec = h.spec({
      codeDir,
      command: ['/bin/sh', '-c', `${script}\n/usr/bin/node /var/task/probe.js`],
    });
    const env = await h.driver.start(spec);
    assert.equal((await env.exited).code, 0, spec.output());
    assert.deepEqual(spec.output().trim().split('\n'), [
      'unshare-denied',
      'userns-denied',
      'mount-denied',
      'signal-init-denied',
      'host-invisible',
      'init-environ-denied',
      'no-net',
      'ptrace-denied',
      'egress-denied',
    ]);
  });

  it('reports how the runtime ended: exit code, signal', async () => {
    const a = h.spec({ command: ['/bin/sh', '-c', 'exit 7'], hostExecutables: [] });
    assert.deepEqual(await (await h.driver.start(a)).exited, { code: 7, signal: null, outOfMemory: false });
    const b = h.spec({ command: ['/bin/sh', '-c', 'kill -TERM $$'], hostExecutables: [] });
    assert.deepEqual(await (await h.driver.start(b)).exited, {
      code: null,
      signal: 'SIGTERM',
      outOfMemory: false,
    });
    const c = h.spec({ command: ['/var/task/missing'], hostExecutables: [] });
    const exitC = await (await h.driver.start(c)).exited;
    assert.equal(exitC.code, 127);
    assert.match(c.output(), /cannot execute \/var\/task\/missing/);
  });

  it('refuses ids that are not safe names and environment variables that cannot be encoded', async () => {
    await assert.rejects(h.driver.start(h.spec({ id: '../x', command: ['/bin/true'] })), /invalid/);
    await assert.rejects(
      h.driver.start(h.spec({ command: ['/bin/true'], env: { 'A=B': 'x' } })),
      /invalid environment/,
    );
  });

  it('denies the syscalls its seccomp filter lists, even those an unprivileged user may normally make', async (t) => {
    let executable: string;
    try {
      executable = execFileSync('python3', ['-c', 'import sys;print(sys.executable)'], {
        encoding: 'utf8',
      }).trim();
    } catch {
      t.skip('no python3 on this host');
      return;
    }
    // Each call succeeds for an ordinary unprivileged process on this kernel; only the filter turns it to EPERM.
    const codeDir = h.code({
      'calls.py': [
        'import ctypes, os, errno',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'def call(name, *args):',
        '    r = libc.syscall(*args)',
        '    e = ctypes.get_errno()',
        '    print(name, "ok" if r >= 0 else errno.errorcode.get(e, e))',
        'call("ptrace", 101, 0, 0, 0, 0)', // ptrace(PTRACE_TRACEME)
        'call("unshare-user", 272, 0x10000000)', // unshare(CLONE_NEWUSER)
        'call("keyctl", 250, 0, -3, 0)', // keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING)
        'call("io_uring_setup", 425, 1, ctypes.create_string_buffer(120))',
        'call("clone-newuser", 56, 0x10000000 | 17, 0, 0, 0, 0)', // clone(CLONE_NEWUSER|SIGCHLD)
        'call("getpid", 39)',
      ].join('\n'),
    });
    const spec = h.spec({
      codeDir,
      hostExecutables: [executable],
      command: [executable, '/var/task/calls.py'],
    });
    const env = await h.driver.start(spec);
    assert.equal((await env.exited).code, 0, spec.output());
    assert.deepEqual(spec.output().trim().split('\n'), [
      'ptrace EPERM',
      'unshare-user EPERM',
      'keyctl EPERM',
      'io_uring_setup EPERM',
      'clone-newuser EPERM',
      'getpid ok',
    ]);
  });
});
