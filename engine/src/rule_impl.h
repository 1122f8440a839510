// Internal entry points of the rules; the public door is Tally() in rules.h.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
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
  kScoreReserve, // no-skip, the stopping project funded from a reserve if close enough
};

// Exclusive groups (Project::exclusive_group): funding a project rules out
// the rest of its group. Inactive, and free, when the election has none.
class Exclusions {
 public:
  explicit Exclusions(const Election& election) {
    if (!election.HasExclusiveGroups()) return;
    std::map<std::string_view, std::size_t> index;
    group_.assign(election.projects.size(), kNone);
    excluded_.assign(election.projects.size(), false);
    for (std::size_t p = 0; p < election.projects.size(); ++p) {
      const std::string& label = election.projects[p].exclusive_group;
      if (label.empty()) continue;
      const auto [it, added] = index.emplace(label, members_.size());
      if (added) members_.emplace_back();
      group_[p] = it->second;
      members_[it->second].push_back(static_cast<ProjectIndex>(p));
    }
  }
  bool active() const { return !group_.empty(); }
  bool Excluded(ProjectIndex p) const { return active() && excluded_[p]; }
  // p is funded: the rest of its group can no longer be.
  void Fund(ProjectIndex p) {
    if (!active() || group_[p] == kNone) return;
    for (ProjectIndex q : members_[group_[p]]) excluded_[q] = q != p;
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> group_;  // per project; empty when no project has a group
  std::vector<std::vector<ProjectIndex>> members_;
  std::vector<bool> excluded_;
};

Outcome RunGreedy(const Election& election, const TieBreak& tie_break, GreedyOrder order,
                  Satisfaction sat, const RuleOptions& options);

// What one MES run saw of one project, for explanations (explain.cc). The
// run keeps each watched project's supporters' money as it goes, changed only
// by the payments of each round's winner, and takes the project's exact rho
// only at the one round that matters (below): the run stays about the cost of
// a count however many projects are watched.
struct MesProbe {
  ProjectIndex project = 0;  // in: the project to watch (each at most once per run)
  // Out. Index k means "after k rounds" (free projects count), 0 .. rounds.size().
  // Its supporters' total money, only after the rounds that matter: 0 (the
  // start); funded, the rounds before and after its own; else the first after
  // which it fell short of its cost, the last it could still be funded in, and
  // the end.
  std::vector<std::optional<Rational>> money;
  // Not funded: rounds done when its supporters' money first fell below its
  // cost (0: it never could be afforded); unset if it never did.
  std::optional<std::size_t> unaffordable_after;
  // Its rho after k rounds, only at the last k at which it could still be
  // funded: the round it was funded in (its rho is then the winner's), or the
  // last before its supporters could no longer pay for it or a project of its
  // exclusive group was funded. Unset everywhere else.
  std::vector<std::optional<Rational>> rho;
  bool uniform = true;             // they all gain the same utility
  std::int64_t supporters = 0;     // voters who gain from it
  std::int64_t total_utility = 0;  // their utilities summed
  // Funded: supporters who paid rho x utility in full, paid all they had
  // left (less), or had nothing left.
  std::int64_t paid_full = 0;
  std::int64_t paid_all_left = 0;
  std::int64_t had_nothing = 0;
  // Not funded and short of its cost at the end: what its supporters would
  // pay at the rho of the run's last round that funded a project at a price
  // (each min(money, rho x utility)); unset without such a round.
  std::optional<Rational> payable_at_last_rho;
};

// Plain MES with every voter starting from `voter_budget`. Probes, when
// given, are filled as the run goes (one run watches them all); without them
// nothing extra is done.
Outcome RunMes(const Election& election, const TieBreak& tie_break, Satisfaction sat,
               const Rational& voter_budget, std::vector<MesProbe>* probes = nullptr);
// Whether no project among `candidates` outside the outcome (nor excluded by
// it) fits the money it leaves of `budget`.
bool IsExhaustive(const Election& election, const std::vector<ProjectIndex>& candidates, const Outcome& outcome,
                  Money budget);
// Iterated MES, cost satisfaction: each voter's budget grows by 1 currency
// unit per run and the last run within the budget is kept. pabutools
// (mes-add1) starts from budget / voters (`start` null) and also stops at the
// first exhaustive outcome; equalshares.net's add1, as Wieliczka, Świecie and
// Assen were counted, starts from whole units and only stops over the budget.
// Probes, when given, watch the exact run of the outcome kept.
Outcome RunMesAdd1(const Election& election, const TieBreak& tie_break, const Rational* start = nullptr,
                   bool stop_when_exhaustive = true, const RuleOptions& options = {},
                   std::vector<MesProbe>* probes = nullptr);
// equalshares.net's add1 with integral endowments (equalshares.cc), then, when
// `complete`, utilitarian completion, and the comparison step of `options`.
Outcome RunEqualShares(const Election& election, const TieBreak& tie_break, bool complete,
                       const RuleOptions& options, std::vector<MesProbe>* probes = nullptr);

// Tally(), with probes watching the MES run of the outcome for the rules of
// equal shares (ignored by the others).
Result<Outcome> TallyWatching(const Election& election, RuleKind rule, const TieBreak& tie_break,
                              const RuleOptions& options, std::vector<MesProbe>* probes);

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
