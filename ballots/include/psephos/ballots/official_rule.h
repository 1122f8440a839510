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
// min_project_score_threshold when present; equalshares/add1 is mes-add1.
// Any other META rule is an error naming it.
Result<OfficialRule> ResolveOfficialRule(const engine::Election& election);

// META min_project_score_threshold, when present and a whole number.
Result<std::optional<std::int64_t>> MetaThreshold(const engine::Election& election);

}  // namespace psephos::ballots
