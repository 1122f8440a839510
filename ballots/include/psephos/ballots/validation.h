// Checks one ballot against its election's rules, in words a voter understands.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "psephos/engine/election.h"

namespace psephos::ballots {

// A ballot as a voter submits it: project ids, most preferred first for ranked
// ballots, and for points ballots the points given to each.
struct BallotInput {
  std::vector<std::string> projects;
  std::vector<std::int64_t> points;
};

// One broken rule. `code` is stable (for clients and translations); `message`
// speaks to the voter in English.
struct BallotProblem {
  std::string code;
  std::string message;
};

// Every rule the ballot breaks; empty when it is valid. Codes:
// unknown_project, duplicate_project, too_few_projects, too_many_projects,
// over_cost_limit, under_cost_minimum, points_missing, points_not_expected,
// points_below_minimum, points_above_maximum, negative_points,
// total_points_below_minimum, total_points_above_maximum.
std::vector<BallotProblem> ValidateBallot(const engine::Election& election, const BallotInput& ballot);

}  // namespace psephos::ballots
