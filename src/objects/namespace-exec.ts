// SPDX-License-Identifier: MIT
// Running programs inside a namespace with `ip netns exec` semantics, through the small
// vnetkit-nsexec helper built with the addon (Node itself must never fork or switch namespace).

import { ChildProcess, spawn, SpawnOptions, StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Namespace } from './namespace';

let helperPath: string | undefined;

/** The helper lives next to the loaded addon (build/Release or prebuilds/<platform>-<arch>). */
function helper(): string {
  if (!helperPath) {
    const root = join(__dirname, '..', '..');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = (require('node-gyp-build') as { resolve(dir: string): string }).resolve(root);
    const candidates = [join(dirname(addon), 'vnetkit-nsexec'), join(root, 'build', 'Release', 'vnetkit-nsexec')];
    helperPath = candidates.find((p) => existsSync(p));
    if (!helperPath) throw new Error(`vnetkit-nsexec helper not found (looked in ${candidates.join(', ')}); rebuild with \`npx node-gyp rebuild\``);
  }
  return helperPath;
}

/** stdio with the namespace fd appended as the child's fd 3 (where the helper expects it). */
function withNamespaceFd(stdio: StdioOptions | undefined, fd: number): StdioOptions {
  const base = stdio === undefined ? 'pipe' : stdio;
  const three = typeof base === 'string' ? [base, base, base] : [...base.slice(0, 3)];
  while (three.length < 3) three.push('pipe');
  if (typeof base !== 'string' && base.length > 4) {
    throw new TypeError('Namespace.spawn: stdio[3] is taken by the namespace fd; pass at most 3 stdio entries');
  }
  return [...three, fd] as StdioOptions;
}

export function spawnIn(ns: Namespace, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const fd = ns.assertOpen();
  const helperArgs = ns.name !== undefined ? ['--name', ns.name, '--', command, ...args] : ['--', command, ...args];
  return spawn(helper(), helperArgs, { ...options, stdio: withNamespaceFd(options.stdio, fd) });
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function execIn(ns: Namespace, command: string, args: readonly string[], options: SpawnOptions & { input?: string | Buffer } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const { input, ...rest } = options;
    const child = spawnIn(ns, command, args, { ...rest, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code, signal }),
    );
    child.stdin!.end(input);
  });
}

declare module './namespace' {
  interface Namespace {
    /**
     * Runs a program inside this namespace, with a fresh mount namespace, /sys remounted to show this
     * namespace's devices and, for a named namespace, /etc/netns/NAME/* bind-mounted over /etc/*.
     * Returns a real ChildProcess (stdio, exit code, signals).
     *
     * Equivalent to: `ip netns exec NAME COMMAND ARGS...`
     */
    spawn(command: string, args?: readonly string[], options?: SpawnOptions): ChildProcess;
    /**
     * Like spawn(), collecting the output: resolves with `{ stdout, stderr, code, signal }`.
     *
     * Equivalent to: `ip netns exec NAME COMMAND ARGS...`
     */
    exec(command: string, args?: readonly string[], options?: SpawnOptions & { input?: string | Buffer }): Promise<ExecResult>;
  }
}

// Methods of Namespace, added here (declaration merging) so namespace.ts keeps to the namespace itself.
Namespace.prototype.spawn = function (this: Namespace, command: string, args: readonly string[] = [], options?: SpawnOptions) {
  return spawnIn(this, command, args, options);
};
Namespace.prototype.exec = function (this: Namespace, command: string, args: readonly string[] = [], options?: SpawnOptions & { input?: string | Buffer }) {
  return execIn(this, command, args, options);
};
