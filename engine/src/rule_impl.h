// Internal entry points of the rules; the public door is Tally() in rules.h.
#pragma once

#include <algorithm>
#include <vector>

#include "psephos/engine/outcome.h"
#include "psephos/engine/rules.h"

namespace psephos::engine::internal {

enum class GreedyVariant {
  kCostSat,      // pabutools greedy, Cost_Sat: by votes, free projects count as 0
  kCardSat,      // pabutools greedy, Cardinality_Sat: by votes per unit of cost
  kPointsSat,    // pabutools greedy, Additive_Cardinal_Sat: by points per unit of cost
  kOfficialSkip,    // city rule: by votes, skip what no longer fits
  kOfficialNoSkip,  // city rule: by votes, stop at the first that does not fit
};

Outcome RunGreedy(const Election& election, const TieBreak& tie_break, GreedyVariant variant,
                  const RuleOptions& options);

enum class MesSatisfaction { kCost, kCardinality, kPoints };

// Plain MES with every voter starting from `voter_budget`.
Outcome RunMes(const Election& election, const TieBreak& tie_break, MesSatisfaction sat,
               const Rational& voter_budget);
// pabutools' iterated MES with voter_budget_increment = 1 currency unit.
Outcome RunMesAdd1(const Election& election, const TieBreak& tie_break);

Outcome RunPhragmen(const Election& election, const TieBreak& tie_break);

// Ranked-ballot rules (ranked.cc). Ballots are ordinal, most preferred first.
// Instant runoff: one winner.
Outcome RunIrv(const Election& election, const TieBreak& tie_break);
// Single transferable vote for `seats` winners.
Outcome RunStv(const Election& election, const TieBreak& tie_break, int seats);
// Schulze ranking of all projects; funds down the ranking, skipping what does not fit.
Outcome RunSchulze(const Election& election, const TieBreak& tie_break);

// The projects in `tied` ordered by the tie-break, winner first.
inline std::vector<ProjectIndex> OrderTied(std::vector<ProjectIndex> tied, const TieBreak& tb) {
  std::sort(tied.begin(), tied.end(),
            [&](ProjectIndex a, ProjectIndex b) { return tb.Prefers(a, b); });
  return tied;
}

}  // namespace psephos::engine::internal
