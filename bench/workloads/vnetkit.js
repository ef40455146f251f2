'use strict';
// The bulk workloads done with vnetkit, as a user would write them: everything issued at once
// (Promise.all), teardown with the bulk APIs. Each returns { createMs, deleteMs }. Also runnable as a
// script (`node bench/workloads/vnetkit.js w1 1000`) for whole-process figures, start-up included.
const { Link, Namespace, VethPair, Bridge } = require('../..');

const time = async (fn) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

// As the floor does (bench/floor): links made in a device group of their own are deleted by group in
// one request, without first moving them into a fresh one as Link.deleteMany must.
const W1_GROUP = 4242;
const W3_GROUP = 4243;
const W4_GROUP = 4244;

/** W1: N veth pairs, both ends up, then all deleted. */
async function w1(n) {
  const createMs = await time(async () => {
    await Promise.all(Array.from({ length: n }, (_, i) => VethPair.create({ name: `va${i}`, peer: { name: `vb${i}` }, up: true, group: W1_GROUP })));
  });
  const deleteMs = await time(() => Namespace.current().deleteLinks({ group: W1_GROUP }));
  return { createMs, deleteMs };
}

/** W2: N named namespaces created and deleted. */
async function w2(n) {
  let spaces;
  const createMs = await time(async () => {
    spaces = await Promise.all(Array.from({ length: n }, (_, i) => Namespace.create(`vk${i}`, { loopbackUp: false })));
  });
  const deleteMs = await time(() => Namespace.deleteMany(spaces));
  return { createMs, deleteMs };
}

const w3Address = (i) => `10.${100 + (i % 10)}.${Math.floor(i / 10 / 250)}.${1 + (Math.floor(i / 10) % 250)}/16`;

/**
 * W3: a bridge and N veth pairs, one end a port, the other in one of 10 namespaces with an IPv4
 * address, all up. In the floor's order (bench/floor): every pair created with its port up, then
 * every namespace end set up and addressed. The order matters far more than any tool: each end that
 * comes up starts IPv6 autoconfiguration (DAD, MLD, router solicitations), and each such multicast
 * is flooded by the bridge to every port that is up; with the ends coming up as the pairs are made,
 * that flood (kworkers and softirqs: two thirds of the CPU in a perf profile) overlaps the rest of
 * the creation and slows it 2-4x, for vnetkit and C alike. `onePass` does it that way, pair by pair.
 */
async function w3(n, { onePass = false } = {}) {
  const spaces = await Promise.all(Array.from({ length: 10 }, () => Namespace.create(undefined, { loopbackUp: false })));
  let br;
  let pairs;
  try {
    const createMs = await time(async () => {
      br = await Bridge.create('vkbr0', { up: true, group: W3_GROUP });
      const create = (i, peerUp) =>
        VethPair.create({ name: `p${i}`, peer: { name: `e${i}`, namespace: spaces[i % 10] }, up: true, peerUp, master: br.link, group: W3_GROUP });
      if (onePass) {
        pairs = await Promise.all(
          Array.from({ length: n }, async (_, i) => {
            const pair = await create(i, true);
            await pair.peer.addAddress(w3Address(i));
            return pair;
          }),
        );
      } else {
        pairs = await Promise.all(Array.from({ length: n }, (_, i) => create(i, false)));
        await Promise.all(pairs.map((pair, i) => Promise.all([pair.peer.setUp(), pair.peer.addAddress(w3Address(i))])));
      }
    });
    const deleteMs = await time(() => Namespace.current().deleteLinks({ group: W3_GROUP }));
    return { createMs, deleteMs };
  } finally {
    await Promise.all(spaces.map((s) => s.close()));
  }
}

/**
 * W4: N persistent taps created and deleted (as `ip tuntap add` / `ip link del` do). As in W1 and W3,
 * in a device group of their own (set by each create's job; the floor tags them by name before its
 * group delete, since TUNSETIFF cannot set a group). `w4DeleteMany` is the same without a group,
 * torn down with Link.deleteMany (which moves them into a fresh group first).
 */
async function w4(n, { deviceGroup = W4_GROUP } = {}) {
  const { TunTap } = require('../..');
  let taps;
  const createMs = await time(async () => {
    taps = await Promise.all(Array.from({ length: n }, (_, i) => TunTap.createPersistent({ name: `vt${i}`, mode: 'tap', deviceGroup: deviceGroup ?? undefined })));
  });
  const deleteMs = await time(() => (deviceGroup === null ? Link.deleteMany(taps) : Namespace.current().deleteLinks({ group: deviceGroup })));
  return { createMs, deleteMs };
}

module.exports = { w1, w2, w3, w4, w3OnePass: (n) => w3(n, { onePass: true }), w4DeleteMany: (n) => w4(n, { deviceGroup: null }) };

if (require.main === module) {
  const [w, n] = process.argv.slice(2);
  module.exports[w](Number(n)).then(
    (r) => process.stdout.write(JSON.stringify(r)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
