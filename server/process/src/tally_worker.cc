#include "psephos/server/tally_worker.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <tuple>

#include "psephos/server/crash_log.h"

namespace psephos::server {

TallyWorker::TallyWorker() : shared_(std::make_shared<Shared>()), thread_([shared = shared_] { Run(shared); }) {}

TallyWorker::~TallyWorker() { Stop(); }

void TallyWorker::Count(ProcessDefinition definition, std::vector<std::string> ballots,
                        std::vector<std::string> groups, Done done) {
  auto job = std::make_shared<std::tuple<ProcessDefinition, std::vector<std::string>, std::vector<std::string>>>(
      std::move(definition), std::move(ballots), std::move(groups));
  Work(
      [job] {
        auto results = TallyProcess(std::get<0>(*job), std::get<1>(*job), std::get<2>(*job));
        std::get<1>(*job) = {};  // the memory goes back before `done` runs
        std::get<2>(*job) = {};
        return results;
      },
      std::move(done));
}

void TallyWorker::Work(std::function<Result<nlohmann::json>()> work, Done done) {
  {
    std::lock_guard lock(shared_->mutex);
    if (!shared_->stopping) {
      shared_->queue.push_back(Job{std::move(work), std::move(done)});
      shared_->wake.notify_one();
      return;
    }
  }
  done(std::nullopt);
}

void TallyWorker::Stop() {
  std::vector<Done> abandoned;
  bool busy = false;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
    for (auto& job : shared_->queue) abandoned.push_back(std::move(job.done));
    shared_->queue.clear();
    if (shared_->running) {
      abandoned.push_back(std::move(*shared_->running));
      shared_->running.reset();
      busy = true;
    }
  }
  shared_->wake.notify_one();
  { std::lock_guard wait_for_done(shared_->calling); }  // a `done` under way finishes first
  if (thread_.joinable()) {
    // A count under way finishes on its own and finds nobody to tell.
    if (busy) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }
  for (auto& done : abandoned) done(std::nullopt);
}

void TallyWorker::Run(std::shared_ptr<Shared> shared) {
  PrepareThreadForCrashLog();
  pthread_setname_np(pthread_self(), "psephos-tally");  // as top and ps show it
  // Counting yields the CPU to the threads that answer voters (Linux: per-thread nice).
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(shared->mutex);
      shared->wake.wait(lock, [&] { return shared->stopping || !shared->queue.empty(); });
      if (shared->stopping) return;
      job = std::move(shared->queue.front());
      shared->queue.pop_front();
      shared->running = std::move(job.done);
    }
    auto results = job.work();
    job.work = nullptr;
    std::lock_guard calling(shared->calling);  // Stop() does not return while `done` runs
    Done done;
    {
      std::lock_guard lock(shared->mutex);
      if (!shared->running) return;  // stopped meanwhile: Stop() has answered
      done = std::move(*shared->running);
      shared->running.reset();
    }
    done(std::move(results));
  }
}

}  // namespace psephos::server
