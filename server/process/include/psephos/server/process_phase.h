// What a process is doing, as the API reports it ("state"): its stored state
// (storage.h) refined by what is under way in memory.
#pragma once

#include <optional>
#include <string_view>

namespace psephos::server {

enum class ProcessPhase {
  kDraft,
  kOpen,
  kClosing,   // no ballot is taken any more; the close is being written
  kTallying,  // closed for good (on disk); the ballots are being counted
  kClosed,    // closed and counted
  kPublished,
};
const char* ProcessPhaseName(ProcessPhase phase);
std::optional<ProcessPhase> ParseProcessPhase(std::string_view name);

}  // namespace psephos::server
