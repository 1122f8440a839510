#include "psephos/server/process_phase.h"

namespace psephos::server {

const char* ProcessPhaseName(ProcessPhase phase) {
  switch (phase) {
    case ProcessPhase::kDraft: return "draft";
    case ProcessPhase::kOpen: return "open";
    case ProcessPhase::kClosing: return "closing";
    case ProcessPhase::kTallying: return "tallying";
    case ProcessPhase::kClosed: return "closed";
    case ProcessPhase::kPublished: return "published";
  }
  return "?";
}

std::optional<ProcessPhase> ParseProcessPhase(std::string_view name) {
  for (auto p : {ProcessPhase::kDraft, ProcessPhase::kOpen, ProcessPhase::kClosing, ProcessPhase::kTallying,
                 ProcessPhase::kClosed, ProcessPhase::kPublished}) {
    if (name == ProcessPhaseName(p)) return p;
  }
  return std::nullopt;
}

}  // namespace psephos::server
