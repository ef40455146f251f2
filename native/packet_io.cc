// SPDX-License-Identifier: MIT
#include "packet_io.h"
#include "fault.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "errors.h"
#include "js_callback.h"

namespace vnetkit {

namespace {
constexpr int kMaxEvents = 64;
// Packets read from one port per wakeup, so one busy device cannot starve the others.
constexpr int kReadsPerTurn = 64;
// Largest frame a tun read can return: 64 KiB GSO packet plus virtio-net header and packet info.
constexpr size_t kScratch = 65536 + 64;
// How long the thread polls after its last work before it blocks in epoll_wait: as long as it has
// been busy since it last slept, within these bounds (see ThreadMain).
constexpr std::chrono::microseconds kMinSpin{50};
constexpr std::chrono::microseconds kMaxSpin{500};
// Packets written before reading what they provoked and handing it to JS.
constexpr int kWritesPerHandoff = 32;

uint32_t GetLen(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t(p[3]) << 24); }
}  // namespace

PacketIo::PacketIo(Napi::Env env) : scratch_(kScratch) {
  epoll_.reset(Injected(Fault::kEpoll) ? -1 : epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) throw MakeSysError(env, errno, "epoll_create1");
  wake_.reset(Injected(Fault::kEventfd) ? -1 : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_.valid()) throw MakeSysError(env, errno, "eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;  // port ids start at 1
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev);
  tsfn_ = teardown_.Create(env, "vnetkit-packet-io", [this] { StopThread(); });
  thread_ = std::thread([this] { ThreadMain(); });
}

PacketIo::~PacketIo() {
  StopThread();
  teardown_.Retire(tsfn_);
  // Environment gone: nobody will take them back. Attached, still waiting to be attached, or
  // handed back in a kClosed event JS never received.
  for (auto& [id, p] : io_ports_) close(p->fd);
  for (auto& c : commands_) {
    if (c.type == Command::kAttach && c.port && !io_ports_.count(c.port->id)) close(c.port->fd);
  }
  for (auto& e : local_events_) if (e.kind == kClosed && e.fd >= 0) close(e.fd);
  for (auto& e : events_) if (e.kind == kClosed && e.fd >= 0) close(e.fd);
}

void PacketIo::StopThread() {
  stopping_ = true;
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void PacketIo::Push(Command cmd) {
  {
    std::lock_guard<std::mutex> lock(cmd_mu_);
    commands_.push_back(std::move(cmd));
  }
  // The eventfd is written only when the thread sleeps (and once per sleep): while it is busy or
  // spinning it sees has_commands_ by itself. Both flags are seq_cst, so either this side sees
  // sleeping_ or the thread sees has_commands_ before it blocks; a command is never stranded.
  has_commands_.store(true);
  if (sleeping_.load() && !wake_pending_.exchange(true)) {
    uint64_t one = 1;
    (void)!write(wake_.get(), &one, sizeof one);
  }
}

void PacketIo::ThreadMain() {
  epoll_event ready[kMaxEvents];
  auto last_work = std::chrono::steady_clock::now();
  auto awake_since = last_work;
  while (!stopping_) {
    // After work, poll for a while before blocking. JS usually answers a batch within tens of
    // microseconds but sometimes takes hundreds (a GC pause; on a VM, a halted vCPU that the host
    // is slow to run again), and a thread that has gone to sleep takes as long again to wake. So
    // the poll lasts as long as the thread has been awake (working, or polling between work) since
    // it last slept: kMinSpin after a lone packet, up to kMaxSpin in a steady flow, which then
    // rides out JS's slower answers. Once the flow stops, it polls kMaxSpin at most.
    auto now = std::chrono::steady_clock::now();
    auto spin_for = std::clamp(std::chrono::duration_cast<std::chrono::microseconds>(last_work - awake_since), kMinSpin, kMaxSpin);
    bool spin = now - last_work < spin_for;
    bool block = !spin && !has_commands_.load();
    if (block) sleeping_.store(true);
    int n = epoll_wait(epoll_.get(), ready, kMaxEvents, spin || has_commands_.load() ? 0 : -1);
    sleeping_.store(false);
    if (block) awake_since = std::chrono::steady_clock::now();
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; i++) {
      uint32_t id = static_cast<uint32_t>(ready[i].data.u64);
      uint64_t count;
      if (id == 0 && read(wake_.get(), &count, sizeof count) >= 0) wake_pending_.store(false);
      if (id == 0) continue;
      auto it = io_ports_.find(id);
      if (it == io_ports_.end()) continue;
      Port& p = *it->second;
      // tun_chr_poll reports EPOLLERR only once the device is gone.
      if ((ready[i].events & (EPOLLIN | EPOLLERR)) && p.reading) Receive(p);
      else if (ready[i].events & EPOLLERR) Fail(p, EBADFD, "read");
      if ((ready[i].events & EPOLLOUT) && p.want_out) {
        p.want_out = false;
        UpdateInterest(p);
        FlushWrites(p);
      }
    }
    bool work = n > 0;
    if (has_commands_.exchange(false)) work = true, RunCommands();
    FlushEvents();
    if (work) last_work = std::chrono::steady_clock::now();
    else if (spin) sched_yield();  // a thread waiting for this CPU (the main thread, say) goes first
  }
}

