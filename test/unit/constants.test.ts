// The constant modules are generated from the kernel UAPI headers by tools/gen-constants.js.
// With a C compiler and the headers present, regenerate in memory and require no difference; the
// spot checks below run everywhere and pin a few values that the rest of the library depends on
// (each checked against /usr/include/linux and the compiler when this test was written).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as NL from '../../src/netlink/constants';
import * as RT from '../../src/rtnl/constants';
import * as TUN from '../../src/tun/constants';

const ROOT = path.resolve(__dirname, '../..');

function haveCompiler(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const headers = existsSync('/usr/include/linux/rtnetlink.h');
const cc = haveCompiler();
const skipReason = !cc ? 'no `cc` on PATH' : !headers ? 'no /usr/include/linux/rtnetlink.h (install linux-libc-dev)' : '';

describe('generated constants', () => {
  if (skipReason) {
    test.skip(`match the UAPI headers (skipped: ${skipReason})`, () => {});
  } else {
    test('match the UAPI headers (node tools/gen-constants.js --check)', () => {
      // execFileSync throws on a non-zero exit, which fails the test with the tool's stderr.
      execFileSync(process.execPath, [path.join(ROOT, 'tools/gen-constants.js'), '--check'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }, 60_000);
  }

  test('netlink spot checks', () => {
    expect(NL.NLMSG_HDRLEN).toBe(16);
    expect(NL.NLMSG_ERROR).toBe(2);
    expect(NL.NLMSG_DONE).toBe(3);
    expect(NL.NLM_F_DUMP).toBe(0x300);
    expect(NL.NLM_F_ACK).toBe(4);
    expect(NL.NETLINK_ROUTE).toBe(0);
    expect(NL.NETLINK_EXT_ACK).toBe(11);
    expect(NL.NETLINK_GET_STRICT_CHK).toBe(12);
    expect(NL.NLA_F_NESTED).toBe(0x8000);
    expect(NL.AF_NETLINK).toBe(16);
    expect(NL.SOL_NETLINK).toBe(270);
  });

  test('rtnl spot checks', () => {
    expect(RT.RTM_NEWLINK).toBe(16);
    expect(RT.IFLA_IFNAME).toBe(3);
    expect(RT.IFLA_LINKINFO).toBe(18);
    expect(RT.IFF_UP).toBe(1);
    expect(RT.IFF_LOWER_UP).toBe(0x10000);
    expect(RT.VETH_INFO_PEER).toBe(1);
    expect(RT.RT_TABLE_MAIN).toBe(254);
  });

  test('tun spot checks', () => {
    expect(TUN.TUNSETIFF).toBe(0x400454ca);
    expect(TUN.IFF_TUN).toBe(1);
    expect(TUN.IFF_TAP).toBe(2);
    expect(TUN.IFF_NO_PI).toBe(0x1000);
  });
});
