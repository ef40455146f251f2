// SPDX-License-Identifier: MIT
// TUN/TAP: /dev/net/tun and its ioctls, and the packet ports JS reads and writes through.
//
// A tun device is created in the network namespace of the /dev/net/tun file, which is the namespace
// current when open() ran. So open + TUNSETIFF run as one job on the namespace runner thread, inside
// the target namespace; the fd then works from any thread. Ioctls on an existing fd do not depend
// on the caller's namespace, but some take rtnl_lock (and the last close of a device waits for RCU),
// so they run on the runner too, never on the main thread. Flag values come from <linux/if_tun.h>
// here; JS passes booleans and names.
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <string>

#include "addon.h"
#include "fault.h"
#include "errors.h"
#include "netlink_socket.h"
#include "packet_io.h"
#include "unique_fd.h"

namespace vnetkit {

namespace {

struct TunOpenOptions {
  std::string name;
  bool tap = false, packet_info = false, vnet_hdr = false, multi_queue = false;
  bool exclusive = false;    // create only: IFF_TUN_EXCL makes an existing name EBUSY
  bool attach_only = false;  // open only: never create a device that is not there
  bool close_after = false;  // `ip tuntap add`: a persistent device made and its fd closed in the same job
  int vnet_hdr_size = -1;
  int64_t owner = -1, group = -1;
  int persist = -1;  // -1: leave as it is
  // Netlink requests (built in TS) to send once the device is made, its ifindex (u32) written at
  // each of follow_up_index_at: reading it back, setting its device group. See FollowUp().
  std::vector<uint8_t> follow_up;
  std::vector<uint32_t> follow_up_index_at;
  int follow_up_replies = 0;
};

struct TunResult {
  UniqueFd fd;
  std::string name;
  unsigned ifindex = 0;
  std::vector<uint8_t> replies;  // the kernel's answers to TunOpenOptions::follow_up
};

// tunOpen's boolean options, one bit each: reading a dozen named properties of an options object
// cost ~9 us per call through N-API (each name made into a V8 string), a tenth of a tap's main-thread
// time in a burst. JS reads these values from the addon (tunOpenBits), so the two cannot disagree.
enum TunOpenBit : uint32_t {
  kTap = 1u << 0,
  kPacketInfo = 1u << 1,
  kVnetHdr = 1u << 2,
  kMultiQueue = 1u << 3,
  kExclusive = 1u << 4,
  kAttachOnly = 1u << 5,
  kCloseAfter = 1u << 6,
  kPersistSet = 1u << 7,  // TUNSETPERSIST to the value of kPersistOn
  kPersistOn = 1u << 8,
};

void OpenTun(const TunOpenOptions& o, TunResult& r, SysError& err) {
  unsigned before = 0;
  if (o.attach_only && (before = if_nametoindex(o.name.c_str())) == 0) return err.set(ENODEV, "ioctl", "TUNSETIFF");
  r.fd.reset(Injected(Fault::kOpen) ? -1 : open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!r.fd.valid()) return err.set(errno, "open", "/dev/net/tun");
  ifreq ifr{};
  strncpy(ifr.ifr_name, o.name.c_str(), IFNAMSIZ - 1);
  ifr.ifr_flags = static_cast<short>((o.tap ? IFF_TAP : IFF_TUN) | (o.packet_info ? 0 : IFF_NO_PI) |
                                     (o.vnet_hdr ? IFF_VNET_HDR : 0) | (o.multi_queue ? IFF_MULTI_QUEUE : 0) |
                                     (o.exclusive ? IFF_TUN_EXCL : 0));
  if (Injected(Fault::kIoctl) || ioctl(r.fd.get(), TUNSETIFF, &ifr) != 0) return err.set(errno, "ioctl", "TUNSETIFF"), r.fd.reset();
  r.name = ifr.ifr_name;
  // The device vanished between the lookup and TUNSETIFF, which then made a new one: closing the fd
  // removes that one again, so open() never leaves a device behind.
  if (o.attach_only && if_nametoindex(r.name.c_str()) != before) return err.set(ENODEV, "ioctl", "TUNSETIFF"), r.fd.reset();
  // Each option only when asked for (forcing owner/group would lock other users out). Persist
  // last: a failure before it closes the fd, and a device this job created goes with it.
  int fd = r.fd.get();
  if (o.vnet_hdr_size >= 0 && ioctl(fd, TUNSETVNETHDRSZ, &o.vnet_hdr_size) != 0) return err.set(errno, "ioctl", "TUNSETVNETHDRSZ"), r.fd.reset();
  if (o.owner >= 0 && ioctl(fd, TUNSETOWNER, static_cast<unsigned long>(o.owner)) != 0) return err.set(errno, "ioctl", "TUNSETOWNER"), r.fd.reset();
  if (o.group >= 0 && ioctl(fd, TUNSETGROUP, static_cast<unsigned long>(o.group)) != 0) return err.set(errno, "ioctl", "TUNSETGROUP"), r.fd.reset();
  if (o.persist >= 0 && (Injected(Fault::kIoctl) || ioctl(fd, TUNSETPERSIST, static_cast<unsigned long>(o.persist)) != 0)) return err.set(errno, "ioctl", "TUNSETPERSIST"), r.fd.reset();
  // if_nametoindex costs a socket of its own (three system calls): only an attach, which already
  // knows the index, and a create with a follow-up, which needs it, report it. The latter looks it
  // up right after TUNSETIFF: by the time of the follow-up the name could be another device's.
  if (o.attach_only) r.ifindex = before;
  else if (!o.follow_up.empty()) r.ifindex = if_nametoindex(r.name.c_str());
}

// In the same job, right after the device is made (and its fd closed, with close_after: what
// stays is the device as it is without it): one thread takes rtnl_lock for everything in turn,
// where readbacks from the I/O thread waited for the next job to release it. A device gone by then
// (deleted by someone else) or a failure to ask leaves `replies` empty; JS then reads it itself.
void FollowUp(const TunOpenOptions& o, TunResult& r) {
  uint32_t index = r.ifindex;
  if (o.follow_up.empty() || index == 0) return;
  std::vector<uint8_t> request = o.follow_up;
  for (uint32_t at : o.follow_up_index_at) memcpy(request.data() + at, &index, sizeof index);
  SysError ignored;
  r.replies = NetlinkRoundTrip(request, o.follow_up_replies, ignored);
}

// tunOpen(nsFd, name, bits, vnetHdrSize, owner, group[, followUp, indexAt, replies])
//   -> Promise<{ fd, name, ifindex[, replies] }>
// fd is -1 with kCloseAfter; ifindex is 0 for a device just made without a follow-up; -1 leaves
// size, owner, group unset. followUp (Uint8Array), indexAt (Uint32Array) and replies: see FollowUp.
Napi::Value TunOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ns_fd = info[0].As<Napi::Number>().Int32Value();
  TunOpenOptions opts;
  opts.name = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  uint32_t bits = info[2].As<Napi::Number>().Uint32Value();
  opts.tap = bits & kTap;
  opts.packet_info = bits & kPacketInfo;
  opts.vnet_hdr = bits & kVnetHdr;
  opts.multi_queue = bits & kMultiQueue;
  opts.exclusive = bits & kExclusive;
  opts.attach_only = bits & kAttachOnly;
  opts.close_after = bits & kCloseAfter;
  if (bits & kPersistSet) opts.persist = (bits & kPersistOn) ? 1 : 0;
  opts.vnet_hdr_size = info[3].As<Napi::Number>().Int32Value();
  opts.owner = info[4].As<Napi::Number>().Int64Value();
  opts.group = info[5].As<Napi::Number>().Int64Value();
  if (info[6].IsTypedArray()) {
    Napi::Uint8Array request = info[6].As<Napi::Uint8Array>();
    Napi::Uint32Array index_at = info[7].As<Napi::Uint32Array>();
    opts.follow_up.assign(request.Data(), request.Data() + request.ByteLength());
    for (size_t i = 0; i < index_at.ElementLength(); i++) {
      if (size_t{index_at[i]} + 4 > opts.follow_up.size()) throw Napi::RangeError::New(env, "tunOpen: follow-up index offset out of range");
      opts.follow_up_index_at.push_back(index_at[i]);
    }
    opts.follow_up_replies = info[8].As<Napi::Number>().Int32Value();
  }
  auto result = std::make_shared<TunResult>();
  auto job = std::make_unique<NsJob>();
  // closeAfter saves a second job (and its trip back to the main thread) per device: the last
  // close takes rtnl_lock, so it belongs on this thread anyway.
  job->work = [opts, result](SysError& err) {
    OpenTun(opts, *result, err);
    if (opts.close_after) result->fd.reset();
    if (!err.failed()) FollowUp(opts, *result);
  };
  // The device's flags are read back over rtnetlink (IFLA_TUN_*) by JS: TUNGETIFF reports IFF_NOFILTER
  // in the bit IFF_NO_PI also uses, so it cannot tell whether packet information is on.
  job->finish = [result](Napi::Env env) -> Napi::Value {
    Napi::Object out = Napi::Object::New(env);
    out.Set("name", result->name);
    out.Set("ifindex", Napi::Number::New(env, result->ifindex));
    if (result->fd.valid()) HandOverFd(env, result->fd.get());
    out.Set("fd", Napi::Number::New(env, result->fd.valid() ? result->fd.release() : -1));
    if (!result->replies.empty()) {
      Napi::ArrayBuffer replies = Napi::ArrayBuffer::New(env, result->replies.size());
      memcpy(replies.Data(), result->replies.data(), result->replies.size());
      out.Set("replies", Napi::Uint8Array::New(env, result->replies.size(), replies, 0));
    }
    return out;
  };
  return Runner(env).Submit(env, ns_fd, std::move(job));
}

// tunIoctl(fd, op, value) -> Promise<void>, on a dup of fd so close() meanwhile cannot redirect it.
Napi::Value TunIoctl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::string op = info[1].As<Napi::String>().Utf8Value();
  int64_t value = info[2].IsNumber() ? static_cast<int64_t>(info[2].As<Napi::Number>().DoubleValue()) : 0;
  unsigned long request;
  if (op == "persist") request = TUNSETPERSIST;
  else if (op == "owner") request = TUNSETOWNER;
  else if (op == "group") request = TUNSETGROUP;
  else if (op == "vnetHdrSize") request = TUNSETVNETHDRSZ;
  else if (op == "attachQueue" || op == "detachQueue") request = TUNSETQUEUE;
  else throw Napi::TypeError::New(env, "tunIoctl: unknown op " + op);
  auto dup_fd = std::make_shared<UniqueFd>(Injected(Fault::kDup) ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3));
  if (!dup_fd->valid()) throw MakeSysError(env, errno, "fcntl", "tun fd");
  auto job = std::make_unique<NsJob>();
  job->work = [dup_fd, op, request, value](SysError& err) {
    int rc;
    const char* name = op == "persist" ? "TUNSETPERSIST" : op == "owner" ? "TUNSETOWNER" : op == "group" ? "TUNSETGROUP"
                     : op == "vnetHdrSize" ? "TUNSETVNETHDRSZ" : "TUNSETQUEUE";
    if (request == TUNSETQUEUE) {
      ifreq ifr{};
      ifr.ifr_flags = op == "attachQueue" ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
      rc = ioctl(dup_fd->get(), request, &ifr);
    } else if (request == TUNSETVNETHDRSZ) {
      int size = static_cast<int>(value);
      rc = ioctl(dup_fd->get(), request, &size);
    } else {
      rc = ioctl(dup_fd->get(), request, static_cast<unsigned long>(value));
    }
    if (rc != 0) err.set(errno, "ioctl", name);
    dup_fd->reset();
  };
  return Runner(env).Submit(env, -1, std::move(job));
}

