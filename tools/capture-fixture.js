#!/usr/bin/env node
'use strict';
/*
 * capture-fixture.js — capture golden rtnetlink byte fixtures with strace.
 *
 * Usage:
 *   node tools/capture-fixture.js <name> [--setup "<shell cmds>"] [--notes "<text>"]
 *        [--out <dir>] [--protocol N] -- <command> [args...]
 *
 * Everything runs inside a private network + mount namespace
 * (`unshare --net --mount`), never in the host namespace:
 *   1. mount --make-rprivate /, private tmpfs on /run/netns (so `ip netns add`
 *      creates nothing on the host), `ip link set lo up`;
 *   2. the --setup shell commands (not traced; must succeed);
 *   3. the command, under
 *        strace -ff -qq -X raw -e raw=all -e trace=socket,close,sendmsg,recvmsg,
 *               sendto,recvfrom -e write=all -e read=all
 *      (-e write=/read= prints a hex dump of every byte sent/received; -e raw=all
 *      keeps the syscall lines numeric so fds/flags/return values parse easily).
 *
 * Only traffic on AF_NETLINK sockets of one protocol (NETLINK_ROUTE = 0 unless
 * --protocol says otherwise, e.g. 12 for NETLINK_NETFILTER; fds returned by
 * socket(0x10, *, N) in the same process trace, until close()) is kept.
 * recvmsg/recvfrom calls with MSG_PEEK are skipped (iproute2 peeks with
 * MSG_PEEK|MSG_TRUNC to size its buffer; the data is then read again).
 * Each syscall's payload is split into individual netlink messages; bytes after
 * the last usable nlmsghdr of a send (ignored by the kernel) go to "trailingHex"
 * (nlmsghdr is host-endian; this tool asserts a little-endian host).
 *
 * Output: <out>/<name>.json (default out: test/fixtures/rtnl).
 * No dependencies beyond Node.js, util-linux unshare, strace and iproute2.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const AF_NETLINK = 16;
let PROTOCOL = 0; // NETLINK_ROUTE unless --protocol
const MSG_PEEK = 0x2;
const TRACE_SET = 'socket,close,sendmsg,recvmsg,sendto,recvfrom';
const STRACE_ARGS = ['-ff', '-qq', '-X', 'raw', '-e', 'raw=all', '-e', `trace=${TRACE_SET}`,
  '-e', 'write=all', '-e', 'read=all'];

function usage(msg) {
  if (msg) process.stderr.write(`capture-fixture: ${msg}\n`);
  process.stderr.write('usage: node tools/capture-fixture.js <name> [--setup "<cmds>"] ' +
    '[--notes "<text>"] [--out <dir>] -- <command> [args...]\n');
  process.exit(2);
}

function shQuote(s) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function parseArgs(argv) {
  const opts = { setup: '', notes: undefined, out: path.join(__dirname, '..', 'test', 'fixtures', 'rtnl') };
  let i = 0;
  const dd = argv.indexOf('--');
  if (dd < 0) usage('missing "--" before the command');
  const head = argv.slice(0, dd);
  opts.command = argv.slice(dd + 1);
  if (opts.command.length === 0) usage('empty command');
  for (i = 0; i < head.length; i++) {
    const a = head[i];
    if (a === '--setup') opts.setup = head[++i];
    else if (a === '--notes') opts.notes = head[++i];
    else if (a === '--out') opts.out = head[++i];
    else if (a === '--protocol') PROTOCOL = Number(head[++i]);
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (!opts.name) opts.name = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!opts.name || !/^[A-Za-z0-9._-]+$/.test(opts.name)) usage('missing or bad fixture name');
  return opts;
}

/* ---------------- strace output parsing ---------------- */

// Hex dump line produced by strace for -e read=/write=:
//   " | 00000  20 00 00 00 10 00 05 00  00 00 00 00 00 00 00 00  ascii... |"
// byte i of the line lives at column 10 + 3*i (+1 for i >= 8).
function parseDumpLine(line) {
  const m = /^ \| ([0-9a-f]{5,}) {2}/.exec(line);
  if (!m) return null;
  const base = m[0].length;
  const bytes = [];
  for (let i = 0; i < 16; i++) {
    const col = base + 3 * i + (i >= 8 ? 1 : 0);
    const tok = line.substr(col, 2);
    if (!/^[0-9a-f]{2}$/.test(tok)) break;
    bytes.push(parseInt(tok, 16));
  }
  return { offset: parseInt(m[1], 16), bytes };
}

