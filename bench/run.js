#!/usr/bin/env node
// `npm run bench [name...]`: runs benchmarks inside a private network + mount namespace (never on the
// machine's own network), each in this one process so the figures compare side by side.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

if (process.argv[2] !== '--inside') {
  const r = spawnSync('unshare', ['--net', '--mount', '--', process.execPath, '--expose-gc', __filename, '--inside', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

spawnSync('sh', ['-c', 'mkdir -p /run/netns && mount -t tmpfs vnetkit-bench /run/netns; ip link set lo up'], { stdio: 'inherit' });
const wanted = process.argv.slice(3);
const all = ['link-ops', 'netns', 'veth', 'bulk', 'tuntap', 'nft', 'sysctl'];
(async () => {
  for (const name of wanted.length ? wanted : all) {
    await require(path.join(__dirname, `${name}.js`)).run();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
