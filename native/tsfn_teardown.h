// SPDX-License-Identifier: MIT
#pragma once
#include <napi.h>

#include <functional>
#include <memory>

namespace vnetkit {

// The thread-safe function of an object that runs native threads (NsRunner, NlIo, PacketIo).
// During environment teardown Node may finalize the function before our instance data; from then on
// it must not be called or released. So its finalizer stops the owner's threads while the owner
// lives, and the owner releases it on destruction only if Node has not finalized it yet.
class TsfnTeardown {
 public:
  // Creates the function, unref'd: an idle owner must not keep the process alive.
  Napi::ThreadSafeFunction Create(Napi::Env env, const char* name, std::function<void()> stop_threads) {
    std::shared_ptr<State> state = state_;
    Napi::ThreadSafeFunction tsfn =
        Napi::ThreadSafeFunction::New(env, Napi::Function(), name, 0, 1, [state, stop_threads](Napi::Env) {
          if (state->owner_alive) stop_threads();
          state->finalized = true;
        });
    tsfn.Unref(env);
    return tsfn;
  }

  // From the owner's destructor, once its threads have stopped.
  void Retire(Napi::ThreadSafeFunction& tsfn) {
    state_->owner_alive = false;
    if (!state_->finalized) tsfn.Release();
  }

 private:
  struct State {
    bool finalized = false;   // main thread only
    bool owner_alive = true;  // main thread only
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace vnetkit
