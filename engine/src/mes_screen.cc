#include "mes_screen.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <utility>

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

// What the budgets below q hold, and how many are at or above it; with
// `total`, also what they all hold (the same pass: a pass costs more than its
// adds).
PriceSplit SplitAtPairs(std::span<const double> values, double q, double* total) {
  const Pair threshold = {q, q};
  Pair sum_a = {0, 0};
  Pair sum_b = {0, 0};
  Pair all_a = {0, 0};
  Pair all_b = {0, 0};
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
    all_a += a;
    all_b += b;
    poor_a += in_a;
    poor_b += in_b;
  }
  double money = (sum_a[0] + sum_a[1]) + (sum_b[0] + sum_b[1]);
  double all = (all_a[0] + all_a[1]) + (all_b[0] + all_b[1]);
  std::int64_t poor = -(poor_a[0] + poor_a[1] + poor_b[0] + poor_b[1]);
  for (; i < n; ++i) {
    all += values[i];
    if (values[i] < q) {
      money += values[i];
      ++poor;
    }
  }
  if (total) *total = all;
  return PriceSplit{money, static_cast<std::int64_t>(n) - poor};
}

// The least distance from a value to q, and how many values are at or above q.
std::pair<double, std::int64_t> NearestAndRichPairs(std::span<const double> values, double q) {
  const Pair threshold = {q, q};
  const Pair inf = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  Pair least_a = inf;
  Pair least_b = inf;
  PairMask poor_a = {0, 0};
  PairMask poor_b = {0, 0};
  const std::size_t n = values.size();
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const Pair a = LoadPair(&values[i]);
    const Pair b = LoadPair(&values[i + 2]);
    poor_a += a < threshold;
    poor_b += b < threshold;
    Pair da = a - threshold;
    Pair db = b - threshold;
    da = da < 0 ? -da : da;
    db = db < 0 ? -db : db;
    least_a = da < least_a ? da : least_a;
    least_b = db < least_b ? db : least_b;
  }
  double least = std::min(std::min(least_a[0], least_a[1]), std::min(least_b[0], least_b[1]));
  std::int64_t poor = -(poor_a[0] + poor_a[1] + poor_b[0] + poor_b[1]);
  for (; i < n; ++i) {
    least = std::min(least, std::abs(values[i] - q));
    poor += values[i] < q ? 1 : 0;
  }
  return {least, static_cast<std::int64_t>(n) - poor};
}

#if defined(__x86_64__)
// The same passes four doubles at a time, for processors with AVX2 (chosen
// once, at run time): the passes are a third of add1's time.
using Quad = double __attribute__((vector_size(32)));
using QuadMask = std::int64_t __attribute__((vector_size(32)));

__attribute__((target("avx2"))) Quad LoadQuad(const double* at) {
  Quad v;
  std::memcpy(&v, at, sizeof v);
  return v;
}

__attribute__((target("avx2"))) PriceSplit SplitAtQuads(std::span<const double> values, double q, double* total) {
  const Quad threshold = {q, q, q, q};
  Quad sum = {0, 0, 0, 0};
  Quad all = {0, 0, 0, 0};
  QuadMask poor_lanes = {0, 0, 0, 0};  // minus the poor: a comparison gives -1 for true
  const std::size_t n = values.size();
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const Quad a = LoadQuad(&values[i]);
    const QuadMask in = a < threshold;
    sum += reinterpret_cast<Quad>(reinterpret_cast<QuadMask>(a) & in);
    all += a;
    poor_lanes += in;
  }
  double money = (sum[0] + sum[1]) + (sum[2] + sum[3]);
  double every = (all[0] + all[1]) + (all[2] + all[3]);
  std::int64_t poor = -(poor_lanes[0] + poor_lanes[1] + poor_lanes[2] + poor_lanes[3]);
  for (; i < n; ++i) {
    every += values[i];
    if (values[i] < q) {
      money += values[i];
      ++poor;
    }
  }
  if (total) *total = every;
  return PriceSplit{money, static_cast<std::int64_t>(n) - poor};
}

