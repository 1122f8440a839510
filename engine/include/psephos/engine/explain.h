// Why a rule funded a project or not, as data: the round that decided it and
// the numbers behind the decision. Renderers (JSON, text) put it in words.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/outcome.h"
#include "psephos/engine/rational.h"
#include "psephos/engine/rules.h"
#include "psephos/engine/status.h"
#include "psephos/engine/tie_break.h"

namespace psephos::engine {

// Which of the rule-specific parts of a ProjectExplanation is filled.
enum class ExplanationKind {
  kGreedy,    // greedy, greedy-card, greedy-score, greedy-no-skip, greedy-threshold, greedy-borda,
              // greedy-reserve
  kKnapsack,  // knapsack (greedy by votes, with partial funding)
  kMes,       // mes, mes-card, mes-borda, mes-add1, equalshares-* (and mes on points ballots)
  kPhragmen,
  kRanked,    // irv, stv, schulze
};

// Rules that fund down an order until the money runs out (greedy family,
// knapsack, and schulze down its ranking): the state when the project's turn came.
struct TurnExplanation {
  Money left_at_turn = 0;  // money left when its turn came
  Money shortfall = 0;     // cost - left_at_turn when it did not fit, else 0
  // Funded in earlier rounds, in order: they used the money. Knapsack amounts
  // may be less than the cost (partial funding).
  std::vector<ProjectIndex> funded_before;
  std::vector<Money> amounts_before;  // parallel to funded_before
  // The rule's minimum score, when it has one, and the score compared with it
  // (the sum of satisfactions the rule counts: votes, points, rank points...).
  std::optional<std::int64_t> threshold;
  std::int64_t threshold_score = 0;
  Money amount = 0;  // what it received (knapsack: can be less than its cost)
  // greedy-no-skip and greedy-reserve: the round at which the rule stopped
  // before its turn came, and the project there (greedy-reserve: possibly
  // funded from the reserve; `shortfall` is then what the reserve paid).
  std::optional<std::size_t> stopped_at;
  ProjectIndex stopped_project = 0;
  bool stopped_project_reserve = false;  // greedy-reserve funded it from the reserve
  std::optional<std::int64_t> reserve_share;  // greedy-reserve: its share, percent
};

// One round of an MES run, seen from the explained project. Its own figures
// are given only at the rounds that decide it (one count yields them for
// every project): the run does not take every project's exact rho and money
// every round.
struct MesStep {
  ProjectIndex winner = 0;  // funded this round
  Rational winner_rho;      // 0 for free projects
  // The project's own rho before this round, given only at the last round it
  // could still be funded in: the round that funded it (its rho is then
  // winner_rho), or the last before its supporters could no longer pay for it
  // or a project of its exclusive group was funded. Unset elsewhere.
  std::optional<Rational> rho;
  // Its supporters' money after this round, given after the rounds that
  // decide it: funded, the rounds before and after its own; else the round
  // its rho is last given, the first after which it fell short of its cost,
  // and the last round. Unset elsewhere.
  std::optional<Rational> money_after;
};

struct MesExplanation {
  Rational voter_budget;     // each voter's starting money (budget / voters, or mes-add1's)
  std::int64_t supporters = 0;     // voters who gain from it
  std::int64_t total_utility = 0;  // their utilities summed (for cost satisfaction: supporters x cost)
  bool uniform = true;       // every supporter gets the same utility from it
  Rational money_at_start;   // supporters x voter_budget
  // Funded: its rho; the price per supporter when every supporter values it
  // alike (else each pays rho x utility, capped at what they hold); and how
  // many paid the full price, paid all they had left (less), or had nothing.
  Rational rho;
  std::optional<Rational> price;
  std::int64_t paid_full = 0;
  std::int64_t paid_all_left = 0;
  std::int64_t had_nothing = 0;
  // Its supporters' money just before it was funded, or, if it never was, at the end.
  Rational money_at_turn;
  // Rounds done when its supporters' money first fell below its cost (0: it
  // never could be afforded); unset if it never did.
  std::optional<std::size_t> unaffordable_after;
  // Not funded, at the end: cost / supporters vs the average money left per supporter.
  Rational needed_per_supporter;
  Rational average_left;
  Rational shortfall;  // cost - money_at_turn (positive)
  // The rho of the last round that funded a project at a price; what its
  // supporters would pay at that rho; and how many more supporters holding a
  // full share (voter_budget) it would have needed to be affordable at it.
  std::optional<Rational> last_rho;
  Rational payable_at_last_rho;
  std::optional<std::int64_t> extra_supporters_at_last_rho;
  // How many more full-share supporters it needs to cover the shortfall at all.
  std::int64_t extra_supporters_for_shortfall = 0;
  std::vector<MesStep> steps;  // one per round of the run
};

struct PhragmenExplanation {
  bool over_budget = false;  // costs more than the whole budget: never considered
  // Funded: the max load its round set. Not funded: the load it would have set
  // when the rule stopped (or at the end).
  Rational load;
  bool load_infinite = false;  // nobody supports it
  // The round at which the rule stopped (a project with the least load did
  // not fit), its project and load.
  std::optional<std::size_t> stop_round;
  ProjectIndex stop_project = 0;
  Rational stop_load;
  bool stop_load_infinite = false;
};

struct RankedExplanation {
  // schulze: its place in the ranking (0 is first) and how many it beats.
  std::optional<std::size_t> position;
  std::int64_t wins = 0;
  // irv/stv: neither elected nor eliminated (still in the count at the end).
  bool still_continuing = false;
};

struct ProjectExplanation {
  std::string rule;
  std::string criterion;          // what `score` measures (Outcome::criterion)
  int score_money_power = 0;      // as Outcome::score_money_power
  std::string tie_break;
  ExplanationKind kind = ExplanationKind::kGreedy;
  ProjectIndex project = 0;
  Money cost = 0;
  Money budget = 0;
  bool funded = false;  // selected (knapsack: given at least part of its cost)
  // The round that decided it: index in the outcome's rounds (0 is the first).
  // Unset when no round names it (MES never reached it, irv/stv still counting).
  std::optional<std::size_t> round;
  std::optional<Decision> decision;
  Rational score;  // the round's score; MES: rho
  bool score_infinite = false;
  std::int64_t votes = 0;  // ballots listing it (Election::SupportCounts)
  Money left_before = 0;   // budget left when its round began
  Money left_after = 0;    // and after it
  std::size_t rounds_total = 0;
  std::vector<ProjectIndex> selected;  // the rule's whole selection, in order
  // If it was tied with others at its round, those projects in tie-break order.
  std::vector<ProjectIndex> tied_with;
  // equalshares-add1u: funded by the utilitarian completion after MES.
  bool completion = false;
  // equalshares-*: the comparison step's counts (Outcome::comparison). When it
  // kept greedy's outcome, kind is kGreedy.
  std::optional<Outcome::Comparison> comparison;

  TurnExplanation turn;  // kGreedy, kKnapsack, and kRanked's schulze
  MesExplanation mes;
  PhragmenExplanation phragmen;
  RankedExplanation ranked;
};

// Runs `rule` and explains what it did with `project`. Errors as Tally's, and
// a project index out of range. The same as ExplainAll's entry for it.
Result<ProjectExplanation> Explain(const Election& election, RuleKind rule, const TieBreak& tie_break,
                                   const RuleOptions& options, ProjectIndex project);

// The outcome and every project's explanation from one count: the rule runs
// once (MES: once more, watching every project), so all of them cost about
// twice a tally rather than a tally each.
struct Explanations {
  Outcome outcome;                           // as Tally's
  std::vector<ProjectExplanation> projects;  // by project index
};
Result<Explanations> ExplainAll(const Election& election, RuleKind rule, const TieBreak& tie_break,
                                const RuleOptions& options);

}  // namespace psephos::engine
