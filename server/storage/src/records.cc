// Names of the stored records' states (storage.h), as the database and the
// API write them: the storage interface's own library, below every backend.
#include "psephos/server/storage.h"

namespace psephos::server {

const char* ProcessStateName(ProcessState state) {
  switch (state) {
    case ProcessState::kDraft: return "draft";
    case ProcessState::kOpen: return "open";
    case ProcessState::kClosed: return "closed";
    case ProcessState::kPublished: return "published";
  }
  return "draft";
}

std::optional<ProcessState> ParseProcessState(std::string_view name) {
  for (auto s : {ProcessState::kDraft, ProcessState::kOpen, ProcessState::kClosed, ProcessState::kPublished}) {
    if (name == ProcessStateName(s)) return s;
  }
  return std::nullopt;
}

const char* StoredPartName(StoredPart part) {
  switch (part) {
    case StoredPart::kProcess: return "process";
    case StoredPart::kCodes: return "codes";
    case StoredPart::kAccounts: return "accounts";
  }
  return "process";
}

std::optional<StoredPart> ParseStoredPart(std::string_view name) {
  for (auto part : {StoredPart::kProcess, StoredPart::kCodes, StoredPart::kAccounts}) {
    if (name == StoredPartName(part)) return part;
  }
  return std::nullopt;
}

const char* AttemptKindName(AttemptKind kind) {
  switch (kind) {
    case AttemptKind::kCode: return "code";
    case AttemptKind::kPassword: return "password";
  }
  return "code";
}

std::optional<AttemptKind> ParseAttemptKind(std::string_view name) {
  for (auto kind : {AttemptKind::kCode, AttemptKind::kPassword}) {
    if (name == AttemptKindName(kind)) return kind;
  }
  return std::nullopt;
}

const char* IdeaStatusName(IdeaStatus status) {
  switch (status) {
    case IdeaStatus::kSubmitted: return "submitted";
    case IdeaStatus::kHidden: return "hidden";
    case IdeaStatus::kMerged: return "merged";
    case IdeaStatus::kFeasible: return "feasible";
    case IdeaStatus::kNotFeasible: return "not_feasible";
  }
  return "submitted";
}

std::optional<IdeaStatus> ParseIdeaStatus(std::string_view name) {
  for (auto s : {IdeaStatus::kSubmitted, IdeaStatus::kHidden, IdeaStatus::kMerged, IdeaStatus::kFeasible,
                 IdeaStatus::kNotFeasible}) {
    if (name == IdeaStatusName(s)) return s;
  }
  return std::nullopt;
}

const char* MilestoneStatusName(MilestoneStatus status) {
  switch (status) {
    case MilestoneStatus::kPlanned: return "planned";
    case MilestoneStatus::kInProgress: return "in_progress";
    case MilestoneStatus::kDone: return "done";
    case MilestoneStatus::kCancelled: return "cancelled";
  }
  return "?";
}

std::optional<MilestoneStatus> ParseMilestoneStatus(std::string_view name) {
  for (auto s : {MilestoneStatus::kPlanned, MilestoneStatus::kInProgress, MilestoneStatus::kDone,
                 MilestoneStatus::kCancelled}) {
    if (name == MilestoneStatusName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace psephos::server
