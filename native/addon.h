// SPDX-License-Identifier: MIT
#pragma once
#include <napi.h>

#include <string>

#include "ns_runner.h"
#include "packet_io.h"

namespace vnetkit {

// The per-environment namespace runner, started on first use.
NsRunner& Runner(Napi::Env env);
// The per-environment packet I/O thread (tun/tap fds), started on first use.
PacketIo& Packets(Napi::Env env);

// Records an fd whose ownership passes to JS (closed by closeFd), so that the environment's teardown
// closes it if JS never does: a terminated worker's namespace fds would otherwise keep their
// namespaces alive for the life of the process.
void HandOverFd(Napi::Env env, int fd);
// JS gave the fd to an owner that closes it itself (the I/O threads, a Node socket): forget it.
void ForgetFd(Napi::Env env, int fd);

// Argument `i` as a string, or a TypeError naming `what`.
std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what);

// Each ops file adds its functions to the module's exports.
void RegisterNamespaceOps(Napi::Env env, Napi::Object exports);
void RegisterNamespaceCreateOps(Napi::Env env, Napi::Object exports);
void RegisterSocketOps(Napi::Env env, Napi::Object exports);
void RegisterTunOps(Napi::Env, Napi::Object);
void RegisterFaultOps(Napi::Env env, Napi::Object exports);
void RegisterSysctlOps(Napi::Env env, Napi::Object exports);

}  // namespace vnetkit
