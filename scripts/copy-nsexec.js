#!/usr/bin/env node
// prebuildify packs only .node files; the vnetkit-nsexec helper (Namespace.spawn) must sit next to
// the addon it is found with, so copy it into prebuilds/<platform>-<arch>/ after prebuildify.
'use strict';
const { copyFileSync, chmodSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const from = join(root, 'build', 'Release', 'vnetkit-nsexec');
const to = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'vnetkit-nsexec');
if (!existsSync(from)) {
  console.error(`copy-nsexec: ${from} is missing; run node-gyp rebuild first`);
  process.exit(1);
}
copyFileSync(from, to);
chmodSync(to, 0o755);
console.log(`copied ${from} -> ${to}`);
