#include "psephos/ballots/official_rule.h"

#include <charconv>

namespace psephos::ballots {
namespace {

// Poznań's greedy-custom: the reserve pays for the stopping project when the
// money left covers 80% of it (the rule as the files' comment states it).
constexpr std::int64_t kPoznanReserveShare = 80;

}  // namespace

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
  if (auto own = engine::ParseRule(*rule); own.ok() && *rule != "greedy") {
    // A Psephos export names its own rule, with its options in META.
    out.rule = *own;
    if (const std::string* share = election.Meta("reserve_share")) {
      std::int64_t n = 0;
      auto [ptr, ec] = std::from_chars(share->data(), share->data() + share->size(), n);
      if (ec != std::errc() || ptr != share->data() + share->size() || n < 0 || n > 100) {
        return Status::Invalid("META reserve_share: not a percentage from 0 to 100: '" + *share + "'");
      }
      out.options.reserve_share = n;
    }
    if (const std::string* comparison = election.Meta("comparison")) {
      auto parsed = engine::ParseComparison(*comparison);
      if (!parsed.ok()) return Status::Invalid("META comparison: " + parsed.status().message());
      out.options.comparison = *parsed;
    }
    auto threshold = MetaThreshold(election);
    if (!threshold.ok()) return threshold.status();
    out.options.min_score = *threshold;
    return out;
  }
  if (*rule == "equalshares/add1" || *rule == "equalshares/add1u") {
    out.rule = *rule == "equalshares/add1" ? engine::RuleKind::kEqualSharesAdd1 : engine::RuleKind::kEqualSharesAdd1u;
    return out;
  }
  if (*rule == "greedy") {
    out.rule = engine::RuleKind::kGreedyScore;
  } else if (*rule == "greedy-no-skip") {
    out.rule = engine::RuleKind::kGreedyNoSkip;
  } else if (*rule == "greedy-threshold") {
    out.rule = engine::RuleKind::kGreedyThreshold;
  } else if (*rule == "greedy-custom") {
    const std::string* unit = election.Meta("unit");
    if (!unit || *unit != "Poznań") {
      return Status::Invalid("META rule 'greedy-custom' is a city's own rule and only Poznań's is known (greedy-reserve "
                             "with a reserve share of 80%); this file's unit is '" +
                             (unit ? *unit : std::string("not given")) + "': name a rule");
    }
    out.rule = engine::RuleKind::kGreedyReserve;
    out.options.reserve_share = kPoznanReserveShare;
  } else if (*rule == "greedy-exclusive") {
    if (!election.HasExclusiveGroups()) {
      return Status::Invalid(
          "META rule 'greedy-exclusive': some projects of this election exclude each other (e.g. two proposals for "
          "one site, at most one can be built), but the file does not say which (no PROJECTS column "
          "'exclusive_group'), so its official outcome cannot be reproduced; add the column (projects sharing a "
          "label exclude each other) or name a rule");
    }
    // Every rule honours the groups: greedy by score does the rest.
    out.rule = engine::RuleKind::kGreedyScore;
  } else if (*rule == "unknown") {
    return Status::Invalid("META rule 'unknown': the file does not say which rule the city used; name a rule");
  } else {
    return Status::Invalid("META rule '" + *rule + "' has no counterpart in Psephos yet; name a rule");
  }
  auto threshold = MetaThreshold(election);
  if (!threshold.ok()) return threshold.status();
  out.options.min_score = *threshold;
  return out;
}

}  // namespace psephos::ballots
