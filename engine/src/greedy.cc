// Greedy utilitarian rules: order projects by a score, fund down the list.
#include <algorithm>
#include <numeric>

#include "rule_impl.h"

namespace psephos::engine::internal {
namespace {

__extension__ using Wide = __int128;  // votes x cost never overflows it

// A density num/den with den > 0, or infinity. Integral so that comparisons are exact.
struct Density {
  std::int64_t num = 0;
  std::int64_t den = 1;
  bool infinite = false;

  bool operator==(const Density& o) const {
    if (infinite || o.infinite) return infinite == o.infinite;
    return static_cast<Wide>(num) * o.den == static_cast<Wide>(o.num) * den;
  }
  bool operator>(const Density& o) const {
    if (infinite || o.infinite) return infinite && !o.infinite;
    return static_cast<Wide>(num) * o.den > static_cast<Wide>(o.num) * den;
  }
};

Density DensityOf(GreedyVariant variant, std::int64_t votes, Money cost) {
  switch (variant) {
    case GreedyVariant::kCostSat:
      // Cost_Sat gives a free project zero satisfaction, hence density 0.
      return {cost > 0 ? votes : 0, 1, false};
    case GreedyVariant::kCardSat:
    case GreedyVariant::kPointsSat:
      if (votes == 0) return {0, 1, false};
      if (cost == 0) return {0, 1, true};
      return {votes, cost, false};
    case GreedyVariant::kOfficialSkip:
    case GreedyVariant::kOfficialNoSkip:
      return {votes, 1, false};
  }
  return {};
}

}  // namespace

Outcome RunGreedy(const Election& election, const TieBreak& tie_break, GreedyVariant variant,
                  const RuleOptions& options) {
  // Supporters, or for points ballots the points each project received.
  std::vector<std::int64_t> votes = election.SupportCounts();
  if (variant == GreedyVariant::kPointsSat) {
    std::fill(votes.begin(), votes.end(), 0);
    for (std::size_t b = 0; b < election.profile.size(); ++b) {
      auto projects = election.profile.projects(b);
      auto points = election.profile.points(b);
      for (std::size_t i = 0; i < projects.size(); ++i) votes[projects[i]] += points[i];
    }
  }
  const std::size_t n = election.projects.size();
  std::vector<Density> density(n);
  for (std::size_t p = 0; p < n; ++p) {
    density[p] = DensityOf(variant, votes[p], election.projects[p].cost);
  }
  std::vector<ProjectIndex> order(n);
  std::iota(order.begin(), order.end(), ProjectIndex{0});
  std::sort(order.begin(), order.end(), [&](ProjectIndex a, ProjectIndex b) {
    if (!(density[a] == density[b])) return density[a] > density[b];
    return tie_break.Prefers(a, b);
  });

  Outcome out;
  out.criterion = variant == GreedyVariant::kCardSat    ? "votes_per_cost"
                  : variant == GreedyVariant::kPointsSat ? "points_per_cost"
                                                         : "votes";
  out.score_money_power =
      variant == GreedyVariant::kCardSat || variant == GreedyVariant::kPointsSat ? -1 : 0;
  out.budget = election.budget;
  Money left = election.budget;
  bool stopped = false;
  for (std::size_t i = 0; i < n && !stopped; ++i) {
    const ProjectIndex p = order[i];
    // A run of equal scores is a tie the tie-break settled; report it once.
    if ((i == 0 || !(density[order[i - 1]] == density[p])) && i + 1 < n &&
        density[order[i + 1]] == density[p]) {
      Tie tie;
      tie.round = out.rounds.size();
      for (std::size_t j = i; j < n && density[order[j]] == density[p]; ++j) {
        tie.tied.push_back(order[j]);
      }
      tie.winner = p;
      out.ties.push_back(std::move(tie));
    }
    Round round;
    round.project = p;
    round.score = MakeRational(density[p].num, density[p].den);
    round.score_infinite = density[p].infinite;
    round.supporters = votes[p];
    const Money cost = election.projects[p].cost;
    if (options.min_supporters && votes[p] < *options.min_supporters) {
      round.decision = Decision::kBelowThreshold;
    } else if (cost <= left) {
      round.decision = Decision::kSelected;
      left -= cost;
      out.selected.push_back(p);
      out.total_cost += cost;
    } else if (variant == GreedyVariant::kOfficialNoSkip) {
      round.decision = Decision::kStopped;
      stopped = true;
    } else {
      round.decision = Decision::kSkipped;
    }
    round.budget_left = left;
    out.rounds.push_back(std::move(round));
  }
  return out;
}

}  // namespace psephos::engine::internal