__attribute__((target("avx2"))) std::pair<double, std::int64_t> NearestAndRichQuads(std::span<const double> values,
                                                                                    double q) {
  const Quad threshold = {q, q, q, q};
  const double inf = std::numeric_limits<double>::infinity();
  Quad least = {inf, inf, inf, inf};
  QuadMask poor_lanes = {0, 0, 0, 0};
  const std::size_t n = values.size();
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const Quad a = LoadQuad(&values[i]);
    poor_lanes += a < threshold;
    Quad d = a - threshold;
    d = d < 0 ? -d : d;
    least = d < least ? d : least;
  }
  double nearest = std::min(std::min(least[0], least[1]), std::min(least[2], least[3]));
  std::int64_t poor = -(poor_lanes[0] + poor_lanes[1] + poor_lanes[2] + poor_lanes[3]);
  for (; i < n; ++i) {
    nearest = std::min(nearest, std::abs(values[i] - q));
    poor += values[i] < q ? 1 : 0;
  }
  return {nearest, static_cast<std::int64_t>(n) - poor};
}

bool UseQuads() {
  static const bool avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return avx2;
}
#endif

PriceSplit SplitAt(std::span<const double> values, double q, double* total = nullptr) {
#if defined(__x86_64__)
  if (UseQuads()) return SplitAtQuads(values, q, total);
#endif
  return SplitAtPairs(values, q, total);
}

std::pair<double, std::int64_t> NearestAndRich(std::span<const double> values, double q) {
#if defined(__x86_64__)
  if (UseQuads()) return NearestAndRichQuads(values, q);
#endif
  return NearestAndRichPairs(values, q);
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
  return std::move(RunLanes({voter_budget}).front());
}

std::vector<std::optional<ScreenedOutcome>> MesScreen::RunLanes(const std::vector<Rational>& voter_budgets) {
  std::vector<std::optional<ScreenedOutcome>> answers(voter_budgets.size());
  if (!usable_ || voter_budgets.empty() || voter_budgets.size() > kMaxLanes) return answers;
  lanes_ = voter_budgets.size();
  std::size_t most_supporters = 0;
  for (ProjectIndex p : inst_.candidates) most_supporters = std::max(most_supporters, inst_.Supporters(p).size());
  lane_.resize(lanes_);
  const std::size_t np = election_.projects.size();
  budget_.resize(inst_.num_voters * lanes_);
  std::vector<Exclusions> exclusions;
  exclusions.reserve(lanes_);
  for (std::size_t l = 0; l < lanes_; ++l) {
    Lane& lane = lane_[l];
    lane.state = Lane::State::kRunning;
    lane.start = ToDouble(voter_budgets[l].get_num(), voter_budgets[l].get_den());
    lane.budget_error = 4 * kEpsilon * lane.start;
    for (std::size_t v = 0; v < inst_.num_voters; ++v) budget_[v * lanes_ + l] = lane.start;
    lane.values.resize(most_supporters);
    lane.price_floor.assign(np, 0);
    lane.lo = initial_lo_;
    lane.estimate.resize(np);
    lane.stamp.assign(np, kNever);
    lane.gone.assign(np, false);
    lane.out = ScreenedOutcome();
    Exclusions& ex = exclusions.emplace_back(election_);
    for (ProjectIndex p : internal::OrderTied(inst_.free_projects, tie_break_)) {
      if (ex.Excluded(p)) continue;
      ex.Fund(p);
      lane.out.selected.push_back(p);
    }
    lane.remaining = inst_.candidates;
    std::erase_if(lane.remaining, [&](ProjectIndex p) { return ex.Excluded(p); });
    for (ProjectIndex p = 0; p < np; ++p) lane.gone[p] = ex.Excluded(p);
    if (lane.remaining.empty()) lane.state = Lane::State::kDone;
  }
  std::vector<std::optional<ProjectIndex>> winner(lanes_);
  for (std::size_t round = 0;; ++round) {
    bool running = false;
    for (std::size_t l = 0; l < lanes_; ++l) {
      winner[l].reset();
      if (lane_[l].state == Lane::State::kRunning) winner[l] = Choose(l, round);
      running = running || winner[l].has_value();
    }
    if (!running) break;
    // The poor (below the price, as the estimate settled) pay all they have,
    // the rest pay the price: max(a - q, 0) is exactly that (a - q is exact
    // zero or more when a >= q, and a poor voter's 0 stays 0), with no branch
    // the data decides. Lanes funding the same project pay in one pass.
    std::size_t first = 0;
    while (first < lanes_ && !winner[first]) ++first;
    const ProjectIndex p0 = *winner[first];
    bool together = lanes_ == 2;
    for (std::size_t l = 0; l < lanes_; ++l) together = together && winner[l] == p0;
    double* budget = budget_.data();
    if (together) {
      const Pair q = {lane_[0].estimate[p0].price, lane_[1].estimate[p0].price};
      const Pair zero = {0, 0};
      for (std::uint32_t v : inst_.Supporters(p0)) {
        Pair a = LoadPair(budget + 2 * v) - q;
        a = a > zero ? a : zero;
        std::memcpy(budget + 2 * v, &a, sizeof a);
      }
    } else {
      for (std::size_t l = 0; l < lanes_; ++l) {
        if (!winner[l]) continue;
        const double q = lane_[l].estimate[*winner[l]].price;
        for (std::uint32_t v : inst_.Supporters(*winner[l])) {
          double& a = budget[v * lanes_ + l];
          a = std::max(a - q, 0.0);
        }
      }
    }
    for (std::size_t l = 0; l < lanes_; ++l) {
      if (!winner[l]) continue;
      Lane& lane = lane_[l];
      const ProjectIndex w = *winner[l];
      lane.budget_error += lane.estimate[w].price_error + 2 * kEpsilon * lane.start;
      std::erase(lane.remaining, w);
      lane.gone[w] = true;
      exclusions[l].Fund(w);
      if (exclusions[l].active()) {
        std::erase_if(lane.remaining, [&](ProjectIndex p) { return exclusions[l].Excluded(p); });
        for (ProjectIndex p = 0; p < np; ++p) lane.gone[p] = lane.gone[p] || exclusions[l].Excluded(p);
      }
      lane.out.selected.push_back(w);
      lane.out.total_cost += election_.projects[w].cost;
      if (lane.remaining.empty()) lane.state = Lane::State::kDone;
    }
  }
  for (std::size_t l = 0; l < lanes_; ++l) {
    if (lane_[l].state == Lane::State::kDone) answers[l] = std::move(lane_[l].out);
  }
  return answers;
}