void PacketIo::RunCommands() {
  std::vector<Command> cmds;
  {
    std::lock_guard<std::mutex> lock(cmd_mu_);
    cmds.swap(commands_);
  }
  for (auto& cmd : cmds) {
    Port& p = *cmd.port;
    switch (cmd.type) {
      case Command::kAttach:
        io_ports_[p.id] = cmd.port;
        break;
      case Command::kRead:
      case Command::kPause:
        p.reading = cmd.type == Command::kRead;
        UpdateInterest(p);
        Receive(p);  // level-triggered epoll would report it too; this saves a turn
        break;
      case Command::kUnthrottle:
        p.throttled = false, UpdateInterest(p);
        break;
      case Command::kFlush:
        if (!p.want_out) FlushWrites(p);
        break;
      case Command::kClose: {
        if (!io_ports_.count(p.id)) break;
        p.want_out = false;
        FlushWrites(p);  // what JS wrote before close() goes out; EAGAIN now drops the rest
        if (p.drain_wanted.exchange(false)) Emit(Event{p.id, kDrain});
        p.reading = false, p.dead = true;
        UpdateInterest(p);
        io_ports_.erase(p.id);
        // The fd goes back to JS, which closes it on the namespace runner: the last close of a
        // non-persistent device unregisters it and waits ~17 ms for RCU, too long for this thread.
        Emit(Event{p.id, kClosed, 0, nullptr, 0, p.fd});
        break;
      }
    }
  }
}

// The port can do no more I/O (EBADFD: its device was deleted): report once and stop polling it.
void PacketIo::Fail(Port& p, int err, const char* call) {
  Emit(Event{p.id, kError, err, call, 1});
  p.dead = true;
  UpdateInterest(p);
}

