// SPDX-License-Identifier: MIT
// Module entry: per-environment state (so worker_threads each get their own threads and sockets)
// and the small table of functions the TypeScript layer calls. Nothing here parses netlink.
#include <napi.h>

#include <errno.h>
#include <unistd.h>

#include <memory>
#include <unordered_set>

#include "addon.h"
#include "errors.h"
#include "netlink_socket.h"
#include "nl_io.h"
#include "ns_runner.h"

namespace vnetkit {

struct Addon {
  std::unique_ptr<NsRunner> runner;
  std::unique_ptr<NlIo> io;
  std::unique_ptr<PacketIo> packets;
  std::unordered_set<int> handed_fds;  // main thread only

  ~Addon() {
    // Threads first: their own fds (sockets, ports) are theirs to close; what is left here is
    // what JS held.
    runner.reset();
    io.reset();
    packets.reset();
    for (int fd : handed_fds) close(fd);
  }
};

Addon& GetAddon(Napi::Env env) { return *env.GetInstanceData<Addon>(); }

NsRunner& Runner(Napi::Env env) {
  Addon& addon = GetAddon(env);
  if (!addon.runner) addon.runner = std::make_unique<NsRunner>(env);
  return *addon.runner;
}

void HandOverFd(Napi::Env env, int fd) { GetAddon(env).handed_fds.insert(fd); }
void ForgetFd(Napi::Env env, int fd) { GetAddon(env).handed_fds.erase(fd); }

PacketIo& Packets(Napi::Env env) {
  Addon& addon = GetAddon(env);
  if (!addon.packets) addon.packets = std::make_unique<PacketIo>(env);
  return *addon.packets;
}

namespace {

NlIo& Io(const Napi::CallbackInfo& info) {
  Addon& addon = GetAddon(info.Env());
  if (!addon.io) throw Napi::Error::New(info.Env(), "vnetkit: ioStart() was not called");
  return *addon.io;
}

int FdArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "fd must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

// ioStart(onEvents) -> client id. The I/O thread starts on the first call.
Napi::Value IoStart(const Napi::CallbackInfo& info) {
  Addon& addon = GetAddon(info.Env());
  if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "ioStart(onEvents)");
  if (!addon.io) addon.io = std::make_unique<NlIo>(info.Env());
  return Napi::Number::New(info.Env(), addon.io->AddClient(info[0].As<Napi::Function>()));
}

Napi::Value IoAttach(const Napi::CallbackInfo& info) {
  Io(info).Attach(FdArg(info, 0), info[1].As<Napi::Number>().Uint32Value());
  ForgetFd(info.Env(), FdArg(info, 0));  // the I/O thread owns it now
  return info.Env().Undefined();
}

// ioSend(fd, requests: Uint8Array[], tokens: number[]): JS queues a microtask's requests and hands
// them over in one call, one lock and at most one wake-up of the I/O thread.
Napi::Value IoSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info, 0);
  if (!info[1].IsArray() || !info[2].IsArray()) throw Napi::TypeError::New(env, "ioSend(fd, Uint8Array[], token[])");
  Napi::Array list = info[1].As<Napi::Array>();
  Napi::Array tokens = info[2].As<Napi::Array>();
  uint32_t n = list.Length();
  if (tokens.Length() != n) throw Napi::TypeError::New(env, "ioSend: one token per request");
  std::vector<std::pair<std::vector<uint8_t>, uint32_t>> requests;
  requests.reserve(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "ioSend: a request must be a Uint8Array");
    Napi::Uint8Array bytes = v.As<Napi::Uint8Array>();
    // Copied: the I/O thread sends later, and JS may reuse the buffer as soon as we return.
    requests.emplace_back(std::vector<uint8_t>(bytes.Data(), bytes.Data() + bytes.ByteLength()), tokens.Get(i).As<Napi::Number>().Uint32Value());
  }
  Io(info).Send(fd, std::move(requests));
  return env.Undefined();
}

Napi::Value IoClose(const Napi::CallbackInfo& info) {
  Io(info).Close(FdArg(info, 0));
  return info.Env().Undefined();
}

Napi::Value IoRef(const Napi::CallbackInfo& info) {
  Io(info).Ref(info.Env());
  return info.Env().Undefined();
}

