// The thread that hashes and checks organizer passwords. Argon2id costs about
// 30 ms and 19 MiB a password by design: never on the database thread, where
// ballots would wait behind someone guessing passwords, nor on a network thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace psephos::server {

class PasswordWorker {
 public:
  // At most `max_queued` jobs wait: a flood of sign-ins is refused, not queued.
  explicit PasswordWorker(std::size_t max_queued = 64);
  ~PasswordWorker();  // Stop()
  PasswordWorker(const PasswordWorker&) = delete;
  PasswordWorker& operator=(const PasswordWorker&) = delete;

  // Runs `job` on the password thread, in order; false (and `job` dropped)
  // when `max_queued` jobs wait already, or once stopping.
  bool Post(std::function<void()> job);
  // Lets the job under way finish, drops the others, joins the thread.
  void Stop();

 private:
  void Run();

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace psephos::server