const SYSCALL_RE = /^(socket|close|sendmsg|recvmsg|sendto|recvfrom)\((.*)\)\s+= (-?(?:0x[0-9a-f]+|\d+))(.*)$/;

function num(s) {
  s = s.trim();
  return s.startsWith('0x') || s.startsWith('-0x') ? parseInt(s, 16) : parseInt(s, 10);
}

function parseTraceFile(text) {
  const lines = text.split('\n');
  const events = [];
  let cur = null; // current syscall receiving dump lines
  for (const line of lines) {
    if (line === '') continue;
    const d = parseDumpLine(line);
    if (d) {
      if (!cur) throw new Error(`hex dump line outside syscall: ${line}`);
      const buf = cur.buffers[cur.buffers.length - 1];
      if (!buf || d.offset !== buf.length) {
        if (d.offset === 0) cur.buffers.push(d.bytes.slice());
        else throw new Error(`non-contiguous dump offset ${d.offset}: ${line}`);
      } else {
        buf.push(...d.bytes);
      }
      continue;
    }
    const star = /^ \* (\d+) bytes in buffer (\d+)$/.exec(line);
    if (star) {
      if (!cur) throw new Error(`buffer header outside syscall: ${line}`);
      cur.buffers.push([]);
      cur.expected.push(Number(star[1]));
      continue;
    }
    const m = SYSCALL_RE.exec(line);
    if (m) {
      cur = { call: m[1], args: m[2].split(',').map((s) => s.trim()), ret: num(m[3]), rest: m[4], buffers: [], expected: [] };
      events.push(cur);
      continue;
    }
    if (/^\+\+\+ |^--- /.test(line)) { cur = null; continue; }
    // Unfinished/resumed or unknown lines: -ff gives one process per file, ip is
    // single-threaded, so this should not happen; fail loudly rather than guess.
    throw new Error(`unparsed strace line: ${line}`);
  }
  return events;
}

function splitNetlink(bytes, dir, where) {
  const buf = Buffer.from(bytes);
  const out = [];
  let off = 0;
  while (off < buf.length) {
    const len = buf.length - off >= 16 ? buf.readUInt32LE(off) : 0;
    if (len < 16 || off + len > buf.length) {
      // The kernel (netlink_rcv_skb) silently stops at a header it cannot use.
      // iproute2 does send such tails: e.g. `ip addr show` sends its whole
      // 152-byte request struct for a 24-byte RTM_GETADDR. Keep those bytes on
      // the preceding message as "trailingHex" so the capture stays lossless.
      if (dir === 'send' && out.length > 0) {
        out[out.length - 1].trailingHex = buf.subarray(off).toString('hex');
        break;
      }
      throw new Error(`${where}: bad nlmsg_len ${len} at ${off} (buffer ${buf.length})`);
    }
    const msg = buf.subarray(off, off + len);
    out.push({ dir, type: msg.readUInt16LE(4), flags: msg.readUInt16LE(6), hex: msg.toString('hex') });
    off += (len + 3) & ~3;
  }
  return out;
}

function extractMessages(events, where) {
  const rtnlFds = new Set();
  const messages = [];
  let otherNetlink = 0;
  for (const ev of events) {
    const fd = num(ev.args[0]);
    if (ev.call === 'socket') {
      if (ev.ret >= 0 && num(ev.args[0]) === AF_NETLINK) {
        if (num(ev.args[2]) === PROTOCOL) rtnlFds.add(ev.ret);
        else otherNetlink++;
      }
      continue;
    }
    if (ev.call === 'close') { rtnlFds.delete(fd); continue; }
    if (!rtnlFds.has(fd) || ev.ret <= 0) continue;
    const send = ev.call === 'sendmsg' || ev.call === 'sendto';
    if (!send) {
      const flags = num(ev.call === 'recvmsg' ? ev.args[2] : ev.args[3]);
      if (flags & MSG_PEEK) continue;
    }
    // sendto/recvfrom dumps carry no "* N bytes" header; msg calls do.
    let data = [];
    ev.buffers.forEach((b, i) => {
      if (ev.expected[i] !== undefined && ev.expected[i] !== b.length) {
        throw new Error(`${where}: ${ev.call} buffer ${i}: dumped ${b.length} of ${ev.expected[i]} bytes`);
      }
      data = data.concat(b);
    });
    if (data.length !== ev.ret) {
      throw new Error(`${where}: ${ev.call}(fd ${fd}) returned ${ev.ret} but ${data.length} bytes were dumped`);
    }
    for (const m of splitNetlink(data, send ? 'send' : 'recv', `${where} ${ev.call}`)) {
      // fd: iproute2 sometimes opens a second rtnl socket (e.g. ll_map name
      // lookups during `ip route show`); seq numbers are per socket.
      messages.push({ dir: m.dir, fd, type: m.type, flags: m.flags, hex: m.hex, ...(m.trailingHex !== undefined ? { trailingHex: m.trailingHex } : {}) });
    }
  }
  return { messages, otherNetlink };
}

