// SPDX-License-Identifier: MIT
// PacketIo, main-thread half: what JS calls, and the delivery of the I/O thread's events to JS.
// The I/O thread's half is in packet_io.cc.
#include <errno.h>
#include <string.h>
#include <uv.h>

#include "addon.h"
#include "packet_io.h"

namespace vnetkit {

void PacketIo::Hold(Napi::Env env) { if (holds_++ == 0) tsfn_.Ref(env); }
void PacketIo::Release(Napi::Env env) { if (holds_ > 0 && --holds_ == 0) tsfn_.Unref(env); }

uint32_t PacketIo::Attach(int fd, Napi::Function on_event) {
  auto port = std::make_shared<Port>();
  port->id = next_port_++, port->fd = fd;
  js_ports_[port->id] = JsPort{port, Napi::Persistent(on_event)};
  Push(Command{Command::kAttach, port});
  return port->id;
}

void PacketIo::SetReading(uint32_t id, bool on) {
  auto it = js_ports_.find(id);
  if (it == js_ports_.end() || it->second.closing || it->second.reading == on) return;
  it->second.reading = on;
  on ? Hold(it->second.callback.Env()) : Release(it->second.callback.Env());
  Push(Command{on ? Command::kRead : Command::kPause, it->second.port});
}

double PacketIo::Write(uint32_t id, const std::vector<std::pair<const uint8_t*, size_t>>& packets) {
  auto it = js_ports_.find(id);
  if (it == js_ports_.end() || it->second.closing) return -1;
  Port& p = *it->second.port;
  size_t queued;
  bool hold = false;
  {
    std::lock_guard<std::mutex> lock(p.out_mu);
    size_t bytes = 0;
    for (auto& [data, len] : packets) {
      PutLen(p.out, static_cast<uint32_t>(len));
      p.out.insert(p.out.end(), data, data + len);
      bytes += len;
    }
    queued = p.queued += bytes;
    // Every write holds the loop until the queue is written out (a script that writes and ends
    // must not exit first); kDrain releases it. Set under the lock, after counting, so the thread
    // cannot miss it when the queue empties.
    if (!p.drain_wanted.exchange(true)) hold = true;
  }
  if (hold) Hold(it->second.callback.Env());
  if (!p.flush_pending.exchange(true)) Push(Command{Command::kFlush, it->second.port});
  return static_cast<double>(queued);
}

void PacketIo::Close(uint32_t id) {
  auto it = js_ports_.find(id);
  if (it == js_ports_.end() || it->second.closing) return;
  JsPort& js = it->second;
  if (js.reading) Release(js.callback.Env());
  js.reading = false, js.closing = true;
  Hold(js.callback.Env());  // until kClosed reaches JS
  Push(Command{Command::kClose, js.port});
}

void PacketIo::DeliverToJs(Napi::Env env) {
  std::vector<Event> batch;
  std::vector<std::shared_ptr<Port>> unthrottle;
  {
    std::lock_guard<std::mutex> lock(ev_mu_);
    batch.swap(events_);
    for (auto& [id, n] : undelivered_) {
      auto it = js_ports_.find(id);
      if (n >= kMaxUndelivered && it != js_ports_.end()) unthrottle.push_back(it->second.port);
    }
    undelivered_.clear(), delivery_scheduled_ = false;
  }
  for (auto& port : unthrottle) Push(Command{Command::kUnthrottle, port});
  Napi::HandleScope scope(env);
  Napi::Value first_error;
  for (auto& ev : batch) {
    auto it = js_ports_.find(ev.port);
    if (it == js_ports_.end()) continue;
    Napi::Function cb = it->second.callback.Value();
    std::vector<napi_value> args{Napi::Number::New(env, ev.kind)};
    if (ev.kind == kPackets) {
      // The batch's own memory becomes the Buffer (freed when JS drops its last packet of it):
      // copying it cost the main thread a fresh allocation, its page faults and a memcpy per batch,
      // a sixth of JS's time per packet when JS and the packet thread share one CPU.
      auto* owned = new std::vector<uint8_t>(std::move(ev.data));
      args.push_back(Napi::Buffer<uint8_t>::NewOrCopy(env, owned->data(), owned->size(),
                                                      [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; }, owned));
      args.push_back(Napi::Number::New(env, ev.count));
    } else if (ev.kind == kError) {
      args.push_back(Napi::Number::New(env, ev.err));
      args.push_back(Napi::String::New(env, ev.syscall));
      args.push_back(Napi::Number::New(env, ev.count));
      // libuv has no name for EBADFD, the errno a deleted device gives; JS matches on the name.
      args.push_back(Napi::String::New(env, ev.err == EBADFD ? "EBADFD" : uv_err_name(-ev.err)));
      args.push_back(Napi::String::New(env, strerror(ev.err)));
    } else if (ev.kind == kClosed) {
      HandOverFd(env, ev.fd);  // JS's again, to close (tunClose) or reattach
      args.push_back(Napi::Number::New(env, ev.fd));
      js_ports_.erase(it);
    }
    if (ev.kind == kClosed || ev.kind == kDrain) Release(env);
    try {
      cb.Call(args);
    } catch (const Napi::Error& e) {
      // A throwing handler must not cost other ports their events; rethrow the first at the end.
      if (first_error.IsEmpty()) first_error = e.Value();
    }
  }
  if (!first_error.IsEmpty()) Napi::Error(env, first_error).ThrowAsJavaScriptException();
}

}  // namespace vnetkit
