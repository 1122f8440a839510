#include "psephos/engine/rules.h"

#include <algorithm>
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
    RuleEntry{RuleKind::kGreedyScore, "greedy-score"},
    RuleEntry{RuleKind::kGreedyNoSkip, "greedy-no-skip"},
    RuleEntry{RuleKind::kGreedyThreshold, "greedy-threshold"},
    RuleEntry{RuleKind::kGreedyBorda, "greedy-borda"},
    RuleEntry{RuleKind::kMes, "mes"},
    RuleEntry{RuleKind::kMesCard, "mes-card"},
    RuleEntry{RuleKind::kMesAdd1, "mes-add1"},
    RuleEntry{RuleKind::kMesBorda, "mes-borda"},
    RuleEntry{RuleKind::kPhragmen, "phragmen"},
    RuleEntry{RuleKind::kIrv, "irv"},
    RuleEntry{RuleKind::kStv, "stv"},
    RuleEntry{RuleKind::kSchulze, "schulze"},
    RuleEntry{RuleKind::kKnapsack, "knapsack"},
    RuleEntry{RuleKind::kGreedyReserve, "greedy-reserve"},
    RuleEntry{RuleKind::kEqualSharesAdd1, "equalshares-add1"},
    RuleEntry{RuleKind::kEqualSharesAdd1u, "equalshares-add1u"},
};

enum class Family { kApproval, kPoints, kRanked };

Family FamilyOf(BallotType type) {
  switch (type) {
    case BallotType::kApproval:
    case BallotType::kChoose1: return Family::kApproval;
    case BallotType::kCumulative:
    case BallotType::kScoring: return Family::kPoints;
    case BallotType::kOrdinal: return Family::kRanked;
  }
  return Family::kApproval;
}

// Which rules count which ballots, and what to suggest otherwise.
bool Fits(RuleKind rule, Family family) {
  switch (rule) {
    case RuleKind::kGreedyScore:
    case RuleKind::kGreedyNoSkip:
    case RuleKind::kGreedyThreshold:
    case RuleKind::kGreedyReserve: return true;
    case RuleKind::kGreedy:
    case RuleKind::kMes: return family != Family::kRanked;
    case RuleKind::kGreedyCard:
    case RuleKind::kMesCard:
    case RuleKind::kMesAdd1:
    case RuleKind::kEqualSharesAdd1:
    case RuleKind::kEqualSharesAdd1u:
    case RuleKind::kPhragmen:
    case RuleKind::kKnapsack: return family == Family::kApproval;
    case RuleKind::kGreedyBorda:
    case RuleKind::kMesBorda:
    case RuleKind::kIrv:
    case RuleKind::kStv:
    case RuleKind::kSchulze: return family == Family::kRanked;
  }
  return false;
}

std::string RulesFor(Family family) {
  std::string names;
  for (const auto& entry : kRules) {
    if (Fits(entry.kind, family)) names += std::string(names.empty() ? "" : ", ") + entry.name;
  }
  return names;
}

