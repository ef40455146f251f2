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

// Argument `i` as a string, or a TypeError naming `what`.
std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what);

// Each ops file adds its functions to the module's exports.
void RegisterNamespaceOps(Napi::Env env, Napi::Object exports);
void RegisterNamespaceCreateOps(Napi::Env env, Napi::Object exports);
void RegisterSocketOps(Napi::Env env, Napi::Object exports);
void RegisterTunOps(Napi::Env, Napi::Object);
void RegisterSysctlOps(Napi::Env env, Napi::Object exports);

}  // namespace vnetkit
