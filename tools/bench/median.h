// Timing for benchmarks: the median of repeated runs, in milliseconds.
#pragma once

#include <time.h>

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

// The process's CPU time so far, in milliseconds: on a shared machine it
// varies far less with the load than wall-clock time does.
inline double CpuMs() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Timing {
  double wall_ms = 0;  // median wall-clock time
  double cpu_ms = 0;   // median CPU time of the process (every thread)
};

template <class F>
Timing Measure(int reps, F&& f) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> wall, cpu;
  for (int i = 0; i < reps; ++i) {
    const auto start = Clock::now();
    const double cpu_start = CpuMs();
    f();
    cpu.push_back(CpuMs() - cpu_start);
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return Timing{wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

}  // namespace psephos::bench
