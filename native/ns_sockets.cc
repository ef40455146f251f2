// SPDX-License-Identifier: MIT
// Sockets created inside a network namespace. A socket belongs to the namespace that was current
// when socket() ran, so the runner thread makes it there; Node then adopts the fd (net.Server
// listen({fd}), net.Socket({fd}), dgram bind({fd})) and uses it from the main thread like any other.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "addon.h"
#include "fault.h"
#include "errors.h"
#include "unique_fd.h"

namespace vnetkit {

namespace {

struct SocketResult {
  UniqueFd fd;
  int port = 0;
};

// Fills a sockaddr for `address` (numeric IPv4/IPv6; empty = any) and `port`.
bool MakeAddress(int family, const std::string& address, int port, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof ss);
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (!address.empty() && inet_pton(AF_INET, address.c_str(), &a->sin_addr) != 1) return false;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (!address.empty() && inet_pton(AF_INET6, address.c_str(), &a->sin6_addr) != 1) return false;
    len = sizeof *a;
  }
  return true;
}

// socketIn(nsFd, family, type, bindAddress | null, port) -> Promise<{ fd, port }>
// Creates a socket inside the namespace; when bindAddress is not null, binds it (port 0 = any
// free port, reported back) so a server or UDP socket is ready for Node to adopt.
Napi::Value SocketIn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ns_fd = info[0].As<Napi::Number>().Int32Value();
  int family = info[1].As<Napi::Number>().Int32Value();
  int type = info[2].As<Napi::Number>().Int32Value();
  bool bind_it = info[3].IsString();
  std::string address = bind_it ? info[3].As<Napi::String>().Utf8Value() : "";
  int port = info[4].IsNumber() ? info[4].As<Napi::Number>().Int32Value() : 0;
  if (family != AF_INET && family != AF_INET6) throw Napi::TypeError::New(env, "family must be AF_INET or AF_INET6");
  auto result = std::make_shared<SocketResult>();
  auto job = std::make_unique<NsJob>();
  job->work = [=](SysError& err) {
    result->fd.reset(Injected(Fault::kSocket) ? -1 : socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!result->fd.valid()) return err.set(errno, "socket", "in target namespace");
    if (!bind_it) return;
    int one = 1;
    setsockopt(result->fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss;
    socklen_t len;
    if (!MakeAddress(family, address, port, ss, len)) return err.set(EINVAL, "inet_pton", address);
    if (Injected(Fault::kBind) || bind(result->fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      return err.set(errno, "bind", address + ":" + std::to_string(port));
    }
    len = sizeof ss;
    getsockname(result->fd.get(), reinterpret_cast<sockaddr*>(&ss), &len);
    result->port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                           : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  };
  job->finish = [result](Napi::Env env) -> Napi::Value {
    Napi::Object out = Napi::Object::New(env);
    out.Set("port", Napi::Number::New(env, result->port));
    HandOverFd(env, result->fd.get());
    out.Set("fd", Napi::Number::New(env, result->fd.release()));
    return out;
  };
  return Runner(env).Submit(env, ns_fd, std::move(job));
}

}  // namespace

void RegisterSocketOps(Napi::Env env, Napi::Object exports) {
  exports.Set("socketIn", Napi::Function::New(env, SocketIn));
  Napi::Object c = Napi::Object::New(env);
  c.Set("AF_INET", AF_INET);
  c.Set("AF_INET6", AF_INET6);
  c.Set("SOCK_STREAM", static_cast<int>(SOCK_STREAM));
  c.Set("SOCK_DGRAM", static_cast<int>(SOCK_DGRAM));
  exports.Set("socketConstants", c);
}

}  // namespace vnetkit
