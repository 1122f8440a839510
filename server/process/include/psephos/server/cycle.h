// The phases of a participatory-budgeting cycle, shown to the public as a
// timeline: ideas, review, vote, results, implementation. Each opens and
// closes by itself at its dates, or by the organizer's hand.
//
// The vote phase IS the voting window (schedule.h): its dates are the
// schedule's and it is open exactly when ballots are taken, so there is one
// notion of when voting opens and closes. The results phase opens when the
// results are published (by hand, or by the scheduler at its opening date).
// The other phases are only their dates: open from the opening (inclusive) to
// the closing (exclusive), read against the clock at each question, so no
// timer is needed for them. Stored beside the process (Storage settings).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"

namespace psephos::server {

enum class CyclePhase { kIdeas, kReview, kVote, kResults, kImplementation };
inline constexpr CyclePhase kCyclePhases[] = {CyclePhase::kIdeas, CyclePhase::kReview, CyclePhase::kVote,
                                              CyclePhase::kResults, CyclePhase::kImplementation};
const char* CyclePhaseName(CyclePhase phase);
std::optional<CyclePhase> ParseCyclePhase(std::string_view name);

enum class PhaseState { kUpcoming, kOpen, kClosed };
const char* PhaseStateName(PhaseState state);
std::optional<PhaseState> ParsePhaseState(std::string_view name);

struct PhaseDates {
  std::int64_t opens_at_ms = 0;   // 0: none (opened by hand only)
  std::int64_t closes_at_ms = 0;  // 0: none
};

// Where a phase known only by its dates stands at `now_ms`.
PhaseState DatedPhaseState(const PhaseDates& dates, std::int64_t now_ms);

// The dates of every phase but the vote (whose dates are the voting window's).
struct CyclePlan {
  std::array<PhaseDates, 5> dates{};  // by CyclePhase; the vote's entry stays empty

  PhaseDates& at(CyclePhase phase) { return dates[static_cast<std::size_t>(phase)]; }
  const PhaseDates& at(CyclePhase phase) const { return dates[static_cast<std::size_t>(phase)]; }
  bool empty() const;
};

// {"ideas": {"opens_at_ms", "closes_at_ms"} (null: none), "review", "results", "implementation"}.
nlohmann::json CyclePlanJson(const CyclePlan& plan);

// Reads an organizer's PUT body over `current`: phases left out stay as they
// are, and so do times left out of a phase; null clears a time. The "vote"
// entry is not read here (it is the voting window: the Api hands it to the
// schedule's checks). Refuses, naming the field ("review.closes_at_ms"):
// unknown phases or fields, times that are not whole milliseconds since 1970,
// a close not after the opening.
Result<CyclePlan> ParseCyclePlan(const nlohmann::json& body, const CyclePlan& current);

// The stored form (CyclePlanJson) back; a damaged one reads as empty.
CyclePlan StoredCyclePlan(const std::string& text);

// "2026-03-15 16:00 UTC": a time in an error message, where the reader's time
// zone is not known (pages show the times they are sent in their own words).
std::string UtcMinute(std::int64_t ms);

}  // namespace psephos::server
