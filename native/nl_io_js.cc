// SPDX-License-Identifier: MIT
// The main-thread half of NlIo: what JS calls (each only queues a command for the I/O thread) and
// the delivery of received datagrams to each registered copy of the JS library.
#include "nl_io.h"

#include <string.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace vnetkit {

uint32_t NlIo::AddClient(Napi::Function on_events) {
  uint32_t id = next_client_++;
  clients_[id] = Napi::Persistent(on_events);
  return id;
}

void NlIo::Attach(int fd, uint32_t client) {
  fd_client_[fd].push_back(client);
  Push(Command{Command::kAttach, fd, 0, {}});
}
void NlIo::Send(int fd, std::vector<std::pair<std::vector<uint8_t>, uint32_t>> requests) {
  std::vector<Command> cmds;
  cmds.reserve(requests.size());
  for (auto& [data, token] : requests) cmds.push_back(Command{Command::kSend, fd, token, std::move(data)});
  PushAll(std::move(cmds));
}
void NlIo::Close(int fd) { Push(Command{Command::kClose, fd, 0, {}}); }

void NlIo::Ref(Napi::Env env) {
  if (refs_++ == 0) tsfn_.Ref(env);
}
void NlIo::Unref(Napi::Env env) {
  if (refs_ > 0 && --refs_ == 0) tsfn_.Unref(env);
}

void NlIo::DeliverToJs(Napi::Env env) {
  std::vector<Event> batch;
  {
    std::lock_guard<std::mutex> lock(ev_mu_);
    batch.swap(events_);
    delivery_scheduled_ = false;
  }
  Napi::HandleScope scope(env);
  // Per client, a flat array [fd, kind, payload, token, fd, kind, ...]: payload is a Uint8Array for
  // data, [errno, syscall] for errors. One call per batch keeps the JS boundary cheap for large dumps.
  // Datagrams are copied one after another (8-byte aligned) into shared ArrayBuffers of up to
  // kSharedBytes, each payload a view: one allocation (and one backing store for the GC to track)
  // per batch, not per datagram, which in a burst of a thousand requests is two per request (the
  // echo and the ACK). Whoever keeps a payload beyond the call copies it (Link does), so a view
  // never pins much memory.
  constexpr size_t kSharedBytes = 64 * 1024;
  Napi::ArrayBuffer shared;
  size_t shared_used = 0;
  size_t shared_size = 0;
  auto view_of = [&](size_t k) {
    const std::vector<uint8_t>& data = batch[k].data;
    size_t len = data.size();
    size_t aligned = (len + 7) & ~size_t{7};
    if (shared_size == 0 || shared_used + aligned > shared_size) {
      // What is left of this batch's data, capped: the last buffer is not larger than needed.
      size_t want = 0;
      for (size_t j = k; j < batch.size(); j++) {
        if (batch[j].kind == kData) want += (batch[j].data.size() + 7) & ~size_t{7};
        if (want >= kSharedBytes) break;
      }
      shared_size = std::max(aligned, std::min(want, kSharedBytes));
      shared = Napi::ArrayBuffer::New(env, shared_size);
      shared_used = 0;
    }
    if (len) memcpy(static_cast<uint8_t*>(shared.Data()) + shared_used, data.data(), len);
    auto view = Napi::Uint8Array::New(env, len, shared, shared_used);
    shared_used += aligned;
    return view;
  };
  std::unordered_map<uint32_t, std::pair<Napi::Array, uint32_t>> out;
  for (size_t k = 0; k < batch.size(); k++) {
    Event& ev = batch[k];
    auto owner = fd_client_.find(ev.fd);
    if (owner == fd_client_.end()) continue;
    uint32_t client = owner->second.front();
    if (ev.kind == kClosed) {
      owner->second.pop_front();
      if (owner->second.empty()) fd_client_.erase(owner);
    }
    auto slot = out.find(client);
    if (slot == out.end()) slot = out.emplace(client, std::make_pair(Napi::Array::New(env), 0u)).first;
    Napi::Array& arr = slot->second.first;
    uint32_t& i = slot->second.second;
    arr.Set(i++, Napi::Number::New(env, ev.fd));
    arr.Set(i++, Napi::Number::New(env, ev.kind));
    if (ev.kind == kData) {
      arr.Set(i++, view_of(k));
    } else if (ev.kind == kError) {
      Napi::Array e = Napi::Array::New(env, 2);
      e.Set(0u, Napi::Number::New(env, ev.err));
      e.Set(1u, Napi::String::New(env, ev.syscall ? ev.syscall : ""));
      arr.Set(i++, e);
    } else {
      arr.Set(i++, env.Null());
    }
    arr.Set(i++, Napi::Number::New(env, ev.token));
  }
  Napi::Value first_error;
  for (auto& [client, slot] : out) {
    auto it = clients_.find(client);
    if (it == clients_.end()) continue;
    try {
      it->second.Call({slot.first});
    } catch (const Napi::Error& e) {
      // A throwing handler must not cost the other clients their events; the first is rethrown.
      if (first_error.IsEmpty()) first_error = e.Value();
    }
  }
  if (!first_error.IsEmpty()) throw Napi::Error(env, first_error);
}

}  // namespace vnetkit
