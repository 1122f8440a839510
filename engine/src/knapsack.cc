// Knapsack aggregation (Goel, Krishnaswamy, Sakshuwong, Aitamurto): every
// dollar of a project carries the votes of the ballots holding the project,
// and the budget buys dollars from the most voted down. For projects that must
// be built whole this is greedy by number of ballots; projects that accept
// partial funding can take the money that is left when their turn comes.
//
// Projects tied on votes form a level. Within a level, whole-only projects go
// first in tie-break order (each funded if it fits); then the partial-funding
// projects are funded fully if they all fit, or else share what is left by the
// chosen PartialPolicy. Amounts are whole money units: fractional shares are
// rounded down and the units left over go one each to the tied projects with
// the largest remainders (ties by the tie-break).
#include <algorithm>
#include <numeric>

#include "rule_impl.h"

namespace psephos::engine::internal {
namespace {

__extension__ using Wide = __int128;  // money x money never overflows it

// Hands out `left` among projects of the given costs (in tie-break order),
// none above its cost, when their costs add up to more than `left`.
std::vector<Money> Share(PartialPolicy policy, const std::vector<Money>& cost, Money left) {
  const std::size_t k = cost.size();
  std::vector<Money> amount(k, 0);
  if (policy == PartialPolicy::kIncreasing) {
    for (std::size_t i = 0; i < k && left > 0; ++i) {
      amount[i] = std::min(cost[i], left);
      left -= amount[i];
    }
    return amount;
  }
  // Exact shares as fractions num[i] / den, then whole units by largest remainder.
  std::vector<Wide> num(k);
  Wide den = 1;
  if (policy == PartialPolicy::kFractional) {
    Wide need = 0;
    for (Money c : cost) need += c;
    den = need;
    for (std::size_t i = 0; i < k; ++i) num[i] = static_cast<Wide>(left) * cost[i];
  } else {  // kEqualizing: the level t with sum of min(cost, t) = left
    std::vector<std::size_t> by_cost(k);
    std::iota(by_cost.begin(), by_cost.end(), std::size_t{0});
    std::stable_sort(by_cost.begin(), by_cost.end(), [&](std::size_t a, std::size_t b) { return cost[a] < cost[b]; });
    std::vector<bool> capped(k, false);
    Money rest = left;
    std::size_t uncapped = k;
    for (std::size_t i : by_cost) {
      if (static_cast<Wide>(cost[i]) * static_cast<Wide>(uncapped) > rest) break;
      capped[i] = true;  // even a full share would exceed its cost
      rest -= cost[i];
      --uncapped;
    }
    den = static_cast<Wide>(std::max<std::size_t>(uncapped, 1));
    for (std::size_t i = 0; i < k; ++i) num[i] = capped[i] ? static_cast<Wide>(cost[i]) * den : rest;
  }
  Money given = 0;
  std::vector<Wide> remainder(k);
  for (std::size_t i = 0; i < k; ++i) {
    amount[i] = static_cast<Money>(num[i] / den);
    remainder[i] = num[i] % den;
    given += amount[i];
  }
  std::vector<std::size_t> order(k);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::size_t i = 0; given < left && i < k; ++i) {
    if (remainder[order[i]] == 0) break;
    ++amount[order[i]];
    ++given;
  }
  return amount;
}

}  // namespace

Outcome RunKnapsack(const Election& election, const TieBreak& tie_break, const RuleOptions& options) {
  const std::size_t n = election.projects.size();
  const std::vector<std::int64_t> votes = election.SupportCounts();
  auto partial = [&](ProjectIndex p) { return !options.partial_funding.empty() && options.partial_funding[p]; };
  std::vector<ProjectIndex> order(n);
  std::iota(order.begin(), order.end(), ProjectIndex{0});
  std::sort(order.begin(), order.end(), [&](ProjectIndex a, ProjectIndex b) {
    return votes[a] != votes[b] ? votes[a] > votes[b] : tie_break.Prefers(a, b);
  });

  Outcome out;
  out.criterion = "votes";
  out.budget = election.budget;
  Money left = election.budget;
  Exclusions exclusions(election);
  auto record = [&](ProjectIndex p, Decision decision, Money amount) {
    if (amount > 0 || decision == Decision::kSelected) {
      out.selected.push_back(p);
      out.amounts.push_back(amount);
      out.total_cost += amount;
      left -= amount;
    }
    Round round;
    round.project = p;
    round.decision = decision;
    round.score = MakeRational(votes[p]);
    round.supporters = votes[p];
    round.budget_left = left;
    out.rounds.push_back(std::move(round));
  };
  const std::int64_t min_votes = std::max<std::int64_t>(1, options.min_score.value_or(1));
  for (std::size_t start = 0; start < n;) {
    std::size_t end = start;
    while (end < n && votes[order[end]] == votes[order[start]]) ++end;
    const std::vector<ProjectIndex> level(order.begin() + static_cast<std::ptrdiff_t>(start),
                                          order.begin() + static_cast<std::ptrdiff_t>(end));
    start = end;
    if (level.size() > 1) out.ties.push_back(Tie{out.rounds.size(), level, level.front()});
    if (votes[level.front()] < min_votes) {  // nobody asked for these dollars
      for (ProjectIndex p : level) record(p, Decision::kBelowThreshold, 0);
      continue;
    }
    std::vector<ProjectIndex> divisible;
    for (ProjectIndex p : level) {
      if (exclusions.Excluded(p)) {
        record(p, Decision::kExcluded, 0);
      } else if (partial(p)) {
        divisible.push_back(p);
        exclusions.Fund(p);  // of a group, only the first shares the money
      } else {
        const Money cost = election.projects[p].cost;
        record(p, cost <= left ? Decision::kSelected : Decision::kSkipped, cost <= left ? cost : 0);
        if (out.rounds.back().decision == Decision::kSelected) exclusions.Fund(p);
      }
    }
    std::vector<Money> cost;
    Money need = 0;
    for (ProjectIndex p : divisible) {
      cost.push_back(election.projects[p].cost);
      need += cost.back();
    }
    const std::vector<Money> amount =
        need <= left ? cost : Share(options.partial_policy, cost, left);
    for (std::size_t i = 0; i < divisible.size(); ++i) {
      const Decision d = amount[i] == cost[i] ? Decision::kSelected
                         : amount[i] > 0      ? Decision::kPartiallyFunded
                                              : Decision::kSkipped;
      record(divisible[i], d, amount[i]);
    }
  }
  out.votes = votes;
  return out;
}

}  // namespace psephos::engine::internal
