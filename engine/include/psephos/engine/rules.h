// The rules Psephos counts with, by the names the field uses.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/outcome.h"
#include "psephos/engine/status.h"
#include "psephos/engine/tie_break.h"

namespace psephos::engine {

enum class RuleKind {
  kGreedy,           // greedy utilitarian, cost satisfaction: by votes
  kGreedyCard,       // greedy utilitarian, cardinality satisfaction: by votes per cost
  kGreedyScore,      // city rule: by score (votes, points or rank points), skipping
  kGreedyNoSkip,     // by score, stop at the first project that does not fit
  kGreedyThreshold,  // by score, projects under the threshold are out
  kGreedyBorda,      // greedy utilitarian, Borda satisfaction (ranked ballots)
  kMes,              // Method of Equal Shares, cost satisfaction
  kMesCard,          // Method of Equal Shares, cardinality satisfaction
  kMesAdd1,          // iterated MES: voter budget +1 until exhaustive or infeasible
  kMesBorda,         // Method of Equal Shares, Borda satisfaction (ranked ballots)
  kPhragmen,         // sequential Phragmén
  kIrv,              // instant runoff, one winner (ranked ballots)
  kStv,              // single transferable vote (ranked ballots)
  kSchulze,          // Schulze ranking, funded down the ranking (ranked ballots)
  kKnapsack,         // knapsack aggregation (Goel et al.), with partial funding
  kGreedyReserve,    // no-skip by score; the project that stops it is funded from a
                     // reserve when the money left covers reserve_share % of it (Poznań)
  kEqualSharesAdd1,  // equalshares.net: MES with integral add1 (whole units per voter)
  kEqualSharesAdd1u, // the same, then utilitarian completion (by votes, skipping)
};

// equalshares.net's comparison step: the greedy outcome (by votes, skipping)
// replaces the rule's when more voters prefer it.
enum class Comparison {
  kNone,
  kSatisfaction,  // a voter prefers the outcome funding more of the projects they approve
  kExclusion,     // a voter prefers the outcome funding at least one they approve, the other none
};
Result<Comparison> ParseComparison(std::string_view name);
const char* ComparisonName(Comparison comparison);

// How knapsack shares the last money among tied projects that accept partial funding.
enum class PartialPolicy {
  kIncreasing,  // one after another in tie-break order; the last gets what is left
  kFractional,  // every tied project gets the same fraction of its cost
  kEqualizing,  // equal amounts, none above its cost (water-filling)
};
Result<PartialPolicy> ParsePartialPolicy(std::string_view name);

// Runs every job given and returns when all are done, in any order, on any threads.
using JobRunner = std::function<void(const std::vector<std::function<void()>>& jobs)>;

struct RuleOptions {
  // Projects whose score (votes, points or rank points) is lower are never
  // funded. Required by greedy-threshold; honoured by every greedy rule.
  std::optional<std::int64_t> min_score;
  // Ranked ballots under the city rules: points for the 1st, 2nd, ... place
  // (Kraków 3,2,1; Gdynia 5,4,3,2,1). Empty: max_length - position.
  std::vector<std::int64_t> rank_points;
  // stv: the number of winners. Unset: as many equal-cost projects as fit.
  std::optional<int> seats;
  // knapsack: which projects accept partial funding (by project index; empty:
  // none), and how the last money is shared among tied ones.
  std::vector<bool> partial_funding;
  PartialPolicy partial_policy = PartialPolicy::kIncreasing;
  // greedy-reserve: the share (percent, 0-100) of the stopping project's cost
  // the money left must cover for the reserve to pay the rest. Required there.
  std::optional<std::int64_t> reserve_share;
  // equalshares-add1 and -add1u: the comparison step.
  Comparison comparison = Comparison::kNone;
  // mes-add1 and equalshares-*: how many successive budgets are tried at
  // once, through run_jobs (the caller's: the engine starts no thread; unset,
  // one after another). The outcome is the same with any number; a server
  // counting beside its voters keeps 1.
  int threads = 1;
  JobRunner run_jobs;
};

// Parses a rule name ("greedy", "mes-add1", ...). Unknown names are an error
// listing the known ones.
Result<RuleKind> ParseRule(std::string_view name);
const char* RuleName(RuleKind rule);
std::vector<std::string> RuleNames();

// Ok when `rule` counts ballots of this type; else names the rules that do.
Status CheckRuleCounts(RuleKind rule, BallotType ballot_type);

// Runs `rule` on `election`. Refuses, with a clear message, a rule that does
// not fit the election's ballot type.
Result<Outcome> Tally(const Election& election, RuleKind rule, const TieBreak& tie_break,
                      const RuleOptions& options = {});

}  // namespace psephos::engine
