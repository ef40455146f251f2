// SPDX-License-Identifier: MIT
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tsfn_teardown.h"
#include "unique_fd.h"

namespace vnetkit {

// One thread moving packets for every packet fd (tun/tap queues of every namespace): epoll plus an
// eventfd. read()/write() on a tun fd run the kernel's receive path (a write to a tun can run the
// whole IP stack, an ICMP reply included), so they stay off the Node main thread and off the libuv
// pool, which fs streams would tie up. Packets reach JS in batches, one Buffer per port per batch:
// [u32 length][bytes] repeated. Separate from the netlink I/O thread so a slow rtnetlink request
// never stalls packet flow, and the other way round.
//
// This file's half runs on the I/O thread (packet_io.cc); the main-thread half (the JS-facing calls
// and the delivery of events to JS) is in packet_io_js.cc.
class PacketIo {
 public:
  enum EventKind : uint32_t { kPackets = 0, kError = 1, kClosed = 2, kDrain = 3 };

  explicit PacketIo(Napi::Env env);
  ~PacketIo();
  PacketIo(const PacketIo&) = delete;
  PacketIo& operator=(const PacketIo&) = delete;

  // Main thread only. A port owns `fd` until Close() hands it back in its kClosed event. Ports get
  // fresh ids, so a recycled fd number can never receive another port's events.
  uint32_t Attach(int fd, Napi::Function on_event);
  void SetReading(uint32_t port, bool on);
  // Copies the packets into the port's queue; returns the bytes now queued, or -1 for a closed port.
  // A kDrain event follows once the queue has been written out (JS waits for it above the mark).
  double Write(uint32_t port, const std::vector<std::pair<const uint8_t*, size_t>>& packets);
  void Close(uint32_t port);

 private:
  // Undelivered packets per port before reading stops until JS has taken them (memory bound when the
  // main thread is busy; the kernel queue then fills and drops, as a NIC ring would).
  static constexpr size_t kMaxUndelivered = 8192;

  struct Port {
    uint32_t id = 0;
    int fd = -1;
    std::mutex out_mu;
    std::vector<uint8_t> out;  // [u32 length][bytes]... accepted from JS, not yet taken by the thread
    std::atomic<size_t> queued{0};
    std::atomic<bool> drain_wanted{false};
    std::atomic<bool> flush_pending{false};  // a kFlush command is on its way
    // I/O thread only.
    std::vector<uint8_t> sending;
    size_t send_pos = 0;
    size_t batch_bytes = 0;  // the last read batch's size: the next one's first allocation
    bool reading = false;
    bool want_out = false;
    bool throttled = false;  // too much undelivered: EPOLLIN off until JS takes the batch
    bool dead = false;       // EPOLLERR/EBADFD: the device is gone; no more polling
    uint32_t events = 0;     // current epoll interest
  };
  struct Command {
    enum Type { kAttach, kRead, kPause, kFlush, kClose, kUnthrottle } type;
    std::shared_ptr<Port> port;
  };
  struct Event {
    Event(uint32_t p, EventKind k, int e = 0, const char* call = nullptr, uint32_t n = 0, int f = -1)
        : port(p), kind(k), err(e), syscall(call), count(n), fd(f) {}
    uint32_t port;
    EventKind kind;
    int err;
    const char* syscall;
    uint32_t count;             // kPackets: packets in data; kError: packets it concerns
    int fd;                     // kClosed: the fd handed back
    std::vector<uint8_t> data;  // kPackets: [u32 length][bytes]...
  };
  void Push(Command cmd);
  void Hold(Napi::Env env);
  void Release(Napi::Env env);
  void StopThread();
  void ThreadMain();
  void RunCommands();
  void UpdateInterest(Port& p);
  void Fail(Port& p, int err, const char* call);
  void Receive(Port& p);
  void FlushWrites(Port& p);
  void Emit(Event ev);
  void FlushEvents();
  void DeliverToJs(Napi::Env env);

  TsfnTeardown teardown_;
  UniqueFd epoll_;
  UniqueFd wake_;
  std::atomic<bool> wake_pending_{false};  // an eventfd write is on its way
  std::atomic<bool> sleeping_{false};      // the thread is (about to be) blocked in epoll_wait
  std::atomic<bool> has_commands_{false};
  std::atomic<bool> stopping_{false};
  Napi::ThreadSafeFunction tsfn_;
  std::thread thread_;

  std::mutex cmd_mu_;
  std::vector<Command> commands_;

  std::unordered_map<uint32_t, std::shared_ptr<Port>> io_ports_;  // I/O thread only
  std::vector<uint8_t> scratch_;                                  // I/O thread only: one read()
  std::vector<Event> local_events_;                               // I/O thread only

  std::mutex ev_mu_;
  std::vector<Event> events_;
  std::unordered_map<uint32_t, size_t> undelivered_;  // under ev_mu_: packets per port not yet in JS
  bool delivery_scheduled_ = false;

  // Main thread only. Holds keep the loop alive: a port reading, a drain or a close awaited.
  struct JsPort {
    std::shared_ptr<Port> port;
    Napi::FunctionReference callback;
    bool reading = false;
    bool closing = false;
  };
  std::unordered_map<uint32_t, JsPort> js_ports_;
  uint32_t holds_ = 0;
  uint32_t next_port_ = 1;
};

// Frames in a packet buffer: [u32 length, little-endian][bytes].
inline void PutLen(std::vector<uint8_t>& v, uint32_t n) { v.insert(v.end(), {uint8_t(n), uint8_t(n >> 8), uint8_t(n >> 16), uint8_t(n >> 24)}); }

}  // namespace vnetkit