// tunClose(fd) -> Promise<void>: the last close of a non-persistent device unregisters it.
Napi::Value TunClose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto fd = std::make_shared<UniqueFd>(info[0].As<Napi::Number>().Int32Value());
  ForgetFd(env, fd->get());
  auto job = std::make_unique<NsJob>();
  job->work = [fd](SysError&) { fd->reset(); };
  return Runner(env).Submit(env, -1, std::move(job));
}

// packetAttach(fd, onEvent(kind, ...)) -> port id
Napi::Value PacketAttach(const Napi::CallbackInfo& info) {
  if (!info[1].IsFunction()) throw Napi::TypeError::New(info.Env(), "packetAttach(fd, onEvent)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  uint32_t port = Packets(info.Env()).Attach(fd, info[1].As<Napi::Function>());
  ForgetFd(info.Env(), fd);  // the packet thread owns it now, until it hands it back (kClosed)
  return Napi::Number::New(info.Env(), port);
}

Napi::Value PacketRead(const Napi::CallbackInfo& info) {
  Packets(info.Env()).SetReading(info[0].As<Napi::Number>().Uint32Value(), info[1].ToBoolean());
  return info.Env().Undefined();
}

// packetWrite(port, packet | packet[]) -> bytes queued (-1: port closed)
Napi::Value PacketWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::pair<const uint8_t*, size_t>> packets;
  auto add = [&](Napi::Value v) {
    if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "a packet must be a Uint8Array");
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    packets.emplace_back(static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength());
  };
  if (info[1].IsArray()) {
    Napi::Array arr = info[1].As<Napi::Array>();
    packets.reserve(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); i++) add(arr.Get(i));
  } else {
    add(info[1]);
  }
  return Napi::Number::New(env, Packets(env).Write(info[0].As<Napi::Number>().Uint32Value(), packets));
}

