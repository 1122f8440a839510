// A fairness and representation report (engine/report.h) as JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/report.h"
#include "psephos/engine/rules.h"
#include "psephos/engine/status.h"
#include "psephos/engine/tie_break.h"

namespace psephos::ballots {

// {"election", "budget", "voters", "outcomes": [{"rule", "spent", "left",
// "voters": {...}, "two_or_more": {...}, "projects": [...], "groups", "categories"}],
// "comparison": {...} (with two outcomes)}. Counts are integers; shares and
// averages are decimals for reading (the figures themselves are exact).
std::string ReportToJson(const engine::Election& election, const std::vector<engine::OutcomeReport>& outcomes,
                         const std::optional<engine::ComparisonReport>& comparison, int indent = 2);

// The report the server publishes with a budget's results (and `psephos
// audit` recomputes): the figures of its rule's outcome and, when the rule is
// not plain greedy and the ballots allow it, greedy by votes' beside them with
// the comparison. Only figures of the ballots, which the bundle publishes.
// `group_column`: the rule's outcome also broken down by that voter column.
Result<std::string> PublishedReportJson(const engine::Election& election, const engine::Outcome& outcome,
                                        engine::RuleKind rule, const engine::TieBreak& tie_break,
                                        const engine::RuleOptions& options, int indent = -1,
                                        const std::string& group_column = "");

}  // namespace psephos::ballots
