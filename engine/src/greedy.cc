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

// pabutools' density: total satisfaction per unit of cost. Its additive
// greedy gives a project nobody values density 0 and a free one infinity;
// its general greedy (Borda) makes every free project infinite.
Density DensityOf(std::int64_t total, Money cost, bool additive) {
  if (additive && total <= 0) return {0, 1, false};
  if (cost == 0) return {0, 1, true};
  return {total, cost, false};
}

const char* Criterion(GreedyOrder order, Satisfaction sat) {
  if (order != GreedyOrder::kDensity) {
    return sat == Satisfaction::kCardinality ? "votes" : sat == Satisfaction::kPoints ? "points" : "rank_points";
  }
  switch (sat) {
    case Satisfaction::kCost: return "votes";  // cost x votes per unit of cost
    case Satisfaction::kCardinality: return "votes_per_cost";
    case Satisfaction::kPoints: return "points_per_cost";
    case Satisfaction::kBorda: return "borda_per_cost";
    case Satisfaction::kRankPoints: return "rank_points_per_cost";
  }
  return "";
}

}  // namespace

std::int64_t EntryUtility(const Election& election, Satisfaction sat, const RuleOptions& options,
                          std::size_t ballot, std::size_t position) {
  const auto projects = election.profile.projects(ballot);
  switch (sat) {
    case Satisfaction::kCardinality: return 1;
    case Satisfaction::kCost: return election.projects[projects[position]].cost;
    case Satisfaction::kPoints: {
      const auto points = election.profile.points(ballot);
      return points.empty() ? 0 : points[position];
    }
    case Satisfaction::kBorda:
      return static_cast<std::int64_t>(projects.size() - position) - 1;
    case Satisfaction::kRankPoints: {
      if (!options.rank_points.empty()) {
        return position < options.rank_points.size() ? options.rank_points[position] : 0;
      }
      const std::int64_t top = election.rules.max_projects.value_or(static_cast<std::int64_t>(projects.size()));
      return std::max<std::int64_t>(0, top - static_cast<std::int64_t>(position));
    }
  }
  return 0;
}


Outcome RunGreedy(const Election& election, const TieBreak& tie_break, GreedyOrder greedy_order,
                  Satisfaction sat, const RuleOptions& options) {
  const std::size_t n = election.projects.size();
  const std::vector<std::int64_t> supporters = election.SupportCounts();
  std::vector<std::int64_t> total(n, 0);  // the satisfaction each project gives all voters
  for (std::size_t b = 0; b < election.profile.size(); ++b) {
    const auto projects = election.profile.projects(b);
    for (std::size_t i = 0; i < projects.size(); ++i) {
      total[projects[i]] += EntryUtility(election, sat, options, b, i);
    }
  }
  std::vector<Density> density(n);
  for (std::size_t p = 0; p < n; ++p) {
    density[p] = greedy_order == GreedyOrder::kDensity
                     ? DensityOf(total[p], election.projects[p].cost, sat != Satisfaction::kBorda)
                     : Density{total[p], 1, false};
  }
  std::vector<ProjectIndex> order(n);
  std::iota(order.begin(), order.end(), ProjectIndex{0});
  std::sort(order.begin(), order.end(), [&](ProjectIndex a, ProjectIndex b) {
    if (!(density[a] == density[b])) return density[a] > density[b];
    return tie_break.Prefers(a, b);
  });

  Outcome out;
  out.criterion = Criterion(greedy_order, sat);
  out.score_money_power =
      greedy_order == GreedyOrder::kDensity && sat != Satisfaction::kCost ? -1 : 0;
  out.budget = election.budget;
  out.votes = supporters;
  Money left = election.budget;
  bool stopped = false;
  Exclusions exclusions(election);
  const bool no_skip = greedy_order == GreedyOrder::kScoreNoSkip || greedy_order == GreedyOrder::kScoreReserve;
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
    round.supporters = supporters[p];
    const Money cost = election.projects[p].cost;
    if (exclusions.Excluded(p)) {
      round.decision = Decision::kExcluded;
    } else if (options.min_score && total[p] < *options.min_score) {
      round.decision = Decision::kBelowThreshold;
    } else if (cost <= left) {
      round.decision = Decision::kSelected;
      left -= cost;
      out.selected.push_back(p);
      out.total_cost += cost;
      exclusions.Fund(p);
    } else if (no_skip && cost > election.budget) {
      // More than the whole budget (a withdrawn project's placeholder cost):
      // it could never be funded, so it does not end the count.
      round.decision = Decision::kOutOfReach;
    } else if (greedy_order == GreedyOrder::kScoreReserve &&
               static_cast<Wide>(left) * 100 >= static_cast<Wide>(cost) * options.reserve_share.value_or(101)) {
      round.decision = Decision::kFundedFromReserve;
      out.selected.push_back(p);
      out.total_cost += cost;
      out.reserve_used = cost - left;
      left = 0;
      stopped = true;
    } else if (no_skip) {
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