Napi::Value PacketClose(const Napi::CallbackInfo& info) {
  Packets(info.Env()).Close(info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

}  // namespace

void RegisterTunOps(Napi::Env env, Napi::Object exports) {
  exports.Set("tunOpen", Napi::Function::New(env, TunOpen));
  exports.Set("tunIoctl", Napi::Function::New(env, TunIoctl));
  exports.Set("tunClose", Napi::Function::New(env, TunClose));
  exports.Set("packetAttach", Napi::Function::New(env, PacketAttach));
  exports.Set("packetRead", Napi::Function::New(env, PacketRead));
  exports.Set("packetWrite", Napi::Function::New(env, PacketWrite));
  exports.Set("packetClose", Napi::Function::New(env, PacketClose));
  // IFLA_TUN_TYPE values, so JS can read a device's mode from rtnetlink without copying numbers.
  Napi::Object types = Napi::Object::New(env);
  types.Set("tun", IFF_TUN);
  types.Set("tap", IFF_TAP);
  exports.Set("tunTypes", types);
  Napi::Object bits = Napi::Object::New(env);
  const std::pair<const char*, uint32_t> named[] = {{"tap", kTap}, {"packetInfo", kPacketInfo}, {"vnetHdr", kVnetHdr},
      {"multiQueue", kMultiQueue}, {"exclusive", kExclusive}, {"attachOnly", kAttachOnly}, {"closeAfter", kCloseAfter},
      {"persistSet", kPersistSet}, {"persistOn", kPersistOn}};
  for (const auto& [key, bit] : named) bits.Set(key, bit);
  exports.Set("tunOpenBits", bits);
}

}  // namespace vnetkit
