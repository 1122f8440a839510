#include "psephos/server/wrong_code_limiter.h"

#include <algorithm>
#include <cmath>

namespace psephos::server {

// Beyond this many keys, full buckets are forgotten before a new one is made.
constexpr std::size_t kSweepAbove = 100000;

void WrongCodeLimiter::Refill(Bucket& b, Clock::time_point now) const {
  if (now <= b.updated) return;
  const double earned = std::chrono::duration<double>(now - b.updated) /
                        std::chrono::duration<double>(limits_.refill_every);
  b.tokens = std::min(limits_.burst, b.tokens + earned);
  b.updated = now;
  // A key that kept guessing is forgiven only after a quiet spell longer
  // than any wait it was given; the waits themselves earn it nothing.
  const auto quiet = std::max<Clock::duration>(
      std::chrono::duration_cast<Clock::duration>(limits_.refill_every * static_cast<std::int64_t>(limits_.burst)),
      2 * std::chrono::duration_cast<Clock::duration>(limits_.max_wait));
  if (b.strikes > 0 && now - b.last_failure >= quiet) {
    b.strikes = 0;
    b.tokens = limits_.burst;
  }
}

std::optional<std::chrono::seconds> WrongCodeLimiter::Wait(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) return std::nullopt;
  Bucket& b = it->second;
  Refill(b, now);
  if (now < b.not_before) {
    return std::chrono::ceil<std::chrono::seconds>(b.not_before - now);
  }
  if (b.tokens >= 1 || b.strikes > 0) return std::nullopt;
  return std::chrono::ceil<std::chrono::seconds>(
      std::chrono::duration<double>((1 - b.tokens) * std::chrono::duration<double>(limits_.refill_every)));
}

void WrongCodeLimiter::Failed(const std::string& key, Clock::time_point now, std::int64_t count) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kSweepAbove && now - last_sweep_ >= std::chrono::seconds(1)) Sweep(now);
    it = buckets_.emplace(key, Bucket{limits_.burst, 0, now, now, now}).first;
  }
  Bucket& b = it->second;
  Refill(b, now);
  b.last_failure = std::max(b.last_failure, now);
  // A batch larger than a bucket and its longest wait changes nothing more.
  count = std::min<std::int64_t>(count, static_cast<std::int64_t>(limits_.burst) + 64);
  for (std::int64_t i = 0; i < count; ++i) {
    b.tokens = std::max(0.0, b.tokens - 1);
    if (b.tokens >= 1 && b.strikes == 0) continue;
    // Emptied once: until the bucket is full again, the wait before the next
    // try doubles with every wrong code.
    const auto base = std::chrono::duration<double>(limits_.refill_every);
    const double factor = std::pow(2.0, std::min(b.strikes, 20));
    const auto wait = std::min(base * factor, std::chrono::duration<double>(limits_.max_wait));
    b.not_before = std::max(b.not_before, now + std::chrono::duration_cast<Clock::duration>(wait));
    ++b.strikes;
  }
}

void WrongCodeLimiter::Sweep(Clock::time_point now) {
  last_sweep_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    Refill(it->second, now);
    if (it->second.tokens >= limits_.burst && it->second.strikes == 0 && now >= it->second.not_before) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t WrongCodeLimiter::tracked_keys() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace psephos::server