Napi::Value IoUnref(const Napi::CallbackInfo& info) {
  Io(info).Unref(info.Env());
  return info.Env().Undefined();
}

// openNetlink(nsFd, { protocol, rcvbuf?, sndbuf?, strict?, groups? }) -> Promise<{fd, portId, ...}>
Napi::Value OpenNetlink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ns_fd = FdArg(info, 0);
  Napi::Object o = info[1].As<Napi::Object>();
  NetlinkSocketOptions opts;
  opts.protocol = o.Get("protocol").As<Napi::Number>().Int32Value();
  if (o.Has("rcvbuf")) opts.rcvbuf = o.Get("rcvbuf").As<Napi::Number>().Int32Value();
  if (o.Has("sndbuf")) opts.sndbuf = o.Get("sndbuf").As<Napi::Number>().Int32Value();
  if (o.Has("strict")) opts.strict = o.Get("strict").ToBoolean();
  if (o.Has("groups")) {
    Napi::Array groups = o.Get("groups").As<Napi::Array>();
    for (uint32_t i = 0; i < groups.Length(); i++) {
      opts.groups.push_back(groups.Get(i).As<Napi::Number>().Uint32Value());
    }
  }
  auto result = std::make_shared<NetlinkSocket>();
  auto job = std::make_unique<NsJob>();
  job->work = [opts, result](SysError& err) { *result = OpenNetlinkSocket(opts, err); };
  job->finish = [result](Napi::Env env) -> Napi::Value {
    Napi::Object out = Napi::Object::New(env);
    out.Set("portId", Napi::Number::New(env, result->port_id));
    out.Set("extAck", Napi::Boolean::New(env, result->ext_ack));
    out.Set("strict", Napi::Boolean::New(env, result->strict));
    out.Set("capAck", Napi::Boolean::New(env, result->cap_ack));
    HandOverFd(env, result->fd.get());
    out.Set("fd", Napi::Number::New(env, result->fd.release()));
    return out;
  };
  return Runner(env).Submit(env, ns_fd, std::move(job));
}

// releaseFd(fd): JS gave an fd the addon handed over to an owner that closes it (Node adopted a
// socket): the environment's teardown must not close it too.
Napi::Value ReleaseFd(const Napi::CallbackInfo& info) {
  ForgetFd(info.Env(), FdArg(info, 0));
  return info.Env().Undefined();
}

// closeFd(fd): closes an fd this addon handed to JS (see HandOverFd). Node's fs.closeSync would do
// the same, but inside a worker it warns about every fd that fs did not open itself.
Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  int fd = FdArg(info, 0);
  if (GetAddon(info.Env()).handed_fds.erase(fd) == 0) throw MakeSysError(info.Env(), EBADF, "close", "fd not handed over by vnetkit");
  close(fd);
  return info.Env().Undefined();
}

Napi::Value RunnerStats(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  Addon& addon = GetAddon(info.Env());
  out.Set("retired", Napi::Number::New(info.Env(), addon.runner ? addon.runner->retired_count() : 0));
  return out;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new Addon());
  exports.Set("ioStart", Napi::Function::New(env, IoStart));
  exports.Set("ioAttach", Napi::Function::New(env, IoAttach));
  exports.Set("ioSend", Napi::Function::New(env, IoSend));
  exports.Set("ioClose", Napi::Function::New(env, IoClose));
  exports.Set("ioRef", Napi::Function::New(env, IoRef));
  exports.Set("ioUnref", Napi::Function::New(env, IoUnref));
  exports.Set("openNetlink", Napi::Function::New(env, OpenNetlink));
  exports.Set("runnerStats", Napi::Function::New(env, RunnerStats));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
  exports.Set("releaseFd", Napi::Function::New(env, ReleaseFd));
  RegisterNamespaceOps(env, exports);
  RegisterNamespaceCreateOps(env, exports);
  RegisterSocketOps(env, exports);
  RegisterTunOps(env, exports);
  RegisterFaultOps(env, exports);
  RegisterSysctlOps(env, exports);
  return exports;
}

}  // namespace vnetkit

static Napi::Object InitVnetkit(Napi::Env env, Napi::Object exports) { return vnetkit::Init(env, exports); }

NODE_API_MODULE(vnetkit, InitVnetkit)
