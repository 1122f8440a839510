// Milliseconds since the Unix epoch: when a ballot, batch or device was recorded.
#pragma once

#include <chrono>
#include <cstdint>

namespace psephos::server {

inline std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace psephos::server