std::optional<ProjectIndex> MesScreen::Choose(std::size_t l, std::size_t round) {
  Lane& lane = lane_[l];
  auto& lo = lane.lo;
  // As the exact count: from the lowest bound on rho up, until the next
  // bound exceeds the best upper end.
  std::sort(lane.remaining.begin(), lane.remaining.end(), [&](ProjectIndex a, ProjectIndex b) {
    return lo[a] != lo[b] ? lo[a] < lo[b] : tie_break_.Prefers(a, b);
  });
  double best_hi = std::numeric_limits<double>::infinity();
  lane.evaluated.clear();
  for (ProjectIndex p : lane.remaining) {
    if (lo[p] > best_hi) break;
    if (lane.stamp[p] != round) EstimateLanes(l, p, round);
    const Estimate& e = lane.estimate[p];
    switch (e.kind) {
      case Estimate::Kind::kUnsure:
        lane.state = Lane::State::kUnsure;
        return std::nullopt;
      case Estimate::Kind::kUnaffordable:
        lane.gone[p] = true;
        continue;
      case Estimate::Kind::kWithin:
        break;
    }
    lo[p] = std::max(lo[p], e.lo);
    best_hi = std::min(best_hi, e.hi);
    lane.evaluated.push_back(p);
  }
  std::erase_if(lane.remaining, [&](ProjectIndex p) { return lane.gone[p]; });
  lane.contenders.clear();
  for (ProjectIndex p : lane.evaluated) {
    if (lo[p] <= best_hi) lane.contenders.push_back(p);
  }
  if (lane.contenders.empty()) {
    lane.state = Lane::State::kDone;
    return std::nullopt;
  }
  if (lane.contenders.size() == 1) return lane.contenders.front();
  // Too close for doubles. Where nobody is poor, rho is cost / (rich * u)
  // exactly; elsewhere the exact count decides.
  std::vector<Rational> rho;
  for (ProjectIndex p : lane.contenders) {
    if (!lane.estimate[p].all_rich) {
      lane.state = Lane::State::kUnsure;
      return std::nullopt;
    }
    rho.emplace_back(mpz_class(static_cast<long>(election_.projects[p].cost)),
                     mpz_class(static_cast<long>(lane.estimate[p].rich)) *
                         mpz_class(static_cast<long>(inst_.Utilities(p)[0])));
    rho.back().canonicalize();
  }
  const Rational best = *std::min_element(rho.begin(), rho.end());
  std::vector<ProjectIndex> tied;
  for (std::size_t i = 0; i < lane.contenders.size(); ++i) {
    if (rho[i] == best) tied.push_back(lane.contenders[i]);
  }
  return internal::OrderTied(std::move(tied), tie_break_).front();
}

