#!/usr/bin/env node
// `npm test`: runs every suite inside a private network + mount namespace created here, so no test
// can touch this machine's own network. As root: `unshare --net --mount`. As a normal user: a user
// namespace (`unshare --user --map-root-user --net --mount`) when the kernel allows it; otherwise
// only the unit suite runs and the kernel suite is reported as skipped, with the reason.
//
// Inside the sandbox: a private tmpfs on /run/netns (named namespaces stay invisible to the host),
// a fresh sysfs for this namespace, and `lo` up. The last line printed is "N passed, N failed".
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const jestBin = require.resolve('jest/bin/jest');
const resultFile = path.join(require('node:os').tmpdir(), `vnetkit-jest-${process.pid}.json`);
const extraArgs = process.argv.slice(2);

function canRun(args) {
  return spawnSync('unshare', [...args, '--', 'true'], { stdio: 'ignore' }).status === 0;
}

function summarize(status) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  try {
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    passed = r.numPassedTests;
    failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    skipped = r.numPendingTests + r.numTodoTests;
    fs.unlinkSync(resultFile);
  } catch {
    failed = Math.max(failed, 1);
    console.error('test/run.js: jest wrote no results (it crashed or was killed)');
  }
  if (skipped) console.log(`(${skipped} skipped)`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || status !== 0 ? 1 : 0);
}

if (process.argv[2] === '--inside') {
  // Already in the private namespaces: prepare them, then run jest.
  const sh = (cmd) => spawnSync('sh', ['-c', cmd], { stdio: 'inherit' }).status === 0;
  sh('mount --make-rprivate / 2>/dev/null; mkdir -p /run/netns && mount -t tmpfs -o mode=755 vnetkit-test /run/netns');
  sh('mount -t sysfs vnetkit-sysfs /sys 2>/dev/null || true');
  // A writable overlay on /etc, private to this mount namespace, so tests can create /etc/netns/NAME
  // files (what `ip netns exec` binds over /etc) without touching the machine's /etc.
  sh('d=$(mktemp -d) && mount -t tmpfs vnetkit-etc "$d" && mkdir "$d/u" "$d/w" && ' +
    'mount -t overlay vnetkit-etc -o "lowerdir=/etc,upperdir=$d/u,workdir=$d/w" /etc 2>/dev/null || true');
  // lo up with the `ip` oracle: the library under test does not set up its own test bed.
  sh('ip link set lo up 2>/dev/null || true');
  process.env.VNETKIT_SANDBOX = '1';
  // Lets tests arm the addon's fault-injection seam (native/fault.h); nothing else ever sets it.
  process.env.VNETKIT_FAULT_INJECTION = '1';
  // In band: kernel tests share the sandbox namespace, and ip-oracle comparisons must not race.
  const args = [jestBin, '--runInBand', '--json', `--outputFile=${resultFile}`, ...process.argv.slice(3)];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env: process.env });
  summarize(r.status);
}

const isRoot = process.getuid && process.getuid() === 0;
const sandbox = isRoot ? ['--net', '--mount'] : ['--user', '--map-root-user', '--net', '--mount'];
if (canRun(sandbox)) {
  const r = spawnSync('unshare', [...sandbox, '--', process.execPath, __filename, '--inside', ...extraArgs], {
    stdio: 'inherit',
    cwd: root,
  });
  process.exit(r.status ?? 1);
} else {
  console.log(
    isRoot
      ? 'SKIP kernel tests: `unshare --net --mount` failed even as root (is util-linux installed?)'
      : 'SKIP kernel tests: this kernel does not let unprivileged users create user namespaces ' +
          '(kernel.unprivileged_userns_clone=0 or an AppArmor restriction); run `npm test` as root for them',
  );
  const r = spawnSync(process.execPath, [jestBin, '--selectProjects', 'unit', '--json', `--outputFile=${resultFile}`, ...extraArgs], {
    stdio: 'inherit',
    cwd: root,
  });
  summarize(r.status);
}