// Seats for STV when the options name none: as many equal-cost projects as fit.
Result<int> StvSeats(const Election& election, const RuleOptions& options) {
  if (options.seats) {
    if (*options.seats < 1) return Status::Invalid("stv needs at least one seat");
    return *options.seats;
  }
  if (election.projects.empty()) return Status::Invalid("stv: the election has no projects");
  const Money cost = election.projects.front().cost;
  for (const auto& p : election.projects) {
    if (p.cost != cost) {
      return Status::Invalid("stv fills seats: the projects' costs differ, so say how many projects win (--seats N)");
    }
  }
  const Money fit = cost == 0 ? static_cast<Money>(election.projects.size()) : election.budget / cost;
  const Money seats = std::min<Money>(fit, static_cast<Money>(election.projects.size()));
  if (seats < 1) return Status::Invalid("stv: not even one project fits the budget");
  return static_cast<int>(seats);
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

Status CheckRuleCounts(RuleKind rule, BallotType ballot_type) {
  const Family family = FamilyOf(ballot_type);
  if (Fits(rule, family)) return Status::Ok();
  return Status::Invalid(std::string("rule '") + RuleName(rule) + "' does not count " + BallotTypeName(ballot_type) +
                         " ballots; rules that do: " + RulesFor(family));
}

Result<Outcome> Tally(const Election& election, RuleKind rule, const TieBreak& tie_break,
                      const RuleOptions& options) {
  return internal::TallyWatching(election, rule, tie_break, options, nullptr);
}

Result<Outcome> internal::TallyWatching(const Election& election, RuleKind rule, const TieBreak& tie_break,
                                        const RuleOptions& options, std::vector<MesProbe>* probes) {
  using internal::GreedyOrder;
  using internal::Satisfaction;
  if (Status fits = CheckRuleCounts(rule, election.ballot_type); !fits.ok()) return fits;
  const Family family = FamilyOf(election.ballot_type);
  if (election.budget < 0) return Status::Invalid("the budget is negative");
  const bool shares_budget = rule == RuleKind::kMes || rule == RuleKind::kMesCard ||
                             rule == RuleKind::kMesAdd1 || rule == RuleKind::kMesBorda ||
                             rule == RuleKind::kEqualSharesAdd1 || rule == RuleKind::kEqualSharesAdd1u;
  if (shares_budget && election.profile.size() == 0) {
    return Status::Invalid(std::string("rule '") + RuleName(rule) +
                           "' shares the budget among voters, and this election has no ballots");
  }
  // The city rules' score: votes, points, or points for ranks.
  const Satisfaction score = family == Family::kApproval ? Satisfaction::kCardinality
                             : family == Family::kPoints ? Satisfaction::kPoints
                                                         : Satisfaction::kRankPoints;
  // pabutools' satisfaction for greedy and mes.
  const Satisfaction utility = family == Family::kPoints ? Satisfaction::kPoints : Satisfaction::kCost;
  const Rational equal_share =
      MakeRational(election.budget, std::max<std::int64_t>(1, static_cast<std::int64_t>(election.profile.size())));
  Outcome out;
  switch (rule) {
    case RuleKind::kGreedy:
      out = internal::RunGreedy(election, tie_break, GreedyOrder::kDensity, utility, options);
      break;
    case RuleKind::kGreedyCard:
      out = internal::RunGreedy(election, tie_break, GreedyOrder::kDensity, Satisfaction::kCardinality, options);
      break;
    case RuleKind::kGreedyBorda:
      out = internal::RunGreedy(election, tie_break, GreedyOrder::kDensity, Satisfaction::kBorda, options);
      break;
    case RuleKind::kGreedyScore:
      out = internal::RunGreedy(election, tie_break, GreedyOrder::kScoreSkip, score, options);
      break;
    case RuleKind::kGreedyNoSkip:
      out = internal::RunGreedy(election, tie_break, GreedyOrder::kScoreNoSkip, score, options);
      break;
    case RuleKind::kGreedyReserve:
      if (!options.reserve_share || *options.reserve_share < 0 || *options.reserve_share > 100) {
        return Status::Invalid(
            "rule 'greedy-reserve' needs the reserve share, a percentage from 0 to 100 (--reserve-share N; "
            "Poznań: 80)");
      }
      out = internal::RunGreedy(election, tie_break, GreedyOrder::kScoreReserve, score, options);
      break;
    case RuleKind::kEqualSharesAdd1:
    case RuleKind::kEqualSharesAdd1u:
      out = internal::RunEqualShares(election, tie_break, rule == RuleKind::kEqualSharesAdd1u, options, probes);
      break;
    case RuleKind::kGreedyThreshold:
      if (!options.min_score) {
        return Status::Invalid(
            "rule 'greedy-threshold' needs a threshold (META min_project_score_threshold or --threshold)");
      }
      out = internal::RunGreedy(election, tie_break, GreedyOrder::kScoreSkip, score, options);
      break;
    case RuleKind::kMes:
      out = internal::RunMes(election, tie_break, utility, equal_share, probes);
      break;
    case RuleKind::kMesCard:
      out = internal::RunMes(election, tie_break, Satisfaction::kCardinality, equal_share, probes);
      break;
    case RuleKind::kMesBorda:
      out = internal::RunMes(election, tie_break, Satisfaction::kBorda, equal_share, probes);
      break;
    case RuleKind::kMesAdd1:
      out = internal::RunMesAdd1(election, tie_break, nullptr, /*stop_when_exhaustive=*/true, options, probes);
      break;
    case RuleKind::kPhragmen:
      out = internal::RunPhragmen(election, tie_break);
      break;
    case RuleKind::kIrv:
      out = internal::RunIrv(election, tie_break);
      break;
    case RuleKind::kStv: {
      auto seats = StvSeats(election, options);
      if (!seats.ok()) return seats.status();
      out = internal::RunStv(election, tie_break, *seats);
      break;
    }
    case RuleKind::kSchulze:
      out = internal::RunSchulze(election, tie_break);
      break;
    case RuleKind::kKnapsack:
      if (!options.partial_funding.empty() && options.partial_funding.size() != election.projects.size()) {
        return Status::Invalid("knapsack: partial funding must be said for every project");
      }
      out = internal::RunKnapsack(election, tie_break, options);
      break;
  }
  out.rule = RuleName(rule);
  out.tie_break = tie_break.name();
  return out;
}

Result<PartialPolicy> ParsePartialPolicy(std::string_view name) {
  if (name == "increasing") return PartialPolicy::kIncreasing;
  if (name == "fractional") return PartialPolicy::kFractional;
  if (name == "equalizing") return PartialPolicy::kEqualizing;
  return Status::Invalid("unknown partial-funding policy '" + std::string(name) +
                         "' (known: increasing, fractional, equalizing)");
}

Result<Comparison> ParseComparison(std::string_view name) {
  if (name == "none") return Comparison::kNone;
  if (name == "satisfaction") return Comparison::kSatisfaction;
  if (name == "exclusion") return Comparison::kExclusion;
  return Status::Invalid("unknown comparison step '" + std::string(name) + "' (known: none, satisfaction, exclusion)");
}

const char* ComparisonName(Comparison comparison) {
  switch (comparison) {
    case Comparison::kNone: return "none";
    case Comparison::kSatisfaction: return "satisfaction";
    case Comparison::kExclusion: return "exclusion";
  }
  return "none";
}

const char* DecisionName(Decision decision) {
  switch (decision) {
    case Decision::kSelected: return "selected";
    case Decision::kSkipped: return "skipped";
    case Decision::kStopped: return "stopped";
    case Decision::kBelowThreshold: return "below_threshold";
    case Decision::kUnaffordable: return "unaffordable";
    case Decision::kEliminated: return "eliminated";
    case Decision::kPartiallyFunded: return "partially_funded";
    case Decision::kOutOfReach: return "out_of_reach";
    case Decision::kFundedFromReserve: return "funded_from_reserve";
    case Decision::kExcluded: return "excluded";
  }
  return "unknown";
}

}  // namespace psephos::engine
