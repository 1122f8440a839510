#include "psephos/server/db_worker.h"

#include "psephos/server/crash_log.h"

namespace psephos::server {

DbWorker::DbWorker(Storage& storage, std::size_t max_batch)
    : storage_(storage), max_batch_(max_batch), thread_([this] {
        PrepareThreadForCrashLog();
        Run();
      }) {}

DbWorker::~DbWorker() { Stop(); }

bool DbWorker::Post(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    queue_.emplace_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void DbWorker::AppendBallot(BallotToStore ballot, BallotDone done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.emplace_back(BallotJob{std::move(ballot), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(Status::Invalid("the server is shutting down"));
}

void DbWorker::Drain() {
  auto drained = std::make_shared<std::promise<void>>();
  auto future = drained->get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.emplace_back(Job([drained](Storage&) { drained->set_value(); }));
  }
  wake_.notify_one();
  future.wait();
}

void DbWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DbWorker::Run() {
  for (;;) {
    std::deque<std::variant<Job, BallotJob>> work;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      work.swap(queue_);
    }
    while (!work.empty()) {
      if (std::holds_alternative<Job>(work.front())) {
        Job job = std::move(std::get<Job>(work.front()));
        work.pop_front();
        job(storage_);
      } else {
        CommitBallots(work);
      }
    }
  }
}

// Takes the run of ballots at the front of `queue` (at most max_batch_) and
// commits them in one transaction, keeping their order against other jobs.
void DbWorker::CommitBallots(std::deque<std::variant<Job, BallotJob>>& queue) {
  std::vector<BallotToStore> batch;
  std::vector<BallotDone> done;
  while (!queue.empty() && batch.size() < max_batch_ && std::holds_alternative<BallotJob>(queue.front())) {
    auto& job = std::get<BallotJob>(queue.front());
    batch.push_back(std::move(job.ballot));
    done.push_back(std::move(job.done));
    queue.pop_front();
  }
  auto results = storage_.AppendBallots(batch);
  for (std::size_t i = 0; i < done.size(); ++i) {
    if (results.ok()) {
      done[i]((*results)[i]);
    } else {
      done[i](results.status());
    }
  }
}

}  // namespace psephos::server
