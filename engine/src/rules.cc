#include "psephos/engine/rules.h"

#include <array>

#include "rule_impl.h"

namespace psephos::engine {
namespace {

struct RuleEntry {
  RuleKind kind;
  const char* name;
};

constexpr std::array kRules{
    RuleEntry{RuleKind::kGreedy, "greedy"},
    RuleEntry{RuleKind::kGreedyCard, "greedy-card"},
    RuleEntry{RuleKind::kGreedyNoSkip, "greedy-no-skip"},
    RuleEntry{RuleKind::kGreedyThreshold, "greedy-threshold"},
    RuleEntry{RuleKind::kMes, "mes"},
    RuleEntry{RuleKind::kMesCard, "mes-card"},
    RuleEntry{RuleKind::kMesAdd1, "mes-add1"},
    RuleEntry{RuleKind::kPhragmen, "phragmen"},
};

bool IsApprovalLike(BallotType type) {
  return type == BallotType::kApproval || type == BallotType::kChoose1;
}

}  // namespace

Result<RuleKind> ParseRule(std::string_view name) {
  for (const auto& entry : kRules) {
    if (name == entry.name) return entry.kind;
  }
  std::string known;
  for (const auto& entry : kRules) known += std::string(known.empty() ? "" : ", ") + entry.name;
  return Status::Invalid("unknown rule '" + std::string(name) + "' (known rules: " + known + ")");
}

const char* RuleName(RuleKind rule) {
  for (const auto& entry : kRules) {
    if (entry.kind == rule) return entry.name;
  }
  return "unknown";
}

std::vector<std::string> RuleNames() {
  std::vector<std::string> names;
  for (const auto& entry : kRules) names.emplace_back(entry.name);
  return names;
}

Result<Outcome> Tally(const Election& election, RuleKind rule, const TieBreak& tie_break,
                      const RuleOptions& options) {
  using internal::GreedyVariant;
  // Points ballots: greedy and mes with points as utilities (Additive_Cardinal_Sat).
  const bool points = election.ballot_type == BallotType::kCumulative ||
                      election.ballot_type == BallotType::kScoring;
  if (points && rule != RuleKind::kGreedy && rule != RuleKind::kMes) {
    return Status::Invalid(std::string("rule '") + RuleName(rule) + "' does not count " +
                           BallotTypeName(election.ballot_type) +
                           " ballots; use greedy or mes, which count points");
  }
  if (!points && !IsApprovalLike(election.ballot_type)) {
    return Status::Invalid(std::string("rule '") + RuleName(rule) +
                           "' counts approval and choose-1 ballots; this election has " +
                           BallotTypeName(election.ballot_type) + " ballots");
  }
  if (election.budget < 0) return Status::Invalid("the budget is negative");
  const bool is_mes = rule == RuleKind::kMes || rule == RuleKind::kMesCard || rule == RuleKind::kMesAdd1;
  if (is_mes && election.profile.size() == 0) {
    return Status::Invalid(std::string("rule '") + RuleName(rule) +
                           "' shares the budget among voters, and this election has no ballots");
  }
  Outcome out;
  switch (rule) {
    case RuleKind::kGreedy:
      out = internal::RunGreedy(election, tie_break,
                                points ? GreedyVariant::kPointsSat : GreedyVariant::kCostSat, options);
      break;
    case RuleKind::kGreedyCard:
      out = internal::RunGreedy(election, tie_break, GreedyVariant::kCardSat, options);
      break;
    case RuleKind::kGreedyNoSkip:
      out = internal::RunGreedy(election, tie_break, GreedyVariant::kOfficialNoSkip, options);
      break;
    case RuleKind::kGreedyThreshold:
      if (!options.min_supporters) {
        return Status::Invalid(
            "rule 'greedy-threshold' needs a threshold (META min_project_score_threshold or --threshold)");
      }
      out = internal::RunGreedy(election, tie_break, GreedyVariant::kOfficialSkip, options);
      break;
    case RuleKind::kMes:
    case RuleKind::kMesCard: {
      const auto sat = points                   ? internal::MesSatisfaction::kPoints
                       : rule == RuleKind::kMes ? internal::MesSatisfaction::kCost
                                                : internal::MesSatisfaction::kCardinality;
      const Rational voter_budget =
          MakeRational(election.budget, static_cast<std::int64_t>(election.profile.size()));
      out = internal::RunMes(election, tie_break, sat, voter_budget);
      break;
    }
    case RuleKind::kMesAdd1:
      out = internal::RunMesAdd1(election, tie_break);
      break;
    case RuleKind::kPhragmen:
      out = internal::RunPhragmen(election, tie_break);
      break;
  }
  out.rule = RuleName(rule);
  out.tie_break = tie_break.name();
  return out;
}

const char* DecisionName(Decision decision) {
  switch (decision) {
    case Decision::kSelected: return "selected";
    case Decision::kSkipped: return "skipped";
    case Decision::kStopped: return "stopped";
    case Decision::kBelowThreshold: return "below_threshold";
    case Decision::kUnaffordable: return "unaffordable";
    case Decision::kEliminated: return "eliminated";
  }
  return "unknown";
}

}  // namespace psephos::engine
