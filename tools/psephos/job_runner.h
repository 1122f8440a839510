// Runs the engine's independent jobs (RuleOptions::run_jobs) on threads of
// their own: the engine starts none itself.
#pragma once

#include <functional>
#include <thread>
#include <vector>

#include "psephos/engine/rules.h"

namespace psephos::cli {

inline engine::JobRunner ThreadRunner() {
  return [](const std::vector<std::function<void()>>& jobs) {
    std::vector<std::jthread> threads;
    for (std::size_t i = 1; i < jobs.size(); ++i) threads.emplace_back(jobs[i]);
    if (!jobs.empty()) jobs[0]();
  };  // the jthreads join here
}

}  // namespace psephos::cli