void PacketIo::UpdateInterest(Port& p) {
  uint32_t want = 0;
  if (!p.dead) {
    if (p.reading && !p.throttled) want |= EPOLLIN;
    if (p.want_out) want |= EPOLLOUT;
  }
  if (want == p.events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = p.id;
  int op = p.events == 0 ? EPOLL_CTL_ADD : want == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
  if (epoll_ctl(epoll_.get(), op, p.fd, op == EPOLL_CTL_DEL ? nullptr : &ev) == 0 || op == EPOLL_CTL_DEL) {
    p.events = want;
  } else {
    p.dead = true;
    Emit(Event{p.id, kError, errno, "epoll_ctl", 1});
  }
}

void PacketIo::Receive(Port& p) {
  if (!p.reading || p.dead || p.throttled) return;
  {
    std::lock_guard<std::mutex> lock(ev_mu_);
    if (undelivered_[p.id] >= kMaxUndelivered) {
      p.throttled = true;
      UpdateInterest(p);
      return;
    }
  }
  Event batch{p.id, kPackets};
  for (int i = 0; i < kReadsPerTurn; i++) {
    ssize_t n = read(p.fd, scratch_.data(), scratch_.size());
    if (n > 0) {
      // The batch's memory goes to JS as it is (no copy), so it starts about as large as the last
      // one rather than growing by doubling, which would also leave up to half of it unused.
      if (batch.count == 0) batch.data.reserve(std::max(p.batch_bytes, static_cast<size_t>(n) + 4));
      PutLen(batch.data, static_cast<uint32_t>(n));
      batch.data.insert(batch.data.end(), scratch_.data(), scratch_.data() + n);
      batch.count++;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) Fail(p, errno, "read");
    break;
  }
  if (!batch.count) return;
  p.batch_bytes = batch.data.size();
  // A much smaller batch than the last would hold on to memory for as long as JS keeps a packet.
  if (batch.data.capacity() > 2 * batch.data.size() + 4096) batch.data.shrink_to_fit();
  Emit(std::move(batch));
}

void PacketIo::FlushWrites(Port& p) {
  p.flush_pending.store(false);  // cleared before taking: a later Write() schedules another flush
  int last_err = 0;
  uint32_t failed = 0;
  int since_handoff = 0;
  for (;;) {
    if (p.send_pos >= p.sending.size()) {
      p.sending.clear(), p.send_pos = 0;
      std::lock_guard<std::mutex> lock(p.out_mu);
      if (p.out.empty()) break;
      p.sending.swap(p.out);
    }
    size_t written = 0;
    while (p.send_pos < p.sending.size()) {
      uint32_t len = GetLen(&p.sending[p.send_pos]);
      // A dead port (device deleted) drops what is queued; errno is not consulted for it.
      ssize_t w = p.dead ? 0 : write(p.fd, &p.sending[p.send_pos + 4], len);
      int e = p.dead ? EBADFD : errno;
      if (w < 0 && e == EINTR) continue;
      if (w < 0 && e == EAGAIN) return p.queued -= written, p.want_out = true, UpdateInterest(p);
      // A refused packet (EIO: device down, EINVAL: malformed) is dropped, like a NIC would; JS
      // hears about it once per flush with a count, not once per packet.
      if (w < 0 || p.dead) last_err = e, failed++;
      p.send_pos += 4 + len;
      written += len;
      // A write into a tun often makes the kernel answer at once (an echo reply, an ARP reply):
      // read and hand over what came back every few packets, so JS works on the replies while this
      // thread is still writing, rather than the two threads taking turns.
      if (++since_handoff % kWritesPerHandoff == 0) Receive(p), FlushEvents();
    }
    p.queued -= written;
  }
  if (failed) Emit(Event{p.id, kError, last_err, "write", failed});
  if (p.queued.load() == 0 && p.drain_wanted.exchange(false)) Emit(Event{p.id, kDrain});
  Receive(p);
}

void PacketIo::Emit(Event ev) { local_events_.push_back(std::move(ev)); }

void PacketIo::FlushEvents() {
  if (local_events_.empty()) return;
  bool schedule = false;
  {
    std::lock_guard<std::mutex> lock(ev_mu_);
    for (auto& ev : local_events_) {
      if (ev.kind == kPackets) undelivered_[ev.port] += ev.count;
      events_.push_back(std::move(ev));
    }
    if (!delivery_scheduled_) delivery_scheduled_ = schedule = true;
  }
  local_events_.clear();
  if (schedule) tsfn_.NonBlockingCall([this](Napi::Env env, Napi::Function) { RunJsCallback(env, [&] { DeliverToJs(env); }); });
}

}  // namespace vnetkit
