// Ideas from the community before the vote (#19 items 2, 3 and 5): members
// send ideas with their voter code (or an idea code), support others' ideas
// once per code; the steering committee hides, merges, decides feasibility and
// turns ideas into ballot projects; the cycle report counts it all by
// interest-holder group. The checks and JSON here; the routes in ideas_api.cc.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"
#include "psephos/server/storage.h"

namespace psephos::server {

// What the organizer opens (stored as the setting "ideas:<process id>").
struct IdeaSettings {
  bool accepting = false;    // ideas and supports are taken
  bool open_to_all = false;  // idea codes are taken besides voter codes
  std::vector<std::string> categories;  // empty: any category, in words
};
nlohmann::json IdeaSettingsJson(const IdeaSettings& settings);
// Strict: unknown fields and wrong types are refused, naming the field.
Result<IdeaSettings> ParseIdeaSettings(const nlohmann::json& body);

// Limits that keep one code, or one process, from flooding the committee.
inline constexpr std::size_t kMaxIdeasPerCode = 20;
inline constexpr std::size_t kMaxIdeasPerProcess = 5000;
inline constexpr int kMaxPhotosPerCode = 10;
inline constexpr std::int64_t kMaxIdeaCodesPerBatch = 5000;

// An idea as a member sends it: {"code", "title", "description", "category",
// "place", "image"}. Texts are trimmed; errors name the field.
struct IdeaInput {
  std::string code, title, description, category, place;
  nlohmann::json image;  // as POST …/ideas/images answered it, or null
};
Result<IdeaInput> ParseIdeaInput(const nlohmann::json& body, const IdeaSettings& settings);

// {"feasible", "reason", "cost"}: not feasible needs its reason; feasible, a cost.
struct IdeaDecision {
  bool feasible = false;
  std::string reason;
  std::int64_t cost = 0;
};
Result<IdeaDecision> ParseIdeaDecision(const nlohmann::json& body);

// A reason in words (hiding, a decision): 1 to 1000 bytes of text.
Result<std::string> ParseReason(const nlohmann::json& body, bool required);

// One idea as the API holds it: the record and the codes that support it.
struct IdeaState {
  IdeaRecord record;
  std::map<std::string, std::string> supporters;  // code hash -> group
};

// The ideas of one process, in memory (loaded at start, kept with every write).
struct IdeaBoard {
  IdeaSettings settings;
  std::map<std::int64_t, IdeaState> ideas;
  std::unordered_map<std::string, std::string> codes;  // idea code hash -> group
  std::unordered_map<std::string, int> photos;          // pictures uploaded per code hash, since start
  bool Visible(const IdeaRecord& idea) const {
    return idea.status == IdeaStatus::kSubmitted || idea.status == IdeaStatus::kFeasible;
  }
};

// An idea as the public sees it (no author, no group; a hidden idea never), or
// as the committee does (`committee`: group, how it was sent, supports by group).
nlohmann::json IdeaJson(const IdeaState& idea, bool committee);

// Per interest-holder group: codes, authors, ideas, supporters, supports and
// what became of the ideas. `codes`: codes handed out per group (voter and idea codes).
struct GroupIdeaCounts {
  std::int64_t voter_codes = 0, idea_codes = 0;
  std::int64_t authors = 0, ideas = 0, supporters = 0, supports = 0;
  std::int64_t hidden = 0, feasible = 0, not_feasible = 0, on_ballot = 0;
  std::int64_t ballots = 0, funded = 0;
  std::optional<std::int64_t> delivered;  // null: delivery not tracked (see Api::DeliveredProjects)
};
std::map<std::string, GroupIdeaCounts> CountIdeasByGroup(const IdeaBoard& board);
nlohmann::json GroupIdeaCountsJson(const GroupIdeaCounts& counts);

// The cycle report's table as CSV: one row per group, then "(all)".
std::string CycleReportCsv(const nlohmann::json& report);

}  // namespace psephos::server
