// SPDX-License-Identifier: MIT
#include "nl_io.h"
#include "fault.h"

#include <errno.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"
#include "js_callback.h"

namespace vnetkit {

namespace {
constexpr int kMaxEvents = 64;
// Datagrams read from one socket per loop turn, so one busy dump cannot starve other sockets.
constexpr int kReadsPerTurn = 64;
// Received datagrams handed to JS at once while a long send queue is being worked through.
constexpr size_t kEventsPerHandoff = 16;
// Requests one socket sends per round before the next socket's turn.
constexpr int kSendsPerRound = 8;
}  // namespace

NlIo::NlIo(Napi::Env env) {
  epoll_.reset(Injected(Fault::kEpoll) ? -1 : epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) throw MakeSysError(env, errno, "epoll_create1");
  wake_.reset(Injected(Fault::kEventfd) ? -1 : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_.valid()) throw MakeSysError(env, errno, "eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_.get();
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev);
  // JS refs the function only while requests are pending or a subscription is active.
  tsfn_ = teardown_.Create(env, "vnetkit-nl-io", [this] { StopThread(); });
  thread_ = std::thread([this] { ThreadMain(); });
}

NlIo::~NlIo() {
  StopThread();
  teardown_.Retire(tsfn_);
}

void NlIo::StopThread() {
  {
    std::lock_guard<std::mutex> lock(cmd_mu_);
    stopping_ = true;
  }
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void NlIo::Push(Command cmd) {
  std::vector<Command> one;
  one.push_back(std::move(cmd));
  PushAll(std::move(one));
}

void NlIo::PushAll(std::vector<Command> cmds) {
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(cmd_mu_);
    was_empty = commands_.empty();
    if (was_empty) {
      commands_.swap(cmds);
    } else {
      for (auto& c : cmds) commands_.push_back(std::move(c));
    }
  }
  // Only the first command of a batch wakes the thread: the write is a system call (~5-9 us on this
  // VM) that a burst of a thousand requests paid once per request. The thread reads the eventfd
  // before it takes the whole queue, so a command pushed behind others is taken by that same swap
  // or, once the queue is empty again, makes its own wake-up.
  if (!was_empty) return;
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
}

void NlIo::ThreadMain() {
  // A burst keeps this thread busy inside the kernel (each rtnetlink request runs in sendmsg). On a
  // small machine it would then compete with the Node main thread for a core; a lower priority lets
  // the event loop win, which is the point of having this thread at all.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 5);
  epoll_event ready[kMaxEvents];
  for (;;) {
    // While sockets have requests queued, only peek at epoll: sending goes on in rounds.
    int n = epoll_wait(epoll_.get(), ready, kMaxEvents, rotation_.empty() ? -1 : 0);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; i++) {
      int fd = ready[i].data.fd;
      if (fd == wake_.get()) {
        uint64_t count;
        (void)!read(wake_.get(), &count, sizeof count);
        continue;
      }
      auto it = sockets_.find(fd);
      if (it == sockets_.end()) continue;
      if (ready[i].events & (EPOLLIN | EPOLLERR)) Receive(fd);
      it = sockets_.find(fd);
      if (it != sockets_.end() && (ready[i].events & EPOLLOUT) && it->second.want_out) {
        it->second.want_out = false;
        epoll_event in{};
        in.events = EPOLLIN;
        in.data.fd = fd;
        epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &in);
        Enqueue(fd, it->second);
      }
    }
    {
      std::lock_guard<std::mutex> lock(cmd_mu_);
      if (stopping_) break;
    }
    RunCommands();
    SendRound();
    FlushEvents();
  }
  sockets_.clear();  // closes every fd still attached
  // ...and those whose attach was still queued: JS handed them over already.
  std::lock_guard<std::mutex> lock(cmd_mu_);
  for (auto& cmd : commands_) {
    if (cmd.type == Command::kAttach) close(cmd.fd);
  }
  commands_.clear();
}

void NlIo::RunCommands() {
  std::vector<Command> cmds;
  {
    std::lock_guard<std::mutex> lock(cmd_mu_);
    cmds.swap(commands_);
  }
  for (auto& cmd : cmds) {
    switch (cmd.type) {
      case Command::kAttach: {
        Socket& s = sockets_[cmd.fd];
        s.fd.reset(cmd.fd);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = cmd.fd;
        if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, cmd.fd, &ev) != 0) {
          Emit(Event{cmd.fd, kError, errno, 0, "epoll_ctl", {}});
        }
        break;
      }
      case Command::kSend: {
        auto it = sockets_.find(cmd.fd);
        if (it == sockets_.end()) {
          Emit(Event{cmd.fd, kError, EBADF, cmd.token, "sendmsg", {}});
          break;
        }
        it->second.sendq.push_back(Outgoing{std::move(cmd.data), cmd.token});
        Enqueue(cmd.fd, it->second);
        break;
      }
      case Command::kClose: {
        if (cmd.fd < 0) break;
        auto it = sockets_.find(cmd.fd);
        if (it == sockets_.end()) break;
        epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, cmd.fd, nullptr);
        sockets_.erase(it);  // closes the fd; unsent requests are dropped, JS fails them on kClosed
        Emit(Event{cmd.fd, kClosed, 0, 0, "close", {}});
        break;
      }
    }
  }
}

