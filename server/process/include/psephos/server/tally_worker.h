// The thread that counts closed processes, and builds what else takes a city's
// ballots at once (a bundle, a .pb export). A count can take seconds: neither
// the database thread nor a network thread ever waits for one, so every other
// process keeps voting meanwhile.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/server/process.h"

namespace psephos::server {

class TallyWorker {
 public:
  // The results of TallyProcess, or nullopt when the worker stopped first
  // (the count is then redone at the next start: the close is on disk).
  using Done = std::function<void(std::optional<Result<nlohmann::json>>)>;

  TallyWorker();
  ~TallyWorker();  // Stop()
  TallyWorker(const TallyWorker&) = delete;
  TallyWorker& operator=(const TallyWorker&) = delete;

  // Counts `ballots` (canonical JSON, one per voter; `groups`: each one's
  // interest-holder group, or empty) with TallyProcess, one process at a time
  // in the order asked; `done` runs on the counting thread.
  void Count(ProcessDefinition definition, std::vector<std::string> ballots, std::vector<std::string> groups,
             Done done);
  // Any other long work (a city's bundle, a .pb export), in turn with the
  // counts: `work` runs on the counting thread, then `done` with its result.
  void Work(std::function<Result<nlohmann::json>()> work, Done done);
  // Does not wait for a count under way (it cannot be interrupted): every
  // count not finished gets done(nullopt) here, and no `done` runs after this returns.
  void Stop();

 private:
  struct Job {
    std::function<Result<nlohmann::json>()> work;
    Done done;
  };
  // Shared with the thread, which may outlive the worker when stopped mid-count.
  struct Shared {
    std::mutex mutex;    // guards the members below
    std::mutex calling;  // held while a `done` runs
    std::condition_variable wake;
    std::deque<Job> queue;
    std::optional<Done> running;  // the `done` of the count under way
    bool stopping = false;
  };
  static void Run(std::shared_ptr<Shared> shared);

  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace psephos::server