void MesScreen::EstimateLanes(std::size_t l, ProjectIndex p, std::size_t round) {
  // The other lane is estimated too while it still has p and has not yet
  // this round: it nearly always needs the same estimates, and its budgets
  // come in the same fetch. (An estimate it did not need changes nothing but
  // its bounds, which stay true.)
  const std::size_t other = 1 - l;
  const bool both = lanes_ == 2 && lane_[other].state == Lane::State::kRunning && !lane_[other].gone[p] &&
                    lane_[other].stamp[p] != round;
  auto supporters = inst_.Supporters(p);
  const double* budget = budget_.data();
  if (both) {
    // Sized once per run: growing a vector would zero what is overwritten.
    double* v0 = lane_[0].values.data();
    double* v1 = lane_[1].values.data();
    std::size_t k0 = 0, k1 = 0;
    for (std::uint32_t v : supporters) {
      const double a = budget[2 * v];
      const double b = budget[2 * v + 1];
      v0[k0] = a;
      v1[k1] = b;
      k0 += a > 0 ? 1 : 0;  // the poor's zero is exact
      k1 += b > 0 ? 1 : 0;
    }
    lane_[0].kept = k0;
    lane_[1].kept = k1;
    for (std::size_t m = 0; m < 2; ++m) {
      lane_[m].estimate[p] = EstimateRho(lane_[m], p);
      lane_[m].stamp[p] = round;
    }
    return;
  }
  Lane& lane = lane_[l];
  double* values = lane.values.data();
  std::size_t kept = 0;
  for (std::uint32_t v : supporters) {
    const double a = budget[v * lanes_ + l];
    values[kept] = a;
    kept += a > 0 ? 1 : 0;
  }
  lane.kept = kept;
  lane.estimate[p] = EstimateRho(lane, p);
  lane.stamp[p] = round;
}

// With one utility u, rho = q / u where the price q solves
// sum min(budget, q) = cost (SettlePrice). It stands only when every budget
// is farther from q than the errors of both: then the exact count has the
// same poor voters, and its q differs from ours by rounding alone.
MesScreen::Estimate MesScreen::EstimateRho(Lane& lane, ProjectIndex p) {
  Estimate unsure;
  const std::span<const double> values(lane.values.data(), lane.kept);
  Estimate unaffordable;
  unaffordable.kind = Estimate::Kind::kUnaffordable;
  if (values.empty()) return unaffordable;
  const auto cost = static_cast<double>(election_.projects[p].cost);
  const auto n = static_cast<double>(values.size());
  // The price only grows from round to round: start from the last one. The
  // first split's pass sums all the money too.
  const double start = std::max(cost / n, lane.price_floor[p]);
  double money = 0;
  const PriceSplit first = SplitAt(values, start, &money);
  const double money_error = n * lane.budget_error + (n + 4) * kEpsilon * money;
  if (money + money_error < cost) return unaffordable;
  if (money - money_error < cost) return unsure;
  const auto settled = SettlePrice(cost, start, [&](double price) {
    return price == start ? first : SplitAt(values, price);
  });
  if (!settled) return unsure;
  const double q = settled->first;
  const double poor_money = settled->second.poor_money;
  const std::int64_t rich = settled->second.rich;
  const auto poor = static_cast<double>(values.size()) - static_cast<double>(rich);
  const double price_error =
      (poor * lane.budget_error + (poor + 4) * kEpsilon * (cost + poor_money)) / static_cast<double>(rich) +
      4 * kEpsilon * q;
  const double apart = price_error + lane.budget_error;
  const auto [nearest, rich_at_q] = NearestAndRich(values, q);
  if (nearest <= apart || rich_at_q != rich) return unsure;
  const auto utility = static_cast<double>(inst_.Utilities(p)[0]);
  Estimate e;
  e.kind = Estimate::Kind::kWithin;
  e.lo = (q - price_error) / utility * (1 - 4 * kEpsilon);
  e.hi = (q + price_error) / utility * (1 + 4 * kEpsilon);
  e.price = q;
  e.price_error = price_error;
  e.rich = rich;
  e.all_rich = rich == static_cast<std::int64_t>(values.size());
  lane.price_floor[p] = q - price_error;
  return e;
}

}  // namespace psephos::engine::internal
