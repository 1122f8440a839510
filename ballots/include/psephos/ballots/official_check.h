// `psephos check`: recount a pabulib file with its own official rule and
// compare with what the file publishes (PROJECTS `selected`, `votes`, `score`).
#pragma once

#include <string>
#include <vector>

#include "psephos/engine/election.h"

namespace psephos::ballots {

// One published figure the recount does not give back.
struct CheckDifference {
  std::string project;    // project id; empty for the file as a whole
  std::string what;       // "selected", "votes", "score" or "rule"
  std::string published;  // as the file says it
  std::string recounted;  // as the count gives it
  std::string cause;      // the likely cause, in words
};

struct OfficialCheck {
  std::string rule;       // the Psephos rule recounted with; empty when none could be
  std::string tie_break;  // "file": the cities' published ranking
  bool has_selected = false;  // the file publishes an outcome
  std::size_t projects_compared = 0;
  std::vector<std::string> notes;  // what was not compared, and why
  std::vector<CheckDifference> differences;

  bool ok() const { return differences.empty(); }
};

// Recounts `election` with ResolveOfficialRule and ties in file order, and
// names every difference with the published outcome and the published
// per-project votes (ballots listing it) and score (the rule's score: votes,
// points, or rank points). A rule that cannot be recounted is a difference.
OfficialCheck CheckOfficialOutcome(const engine::Election& election);

}  // namespace psephos::ballots
