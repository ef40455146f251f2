// SPDX-License-Identifier: MIT
#pragma once
#include <napi.h>

#include "ns_runner.h"

namespace vnetkit {

// The per-environment namespace runner, started on first use.
NsRunner& Runner(Napi::Env env);

// Each ops file adds its functions to the module's exports.
void RegisterNamespaceOps(Napi::Env env, Napi::Object exports);
void RegisterSocketOps(Napi::Env env, Napi::Object exports);

}  // namespace vnetkit
