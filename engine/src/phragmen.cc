// Sequential Phragmén, as pabutools computes it, with exact rationals.
//
// Each voter carries a load. Funding p sets the load of each supporter to
//   (sum of the supporters' loads + cost(p)) / supporters(p),
// and the project giving the least such load is funded next. The rule stops
// as soon as a project with the least load no longer fits the budget.
#include <algorithm>

#include "rule_impl.h"

namespace psephos::engine::internal {

Outcome RunPhragmen(const Election& election, const TieBreak& tie_break) {
  const std::size_t np = election.projects.size();
  const Profile& profile = election.profile;
  const auto score = election.SupportCounts();

  // Supporters of each project, as ballot indices.
  std::vector<std::vector<std::uint32_t>> supporters(np);
  for (std::size_t b = 0; b < profile.size(); ++b) {
    for (ProjectIndex p : profile.projects(b)) supporters[p].push_back(static_cast<std::uint32_t>(b));
  }

  // Loads take one value per round, so a voter stores the round that set it.
  // Every load and load sum is an integer over one common denominator.
  mpz_class denominator = 1;
  std::vector<mpz_class> load_of_round{mpz_class(0)};
  std::vector<std::uint32_t> voter_round(profile.size(), 0);
  std::vector<mpz_class> load_sum(np, mpz_class(0));  // sum of p's supporters' loads

  std::vector<ProjectIndex> remaining;
  for (ProjectIndex p = 0; p < np; ++p) {
    if (election.projects[p].cost <= election.budget) remaining.push_back(p);
  }

  Exclusions exclusions(election);
  Outcome out;
  out.criterion = "max_load";
  out.score_money_power = 1;
  out.budget = election.budget;
  // Scratch for moving voters between loads: count per (project, old round).
  std::vector<std::int64_t> moved;
  std::vector<std::pair<ProjectIndex, std::uint32_t>> touched;

  while (!remaining.empty()) {
    std::vector<ProjectIndex> tied;
    // The new load of p is (load_sum[p] + cost * denominator) / (denominator * score[p]):
    // compare the numerators over score by cross-multiplying.
    mpz_class best_value, value, lhs, rhs;
    bool best_infinite = true;
    for (ProjectIndex p : remaining) {
      if (score[p] == 0) {  // an infinite load, tied with other infinite ones
        if (best_infinite) tied.push_back(p);
        continue;
      }
      value = load_sum[p] + denominator * static_cast<long>(election.projects[p].cost);
      int order = -1;
      if (!best_infinite) {
        lhs = value * static_cast<long>(score[tied.front()]);
        rhs = best_value * static_cast<long>(score[p]);
        order = cmp(lhs, rhs);
      }
      if (order < 0) {
        best_value = value;
        best_infinite = false;
        tied.assign(1, p);
      } else if (order == 0) {
        tied.push_back(p);
      }
    }
    Rational best;
    if (!best_infinite) {
      best = Rational(best_value, denominator * static_cast<long>(score[tied.front()]));
      best.canonicalize();
    }
    tied = OrderTied(std::move(tied), tie_break);
    const Money left = election.budget - out.total_cost;
    auto over = std::find_if(tied.begin(), tied.end(), [&](ProjectIndex p) {
      return election.projects[p].cost > left;
    });
    Round round;
    round.score = best;
    round.score_infinite = best_infinite;
    if (tied.size() > 1) out.ties.push_back(Tie{out.rounds.size(), tied, tied.front()});
    if (over != tied.end()) {
      round.project = *over;
      round.decision = Decision::kStopped;
      round.supporters = score[*over];
      round.budget_left = left;
      out.rounds.push_back(std::move(round));
      break;
    }
    const ProjectIndex winner = tied.front();
    out.selected.push_back(winner);
    out.total_cost += election.projects[winner].cost;
    std::erase(remaining, winner);
    exclusions.Fund(winner);
    if (exclusions.active()) std::erase_if(remaining, [&](ProjectIndex p) { return exclusions.Excluded(p); });
    round.project = winner;
    round.supporters = score[winner];
    round.budget_left = election.budget - out.total_cost;
    out.rounds.push_back(std::move(round));
    if (best_infinite) continue;  // nobody supports it: no load moves

    // Move the winner's supporters to the new load, updating load sums.
    mpz_class common;
    mpz_lcm(common.get_mpz_t(), denominator.get_mpz_t(), best.get_den_mpz_t());
    if (common != denominator) {
      const mpz_class factor = common / denominator;
      for (auto& sum : load_sum) sum *= factor;
      for (auto& load : load_of_round) load *= factor;
      denominator = common;
    }
    const auto new_round = static_cast<std::uint32_t>(load_of_round.size());
    load_of_round.push_back(best.get_num() * (denominator / best.get_den()));
    const std::size_t width = load_of_round.size();
    moved.assign(np * width, 0);
    for (std::uint32_t v : supporters[winner]) {
      const std::uint32_t old = voter_round[v];
      for (ProjectIndex p : profile.projects(v)) {
        if (moved[p * width + old]++ == 0) touched.emplace_back(p, old);
      }
      voter_round[v] = new_round;
    }
    for (auto [p, old] : touched) {
      load_sum[p] += (load_of_round[new_round] - load_of_round[old]) * moved[p * width + old];
    }
    touched.clear();
  }
  out.votes = score;
  return out;
}

}  // namespace psephos::engine::internal
