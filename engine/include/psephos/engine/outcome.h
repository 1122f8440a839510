// What a rule returns: the funded projects and everything needed to re-check them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/rational.h"

namespace psephos::engine {

enum class Decision {
  kSelected,        // funded in this round
  kSkipped,         // would exceed the remaining budget; the rule goes on
  kStopped,         // would exceed the remaining budget; the rule ends here
  kBelowThreshold,  // fewer supporters than the rule's threshold
  kUnaffordable,    // MES: its supporters' money no longer covers its cost
  kEliminated,      // IRV/STV: fewest votes this round, out of the count
  kPartiallyFunded, // knapsack: given what was left, less than its cost
  kOutOfReach,      // costs more than the whole budget: never fundable, the rule goes on
  kFundedFromReserve,  // greedy-reserve: did not fit, paid partly from a reserve; the rule ends
  kExcluded,        // a project of its exclusive group was funded before it
};
const char* DecisionName(Decision decision);

// One step of a rule. `score` is the rule's criterion (see Outcome::criterion);
// for MES, `price` is what each supporter who can afford it pays.
struct Round {
  ProjectIndex project = 0;
  Decision decision = Decision::kSelected;
  Rational score;
  bool score_infinite = false;  // e.g. a free project, or Phragmén with no supporter
  std::int64_t supporters = 0;
  Rational price;  // MES only
  Money budget_left = 0;  // after this round
};

// Projects that were equal on the criterion, in the order the tie-break put them.
struct Tie {
  std::size_t round = 0;  // index in Outcome::rounds of the decision it settled
  std::vector<ProjectIndex> tied;
  ProjectIndex winner = 0;
};

struct Outcome {
  std::string rule;
  std::string criterion;  // what Round::score measures, e.g. "votes"
  // The score's dimension in money: 0 a plain number, 1 an amount (a load, a
  // price per voter), -1 per unit of money. Scores use Money's scaled units.
  int score_money_power = 0;
  std::string tie_break;
  std::vector<ProjectIndex> selected;  // in selection order
  // Rules that rank every project (Schulze): best first. Empty otherwise.
  std::vector<ProjectIndex> ranking;
  // knapsack: the amount each selected project receives, parallel to
  // `selected` (partial funding can give less than the cost). Empty otherwise.
  std::vector<Money> amounts;
  Money total_cost = 0;
  Money budget = 0;
  std::vector<Round> rounds;
  std::vector<Tie> ties;
  // mes-add1 and equalshares-*: the per-voter budget of the returned run and
  // how many runs it took.
  Rational voter_budget;
  int iterations = 0;
  // greedy-reserve: what the reserve paid beyond the budget (total_cost - budget).
  Money reserve_used = 0;
  // equalshares-add1u: rounds from this index on were added by the
  // utilitarian completion (by votes, skipping what does not fit).
  std::optional<std::size_t> completion_from;
  // equalshares-*: the comparison step, when asked for (RuleOptions::comparison).
  struct Comparison {
    std::string by;                 // "satisfaction" or "exclusion"
    std::int64_t prefer_rule = 0;   // voters better off with the rule's outcome
    std::int64_t prefer_greedy = 0; // voters better off with greedy by votes
    bool kept_greedy = false;       // then `selected` and `rounds` are greedy's
  };
  std::optional<Comparison> comparison;
  // Ballots listing each project (by project index), when the rule counted
  // them (greedy family, knapsack, phragmen, plain MES); empty otherwise.
  std::vector<std::int64_t> votes;
};

}  // namespace psephos::engine