void NlIo::Enqueue(int fd, Socket& s) {
  if (s.in_rotation || s.want_out || s.sendq.empty()) return;
  s.in_rotation = true;
  rotation_.push_back(fd);
}

// One round: each socket with queued requests sends a few. Interleaving sockets (and picking up
// new commands between rounds) lets a follow-up on namespace B's socket go out while a long queue
// of creates on A's is still being worked through, instead of after all of it.
void NlIo::SendRound() {
  for (size_t n = rotation_.size(); n > 0; n--) {
    int fd = rotation_.front();
    rotation_.pop_front();
    auto it = sockets_.find(fd);
    if (it == sockets_.end()) continue;
    it->second.in_rotation = false;
    Flush(fd, it->second, kSendsPerRound);
    it = sockets_.find(fd);
    if (it != sockets_.end()) Enqueue(fd, it->second);
  }
}

void NlIo::Flush(int fd, Socket& s, int limit) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (int sent = 0; sent < limit && !s.sendq.empty(); sent++) {
    Outgoing& out = s.sendq.front();
    iovec iov{out.data.data(), out.data.size()};
    msghdr msg{};
    msg.msg_name = &kernel;
    msg.msg_namelen = sizeof kernel;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t rc = Injected(Fault::kSendmsg) ? -1 : sendmsg(fd, &msg, MSG_DONTWAIT);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      WaitWritable(fd, s);
      return;
    }
    if (rc < 0) Emit(Event{fd, kError, errno, out.token, "sendmsg", {}});
    s.sendq.pop_front();
    // Replies to what was just sent are already queued by the kernel; read them before sending
    // more so a long pipeline cannot overrun the receive buffer, and hand them to JS now rather
    // than after the whole queue: JS then issues follow-up requests (set up, get) while the kernel
    // is still busy with this queue, instead of the two taking turns.
    Receive(fd);
    if (local_events_.size() >= kEventsPerHandoff) FlushEvents();
  }
}

// The socket refused more (EAGAIN): leave the rotation and wait for EPOLLOUT.
void NlIo::WaitWritable(int fd, Socket& s) {
  s.want_out = true;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.fd = fd;
  epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
}

void NlIo::Receive(int fd) {
  for (int i = 0; i < kReadsPerTurn; i++) {
    // Size each read to the datagram (MSG_PEEK|MSG_TRUNC returns its real length) so a large dump
    // part is never truncated, whatever the kernel's page size.
    ssize_t len = recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (len < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) Emit(Event{fd, kError, errno, 0, "recvmsg", {}});
      if (errno == ENOBUFS) continue;  // the overrun is reported; the socket still works
      return;
    }
    std::vector<uint8_t> buf(len > 0 ? static_cast<size_t>(len) : 1);
    sockaddr_nl from{};
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t got = Injected(Fault::kRecvmsg) ? -1 : recvmsg(fd, &msg, MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR || errno == ENOBUFS) {
        if (errno == ENOBUFS) Emit(Event{fd, kError, ENOBUFS, 0, "recvmsg", {}});
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) Emit(Event{fd, kError, errno, 0, "recvmsg", {}});
      return;
    }
    if (from.nl_pid != 0) continue;  // only the kernel may talk to us
    if (msg.msg_flags & MSG_TRUNC) {
      Emit(Event{fd, kError, EMSGSIZE, 0, "recvmsg", {}});
      continue;
    }
    buf.resize(static_cast<size_t>(got));
    Emit(Event{fd, kData, 0, 0, nullptr, std::move(buf)});
  }
}

void NlIo::Emit(Event ev) { local_events_.push_back(std::move(ev)); }

void NlIo::FlushEvents() {
  if (local_events_.empty()) return;
  bool schedule = false;
  {
    std::lock_guard<std::mutex> lock(ev_mu_);
    for (auto& ev : local_events_) events_.push_back(std::move(ev));
    if (!delivery_scheduled_) delivery_scheduled_ = schedule = true;
  }
  local_events_.clear();
  if (schedule) {
    tsfn_.NonBlockingCall([this](Napi::Env env, Napi::Function) { RunJsCallback(env, [&] { DeliverToJs(env); }); });
  }
}

}  // namespace vnetkit
