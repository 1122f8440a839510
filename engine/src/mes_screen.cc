#include "mes_screen.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace psephos::engine::internal {
namespace {

constexpr double kEpsilon = 0x1p-52;  // a double's relative rounding, doubled

// Two doubles at once (SSE2 on x86-64, NEON on ARM): the passes over a
// project's supporters are most of the screen's time, and a compiler may not
// reorder a floating sum by itself. (The error bounds below hold for a sum in
// any order.)
using Pair = double __attribute__((vector_size(16)));
using PairMask = std::int64_t __attribute__((vector_size(16)));

Pair LoadPair(const double* at) {
  Pair v;
  std::memcpy(&v, at, sizeof v);
  return v;
}

// What the budgets below q hold, and how many are at or above it.
PriceSplit SplitAt(const std::vector<double>& values, double q) {
  const Pair threshold = {q, q};
  Pair sum_a = {0, 0};
  Pair sum_b = {0, 0};
  PairMask poor_a = {0, 0};  // minus the poor: a comparison gives -1 for true
  PairMask poor_b = {0, 0};
  const std::size_t n = values.size();
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const Pair a = LoadPair(&values[i]);
    const Pair b = LoadPair(&values[i + 2]);
    const PairMask in_a = a < threshold;
    const PairMask in_b = b < threshold;
    sum_a += reinterpret_cast<Pair>(reinterpret_cast<PairMask>(a) & in_a);
    sum_b += reinterpret_cast<Pair>(reinterpret_cast<PairMask>(b) & in_b);
    poor_a += in_a;
    poor_b += in_b;
  }
  double money = (sum_a[0] + sum_a[1]) + (sum_b[0] + sum_b[1]);
  std::int64_t poor = -(poor_a[0] + poor_a[1] + poor_b[0] + poor_b[1]);
  for (; i < n; ++i) {
    if (values[i] < q) {
      money += values[i];
      ++poor;
    }
  }
  return PriceSplit{money, static_cast<std::int64_t>(n) - poor};
}

// The least distance from a value to q.
double Nearest(const std::vector<double>& values, double q) {
  const Pair threshold = {q, q};
  const Pair inf = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  Pair least_a = inf;
  Pair least_b = inf;
  const std::size_t n = values.size();
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    Pair a = LoadPair(&values[i]) - threshold;
    Pair b = LoadPair(&values[i + 2]) - threshold;
    a = a < 0 ? -a : a;
    b = b < 0 ? -b : b;
    least_a = a < least_a ? a : least_a;
    least_b = b < least_b ? b : least_b;
  }
  double least = std::min(std::min(least_a[0], least_a[1]), std::min(least_b[0], least_b[1]));
  for (; i < n; ++i) least = std::min(least, std::abs(values[i] - q));
  return least;
}

}  // namespace

MesScreen::MesScreen(const Election& election, const MesInstance& inst, const TieBreak& tie_break)
    : election_(election), inst_(inst), tie_break_(tie_break) {
  initial_lo_.assign(election.projects.size(), 0);
  for (ProjectIndex p : inst.candidates) {
    usable_ = usable_ && inst.uniform[p];
    const Rational& rho = inst.initial_rho[p];
    initial_lo_[p] = ToDouble(rho.get_num(), rho.get_den()) * (1 - 8 * kEpsilon);
  }
}

