// Timing for benchmarks: the median of repeated runs, in milliseconds.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace psephos::bench {

template <class F>
double MedianMs(int reps, F&& f) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto start = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace psephos::bench
