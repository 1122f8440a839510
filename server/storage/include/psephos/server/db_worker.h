// The one thread that touches the database. Network threads hand it jobs and
// are called back when the work is durable; ballots queued together are
// committed together (group commit: one fsync for many ballots).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <variant>

#include "psephos/server/storage.h"

namespace psephos::server {

class DbWorker {
 public:
  using Job = std::function<void(Storage&)>;
  using BallotDone = std::function<void(Result<AppendResult>)>;

  explicit DbWorker(Storage& storage, std::size_t max_batch = 512);
  ~DbWorker();  // Stop()
  DbWorker(const DbWorker&) = delete;
  DbWorker& operator=(const DbWorker&) = delete;

  // Runs `job` on the database thread, in order with everything else; false
  // (and `job` dropped) once stopping.
  bool Post(Job job);
  // Stores a ballot; `done` runs on the database thread after the commit.
  void AppendBallot(BallotToStore ballot, BallotDone done);
  // Returns once every job posted before it has run (at once when stopped).
  // Not from the database thread.
  void Drain();
  // Finishes every queued job, then stops the thread. Later posts are refused
  // (ballots get an error, jobs are dropped).
  void Stop();

 private:
  struct BallotJob {
    BallotToStore ballot;
    BallotDone done;
  };
  void Run();
  void CommitBallots(std::deque<std::variant<Job, BallotJob>>& queue);

  Storage& storage_;
  const std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::variant<Job, BallotJob>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace psephos::server