std::optional<ScreenedOutcome> MesScreen::Run(const Rational& voter_budget) {
  if (!usable_) return std::nullopt;
  start_ = ToDouble(voter_budget.get_num(), voter_budget.get_den());
  budget_.assign(inst_.num_voters, start_);
  price_floor_.assign(election_.projects.size(), 0);
  budget_error_ = 4 * kEpsilon * start_;
  ScreenedOutcome out;
  Exclusions exclusions(election_);
  for (ProjectIndex p : internal::OrderTied(inst_.free_projects, tie_break_)) {
    if (exclusions.Excluded(p)) continue;
    exclusions.Fund(p);
    out.selected.push_back(p);
  }
  std::vector<ProjectIndex> remaining = inst_.candidates;
  std::erase_if(remaining, [&](ProjectIndex p) { return exclusions.Excluded(p); });
  const std::size_t np = election_.projects.size();
  std::vector<double> lo = initial_lo_;
  std::vector<Estimate> estimate(np);
  std::vector<bool> dropped(np, false);
  std::vector<ProjectIndex> evaluated;
  std::vector<ProjectIndex> contenders;
  while (!remaining.empty()) {
    // As the exact count: from the lowest bound on rho up, until the next
    // bound exceeds the best upper end.
    std::sort(remaining.begin(), remaining.end(), [&](ProjectIndex a, ProjectIndex b) {
      return lo[a] != lo[b] ? lo[a] < lo[b] : tie_break_.Prefers(a, b);
    });
    double best_hi = std::numeric_limits<double>::infinity();
    evaluated.clear();
    for (ProjectIndex p : remaining) {
      if (lo[p] > best_hi) break;
      estimate[p] = EstimateRho(p);
      switch (estimate[p].kind) {
        case Estimate::Kind::kUnsure:
          return std::nullopt;
        case Estimate::Kind::kUnaffordable:
          dropped[p] = true;
          continue;
        case Estimate::Kind::kWithin:
          break;
      }
      lo[p] = std::max(lo[p], estimate[p].lo);
      best_hi = std::min(best_hi, estimate[p].hi);
      evaluated.push_back(p);
    }
    std::erase_if(remaining, [&](ProjectIndex p) { return dropped[p]; });
    contenders.clear();
    for (ProjectIndex p : evaluated) {
      if (lo[p] <= best_hi) contenders.push_back(p);
    }
    if (contenders.empty()) break;
    ProjectIndex winner = contenders.front();
    if (contenders.size() > 1) {
      // Too close for doubles. Where nobody is poor, rho is cost / (rich * u)
      // exactly; elsewhere the exact count decides.
      std::vector<Rational> rho;
      for (ProjectIndex p : contenders) {
        if (!estimate[p].all_rich) return std::nullopt;
        rho.emplace_back(mpz_class(static_cast<long>(election_.projects[p].cost)),
                         mpz_class(static_cast<long>(estimate[p].rich)) *
                             mpz_class(static_cast<long>(inst_.Utilities(p)[0])));
        rho.back().canonicalize();
      }
      const Rational best = *std::min_element(rho.begin(), rho.end());
      std::vector<ProjectIndex> tied;
      for (std::size_t i = 0; i < contenders.size(); ++i) {
        if (rho[i] == best) tied.push_back(contenders[i]);
      }
      winner = internal::OrderTied(std::move(tied), tie_break_).front();
    }
    Pay(winner, estimate[winner]);
    std::erase(remaining, winner);
    exclusions.Fund(winner);
    if (exclusions.active()) std::erase_if(remaining, [&](ProjectIndex p) { return exclusions.Excluded(p); });
    out.selected.push_back(winner);
    out.total_cost += election_.projects[winner].cost;
  }
  return out;
}

// With one utility u, rho = q / u where the price q solves
// sum min(budget, q) = cost (SettlePrice). It stands only when every budget
// is farther from q than the errors of both: then the exact count has the
// same poor voters, and its q differs from ours by rounding alone.
MesScreen::Estimate MesScreen::EstimateRho(ProjectIndex p) {
  Estimate unsure;
  auto supporters = inst_.Supporters(p);
  values_.resize(supporters.size());
  std::size_t kept = 0;
  for (std::uint32_t v : supporters) {
    const double a = budget_[v];
    values_[kept] = a;
    kept += a > 0 ? 1 : 0;  // the poor's zero is exact
  }
  values_.resize(kept);
  Estimate unaffordable;
  unaffordable.kind = Estimate::Kind::kUnaffordable;
  if (values_.empty()) return unaffordable;
  const auto cost = static_cast<double>(election_.projects[p].cost);
  const auto n = static_cast<double>(values_.size());
  const double money = SplitAt(values_, std::numeric_limits<double>::infinity()).poor_money;
  const double money_error = n * budget_error_ + (n + 4) * kEpsilon * money;
  if (money + money_error < cost) return unaffordable;
  if (money - money_error < cost) return unsure;
  // The price only grows from round to round: start from the last one.
  const auto settled =
      SettlePrice(cost, std::max(cost / n, price_floor_[p]), [&](double price) { return SplitAt(values_, price); });
  if (!settled) return unsure;
  const double q = settled->first;
  const double poor_money = settled->second.poor_money;
  const std::int64_t rich = settled->second.rich;
  const auto poor = static_cast<double>(values_.size()) - static_cast<double>(rich);
  const double price_error =
      (poor * budget_error_ + (poor + 4) * kEpsilon * (cost + poor_money)) / static_cast<double>(rich) +
      4 * kEpsilon * q;
  const double apart = price_error + budget_error_;
  if (Nearest(values_, q) <= apart) return unsure;
  if (SplitAt(values_, q).rich != rich) return unsure;
  const auto utility = static_cast<double>(inst_.Utilities(p)[0]);
  Estimate e;
  e.kind = Estimate::Kind::kWithin;
  e.lo = (q - price_error) / utility * (1 - 4 * kEpsilon);
  e.hi = (q + price_error) / utility * (1 + 4 * kEpsilon);
  e.price = q;
  e.price_error = price_error;
  e.rich = rich;
  e.all_rich = rich == static_cast<std::int64_t>(values_.size());
  price_floor_[p] = q - price_error;
  return e;
}

// The poor (below the price, as the estimate settled) pay all they have, the
// rest pay the price.
void MesScreen::Pay(ProjectIndex p, const Estimate& estimate) {
  const double q = estimate.price;
  for (std::uint32_t v : inst_.Supporters(p)) {
    double& a = budget_[v];
    if (a <= 0) continue;
    a = a < q ? 0 : a - q;
  }
  budget_error_ += estimate.price_error + 2 * kEpsilon * start_;
}

}  // namespace psephos::engine::internal