/* ---------------- main ---------------- */

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  if (r.error) throw r.error;
  return r;
}

function main() {
  if (os.endianness() !== 'LE') throw new Error('this tool assumes a little-endian host');
  const opts = parseArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'capture-fixture-'));
  try {
    captureInto(opts, tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function captureInto(opts, tmp) {
  const prefix = path.join(tmp, 'trace');
  // Inner script: runs inside the private namespaces. "$@" is the traced command.
  const inner = [
    'set -e',
    'mount --make-rprivate /',
    'mkdir -p /run/netns',
    'mount -t tmpfs tmpfs /run/netns',
    'ip link set lo up',
    '( eval "$CAPTURE_SETUP" ) >"$CAPTURE_PREFIX-setup.log" 2>&1 || { cat "$CAPTURE_PREFIX-setup.log" >&2; echo "capture-fixture: setup failed" >&2; exit 97; }',
    'set +e',
    'strace -o "$CAPTURE_PREFIX" ' + STRACE_ARGS.map(shQuote).join(' ') + ' -- "$@"',
    'echo "__RC=$?" >&2',
  ].join('\n');
  const r = run('unshare', ['--net', '--mount', '--', 'bash', '-c', inner, 'capture', ...opts.command], {
    env: { ...process.env, CAPTURE_SETUP: opts.setup || ':', CAPTURE_PREFIX: prefix, LC_ALL: 'C' },
  });
  if (r.status === 97 || r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`capture failed (unshare/bash exit ${r.status})`);
  }
  const rcMatch = /__RC=(\d+)\s*$/.exec(r.stderr);
  const exitCode = rcMatch ? Number(rcMatch[1]) : null;
  const stderr = r.stderr.replace(/__RC=\d+\s*$/, '');

  const files = fs.readdirSync(tmp).filter((f) => /^trace\.\d+$/.test(f)).sort((a, b) => {
    const pa = Number(a.split('.')[1]); const pb = Number(b.split('.')[1]);
    return pa - pb;
  });
  if (files.length === 0) throw new Error('strace produced no output');
  const messages = [];
  for (const f of files) {
    const evs = parseTraceFile(fs.readFileSync(path.join(tmp, f), 'utf8'));
    const { messages: m } = extractMessages(evs, f);
    messages.push(...m);
  }
  if (messages.length === 0) throw new Error(`no netlink protocol ${PROTOCOL} traffic captured`);

  const ipV = run(PROTOCOL === 12 ? 'nft' : 'ip', [PROTOCOL === 12 ? '--version' : '-V']).stdout.trim();
  const fixture = {
    name: opts.name,
    command: opts.command.map(shQuote).join(' '),
    setup: opts.setup || '',
    tool: ipV,
    kernel: os.release(),
    endianness: 'LE',
    capturedWith: `unshare --net --mount -- bash -c '<setup>; strace -o <prefix> ${STRACE_ARGS.join(' ')} -- <command>'` +
      ` (tools/capture-fixture.js; only netlink protocol ${PROTOCOL} fds kept, MSG_PEEK reads skipped)`,
    exitCode,
    stdout: r.stdout,
    stderr,
  };
  if (opts.notes) fixture.notes = opts.notes;
  fixture.messages = messages;
  fs.mkdirSync(opts.out, { recursive: true });
  const file = path.join(opts.out, `${opts.name}.json`);
  fs.writeFileSync(file, JSON.stringify(fixture, null, 2) + '\n');
  const ns = messages.filter((m) => m.dir === 'send').length;
  process.stdout.write(`${file}: ${ns} send, ${messages.length - ns} recv, exit ${exitCode}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`capture-fixture: ${e.message}\n`);
  process.exit(1);
}
