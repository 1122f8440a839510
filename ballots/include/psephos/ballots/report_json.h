// A fairness and representation report (engine/report.h) as JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/report.h"

namespace psephos::ballots {

// {"election", "budget", "voters", "outcomes": [{"rule", "spent", "left",
// "voters": {...}, "two_or_more": {...}, "projects": [...], "groups", "categories"}],
// "comparison": {...} (with two outcomes)}. Counts are integers; shares and
// averages are decimals for reading (the figures themselves are exact).
std::string ReportToJson(const engine::Election& election, const std::vector<engine::OutcomeReport>& outcomes,
                         const std::optional<engine::ComparisonReport>& comparison, int indent = 2);

}  // namespace psephos::ballots
