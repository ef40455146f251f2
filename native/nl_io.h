// SPDX-License-Identifier: MIT
#pragma once
#include <napi.h>

#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tsfn_teardown.h"
#include "unique_fd.h"

namespace vnetkit {

// The one I/O thread: epoll over every netlink socket of every namespace, plus an eventfd for
// wake-ups. It does every sendmsg() because rtnetlink executes the request inside sendmsg() under
// rtnl_lock (and a device delete then waits for an RCU barrier), which must never happen on the Node
// main thread. Received datagrams are handed to JS in batches through one thread-safe function.
class NlIo {
 public:
  enum EventKind : uint32_t { kData = 0, kError = 1, kClosed = 2 };

  explicit NlIo(Napi::Env env);
  ~NlIo();
  NlIo(const NlIo&) = delete;
  NlIo& operator=(const NlIo&) = delete;

  // All of these are called on the main thread and only enqueue a command for the I/O thread.

  // A JS receiver of events. Each copy of the JS library (jest gives every test file its own module
  // registry and global object) registers its own, so events reach the copy that owns the socket.
  uint32_t AddClient(Napi::Function on_events);
  void Attach(int fd, uint32_t client);                   // takes ownership of fd
  // Queues requests for one socket, in order; one wake-up for all of them.
  void Send(int fd, std::vector<std::pair<std::vector<uint8_t>, uint32_t>> requests);
  void Close(int fd);                                     // closed on the I/O thread, then kClosed
  void Ref(Napi::Env env);
  void Unref(Napi::Env env);

 private:
  struct Command {
    enum Type { kAttach, kSend, kClose } type;
    int fd;
    uint32_t token;
    std::vector<uint8_t> data;
  };
  struct Outgoing {
    std::vector<uint8_t> data;
    uint32_t token;
  };
  struct Socket {
    UniqueFd fd;
    std::deque<Outgoing> sendq;
    bool want_out = false;     // waiting for EPOLLOUT after EAGAIN
    bool in_rotation = false;  // listed in rotation_
  };
  struct Event {
    int fd;
    EventKind kind;
    int err;
    uint32_t token;
    const char* syscall;
    std::vector<uint8_t> data;
  };

  void Push(Command cmd);
  void PushAll(std::vector<Command> cmds);
  void StopThread();
  void ThreadMain();
  void RunCommands();
  void Enqueue(int fd, Socket& s);
  void SendRound();
  void Flush(int fd, Socket& s, int limit);
  void WaitWritable(int fd, Socket& s);
  void Receive(int fd);
  void Emit(Event ev);
  void FlushEvents();
  void DeliverToJs(Napi::Env env);

  TsfnTeardown teardown_;
  UniqueFd epoll_;
  UniqueFd wake_;
  Napi::ThreadSafeFunction tsfn_;
  std::thread thread_;

  std::mutex cmd_mu_;
  std::vector<Command> commands_;
  bool stopping_ = false;

  std::unordered_map<int, Socket> sockets_;  // I/O thread only
  std::deque<int> rotation_;                 // I/O thread only: sockets with requests to send

  std::mutex ev_mu_;
  std::vector<Event> events_;        // batch being filled by the I/O thread
  bool delivery_scheduled_ = false;  // a tsfn call is queued and will take the whole batch
  std::vector<Event> local_events_;  // I/O thread only: events of the current loop turn

  uint32_t refs_ = 0;  // main thread only
  std::unordered_map<uint32_t, Napi::FunctionReference> clients_;  // main thread only
  // main thread only. A queue per fd number: a closed socket's number can be reused by a new one
  // before the old one's kClosed event has been delivered; each kClosed retires the oldest owner.
  std::unordered_map<int, std::deque<uint32_t>> fd_client_;
  uint32_t next_client_ = 1;
};

}  // namespace vnetkit
