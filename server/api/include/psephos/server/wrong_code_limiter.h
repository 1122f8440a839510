// How many wrong voter codes a client may send: a token bucket per key (a
// client address, or a device), sized so that hundreds of voters behind one
// school or library address never meet it, with waits that grow (never a
// lockout) for a key that keeps guessing once its bucket is empty.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace psephos::server {

struct WrongCodeLimits {
  // Wrong codes a key may send at once, and how fast that allowance comes back.
  double burst = 120;
  std::chrono::milliseconds refill_every{1000};  // one wrong code back per second: 60 a minute
  // Once the bucket was emptied, each further wrong code doubles the wait for
  // the next try, from refill_every up to this, until the key has been quiet
  // for the longer of a full refill and twice this.
  std::chrono::seconds max_wait{60};
};

class WrongCodeLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit WrongCodeLimiter(WrongCodeLimits limits = {}) : limits_(limits) {}

  // How long `key` must wait before its next code is looked at; nullopt: now.
  std::optional<std::chrono::seconds> Wait(const std::string& key, Clock::time_point now = Clock::now());
  // `count` wrong codes from `key` at `now`, which may be a moment ago (another
  // node's, read later): they count as of then.
  void Failed(const std::string& key, Clock::time_point now = Clock::now(), std::int64_t count = 1);

  std::size_t tracked_keys() const;

 private:
  struct Bucket {
    double tokens = 0;
    int strikes = 0;                   // wrong codes since the bucket was emptied
    Clock::time_point updated;
    Clock::time_point not_before;      // no code looked at before this
    Clock::time_point last_failure;
  };
  void Refill(Bucket& b, Clock::time_point now) const;
  void Sweep(Clock::time_point now);  // forgets full buckets (at most once a second); mu_ held

  const WrongCodeLimits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // only keys with a wrong code not yet forgiven
  Clock::time_point last_sweep_;
};

}  // namespace psephos::server
