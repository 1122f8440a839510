#include "psephos/ballots/official_rule.h"

#include <charconv>

namespace psephos::ballots {

Result<std::optional<std::int64_t>> MetaThreshold(const engine::Election& election) {
  const std::string* text = election.Meta("min_project_score_threshold");
  if (!text) return std::optional<std::int64_t>();
  std::int64_t n = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, n);
  if (ec != std::errc() || ptr != end || n < 0) {
    return Status::Invalid("META min_project_score_threshold: not a whole number of votes: '" +
                           *text + "'");
  }
  return std::optional<std::int64_t>(n);
}

Result<OfficialRule> ResolveOfficialRule(const engine::Election& election) {
  const std::string* rule = election.Meta("rule");
  if (!rule) return Status::Invalid("META has no 'rule': the file does not say which rule was used");
  OfficialRule out{engine::RuleKind::kGreedy, {}};
  if (*rule == "equalshares/add1") {
    out.rule = engine::RuleKind::kMesAdd1;
    return out;
  }
  if (*rule == "greedy") {
    out.rule = engine::RuleKind::kGreedyScore;
  } else if (*rule == "greedy-no-skip") {
    out.rule = engine::RuleKind::kGreedyNoSkip;
  } else if (*rule == "greedy-threshold") {
    out.rule = engine::RuleKind::kGreedyThreshold;
  } else {
    return Status::Invalid("META rule '" + *rule + "' has no counterpart in Psephos yet; name a rule");
  }
  auto threshold = MetaThreshold(election);
  if (!threshold.ok()) return threshold.status();
  out.options.min_score = *threshold;
  return out;
}

}  // namespace psephos::ballots
