// Internal entry points of the rules; the public door is Tally() in rules.h.
#pragma once

#include <algorithm>
#include <optional>
#include <vector>

#include "psephos/engine/outcome.h"
#include "psephos/engine/rules.h"

namespace psephos::engine::internal {

// What one ballot entry is worth to its voter: pabutools' satisfaction
// measures, plus the rank points cities count ranked ballots with.
enum class Satisfaction {
  kCardinality,  // 1 (Cardinality_Sat)
  kCost,         // the project's cost (Cost_Sat)
  kPoints,       // the points given (Additive_Cardinal_Sat)
  kBorda,        // ballot length - position - 1 (Additive_Borda_Sat)
  kRankPoints,   // RuleOptions::rank_points, or max_length - position
};

// The utility of entry `position` of ballot `ballot`; only positive ones count as support.
std::int64_t EntryUtility(const Election& election, Satisfaction sat, const RuleOptions& options,
                          std::size_t ballot, std::size_t position);

enum class GreedyOrder {
  kDensity,      // pabutools greedy: total satisfaction per unit of cost, skipping
  kScoreSkip,    // city rule: by total score, skip what no longer fits
  kScoreNoSkip,  // city rule: by total score, stop at the first that does not fit
};

Outcome RunGreedy(const Election& election, const TieBreak& tie_break, GreedyOrder order,
                  Satisfaction sat, const RuleOptions& options);

// What one MES run saw of one project, for explanations (explain.cc).
struct MesProbe {
  ProjectIndex project = 0;  // in: the project to watch
  // Out. Index k means "after k rounds" (free projects count), 0 .. rounds.size().
  std::vector<Rational> money;               // its supporters' total money
  std::vector<std::optional<Rational>> rho;  // its affordability while still a candidate
  // Its supporters who still had money, by (money, utility), just before it
  // was funded or, if it never was, at the end. Money is per voter.
  struct Holding {
    Rational money;
    std::int64_t utility = 0;
    std::int64_t count = 0;
  };
  std::vector<Holding> holdings;
  bool uniform = true;             // they all gain the same utility
  std::int64_t supporters = 0;     // voters who gain from it
  std::int64_t total_utility = 0;  // their utilities summed
};

// Plain MES with every voter starting from `voter_budget`. A probe, when
// given, is filled as the run goes; without one nothing extra is done.
Outcome RunMes(const Election& election, const TieBreak& tie_break, Satisfaction sat,
               const Rational& voter_budget, MesProbe* probe = nullptr);
// pabutools' iterated MES with voter_budget_increment = 1 currency unit.
Outcome RunMesAdd1(const Election& election, const TieBreak& tie_break);

Outcome RunPhragmen(const Election& election, const TieBreak& tie_break);

// Knapsack aggregation (knapsack.cc): projects by the number of ballots
// holding them, every dollar of a project carrying its votes.
Outcome RunKnapsack(const Election& election, const TieBreak& tie_break, const RuleOptions& options);

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
