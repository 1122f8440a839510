// The rule a pabulib file says its city used (META `rule`), as an engine rule.
#pragma once

#include <optional>

#include "psephos/engine/election.h"
#include "psephos/engine/rules.h"
#include "psephos/engine/status.h"

namespace psephos::ballots {

struct OfficialRule {
  engine::RuleKind rule;
  engine::RuleOptions options;
};

// greedy (greedy-score here), greedy-no-skip and greedy-threshold count by
// score (votes, points, rank points) and honour META
// min_project_score_threshold when present; greedy-custom of Poznań is
// greedy-reserve with an 80% reserve share; greedy-exclusive is greedy-score
// over the file's exclusive groups (an error when it has none: the outcome
// cannot be reproduced); equalshares/add1 (and /add1u) is equalshares-add1
// (-add1u). Any other META rule is an error naming it. Ties are broken in
// file order (TieBreak::ByFile), as cities rank their projects.
Result<OfficialRule> ResolveOfficialRule(const engine::Election& election);

// META min_project_score_threshold, when present and a whole number.
Result<std::optional<std::int64_t>> MetaThreshold(const engine::Election& election);

}  // namespace psephos::ballots
