// SPDX-License-Identifier: MIT
// Kernel tests run only inside the private network namespace test/run.js creates. The check does
// not trust the environment variable alone: the namespace must also differ from init's.

import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

function inPrivateNetns(): boolean {
  try {
    return readlinkSync('/proc/self/ns/net') !== readlinkSync('/proc/1/ns/net');
  } catch {
    // /proc/1 unreadable (user namespace): the sandbox runner is what put us here.
    return true;
  }
}

export const sandboxed = process.env.VNETKIT_SANDBOX === '1' && inPrivateNetns();

if (!sandboxed && process.env.VNETKIT_SANDBOX !== undefined) {
  throw new Error('VNETKIT_SANDBOX is set but this process shares the host network namespace; refusing to run');
}

/** `describe` inside the sandbox; a skip with the reason elsewhere. */
export const describeKernel: jest.Describe = sandboxed
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} (needs the sandbox: run \`npm test\`)`, fn)) as unknown as jest.Describe);

/** Runs `ip` (iproute2, the independent oracle) and parses its JSON output. */
export function ipJson<T = unknown>(...args: string[]): T {
  return JSON.parse(execFileSync('ip', ['-json', ...args], { encoding: 'utf8' }) || 'null') as T;
}

/** Runs `ip` for its side effect. */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

let counter = 0;
/** A unique interface name (<= 15 bytes) for one test. */
export function uniqueName(prefix = 'vk'): string {
  counter++;
  return `${prefix}${process.pid % 10000}x${counter}`.slice(0, 15);
}
