// The Method of Equal Shares as the equalshares.net compute tool runs it
// (the count behind pabulib's `equalshares/add1`): add1 with integral
// endowments, optionally utilitarian completion, optionally the comparison
// step. Approval ballots, cost satisfaction, exact arithmetic throughout.
#include <algorithm>
#include <numeric>

#include "rule_impl.h"

namespace psephos::engine::internal {
namespace {

__extension__ using Wide = __int128;  // a sum of costs never overflows it

// Projects by votes, most first, ties by the tie-break: the tool's greedy order.
std::vector<ProjectIndex> ByVotes(const Election& election, const TieBreak& tie_break,
                                  const std::vector<std::int64_t>& votes) {
  std::vector<ProjectIndex> order(election.projects.size());
  std::iota(order.begin(), order.end(), ProjectIndex{0});
  std::sort(order.begin(), order.end(), [&](ProjectIndex a, ProjectIndex b) {
    if (votes[a] != votes[b]) return votes[a] > votes[b];
    return tie_break.Prefers(a, b);
  });
  return order;
}

// Adds, down the order by votes, every project that still fits (and whose
// exclusive group has nothing funded): one round each.
void CompleteByVotes(const Election& election, const TieBreak& tie_break, Outcome& out) {
  const std::vector<std::int64_t> votes = election.SupportCounts();
  std::vector<bool> in(election.projects.size(), false);
  Exclusions exclusions(election);
  for (ProjectIndex p : out.selected) {
    in[p] = true;
    exclusions.Fund(p);
  }
  out.completion_from = out.rounds.size();
  for (ProjectIndex p : ByVotes(election, tie_break, votes)) {
    const Money cost = election.projects[p].cost;
    if (in[p] || exclusions.Excluded(p) || out.total_cost + cost > election.budget) continue;
    in[p] = true;
    exclusions.Fund(p);
    out.selected.push_back(p);
    out.total_cost += cost;
    Round round;
    round.project = p;
    round.score = MakeRational(votes[p]);
    round.supporters = votes[p];
    round.budget_left = election.budget - out.total_cost;
    out.rounds.push_back(std::move(round));
  }
}

// For each voter, how many funded projects they approve.
std::vector<std::int64_t> Approved(const Election& election, const std::vector<ProjectIndex>& selected) {
  std::vector<bool> in(election.projects.size(), false);
  for (ProjectIndex p : selected) in[p] = true;
  std::vector<std::int64_t> count(election.profile.size(), 0);
  for (std::size_t b = 0; b < election.profile.size(); ++b) {
    for (ProjectIndex p : election.profile.projects(b)) count[b] += in[p] ? 1 : 0;
  }
  return count;
}

}  // namespace

Outcome RunEqualShares(const Election& election, const TieBreak& tie_break, bool complete,
                       const RuleOptions& options, std::vector<MesProbe>* probes) {
  const auto voters = static_cast<std::int64_t>(election.profile.size());  // > 0: Tally checks
  Wide all_costs = 0;
  for (const Project& p : election.projects) all_costs += p.cost;
  Outcome out;
  if (all_costs <= election.budget) {
    // The tool skips add1 when everything fits: one run with the whole budget.
    out = RunMes(election, tie_break, Satisfaction::kCost, MakeRational(election.budget, voters), probes);
  } else {
    // Integral endowments: each voter starts with floor(budget / voters) whole
    // currency units, and every run adds one more, until the outcome costs
    // more than the budget; the last one within it is kept. (The tool's
    // optional stop at the first exhaustive outcome was not used in the
    // published counts: with it Wieliczka 2023 would fund 66 and 67, not 46.)
    Money unit = 1;
    for (int i = 0; i < election.money_scale; ++i) unit *= 10;
    const Rational start = MakeRational(election.budget / (static_cast<Money>(voters) * unit) * unit);
    out = RunMesAdd1(election, tie_break, &start, /*stop_when_exhaustive=*/false, options, probes);
  }
  if (complete) CompleteByVotes(election, tie_break, out);
  if (options.comparison == Comparison::kNone) return out;

  // The comparison step: greedy by votes, skipping, replaces the outcome when
  // more voters prefer it; on a tie the rule's outcome stays.
  Outcome greedy = RunGreedy(election, tie_break, GreedyOrder::kScoreSkip, Satisfaction::kCardinality, RuleOptions{});
  const auto ours = Approved(election, out.selected);
  const auto theirs = Approved(election, greedy.selected);
  Outcome::Comparison comparison;
  comparison.by = ComparisonName(options.comparison);
  for (std::size_t b = 0; b < ours.size(); ++b) {
    const std::int64_t a = options.comparison == Comparison::kExclusion ? std::min<std::int64_t>(ours[b], 1) : ours[b];
    const std::int64_t g =
        options.comparison == Comparison::kExclusion ? std::min<std::int64_t>(theirs[b], 1) : theirs[b];
    if (a > g) ++comparison.prefer_rule;
    if (g > a) ++comparison.prefer_greedy;
  }
  comparison.kept_greedy = comparison.prefer_greedy > comparison.prefer_rule;
  if (comparison.kept_greedy) {
    greedy.voter_budget = out.voter_budget;
    greedy.iterations = out.iterations;
    out = std::move(greedy);
  }
  out.comparison = comparison;
  return out;
}

}  // namespace psephos::engine::internal
