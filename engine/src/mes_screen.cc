#include "mes_screen.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <utility>

namespace psephos::engine::internal {
namespace {

constexpr double kEpsilon = 0x1p-52;  // a double's relative rounding, doubled
constexpr std::uint64_t kNoVersion = std::numeric_limits<std::uint64_t>::max();

// Four doubles, four lanes: a class's eight budgets are two of them. (Masks
// select with bitwise and: a vector comparison gives -1 for true.)
using Quad = double __attribute__((vector_size(32)));
using QuadMask = std::int64_t __attribute__((vector_size(32)));
using Lanes = std::array<double, MesScreen::kMaxLanes>;
constexpr std::size_t kHalves = MesScreen::kMaxLanes / 4;

// (Written out below rather than as helpers: a function taking or giving a
// Quad has a different ABI with and without AVX.)
#define PSEPHOS_LOAD(to, at) std::memcpy(&(to), (at), sizeof(Quad))
#define PSEPHOS_SELECT(mask, v) reinterpret_cast<Quad>(reinterpret_cast<QuadMask>(v) & (mask))

// Per lane, what the budgets below q hold and how many voters are at or
// above it (counts as doubles: exact below 2^53); with `total`, also what
// they all hold and how many voters have money (the same pass). The error
// bounds of EstimateLanes hold for sums of products in any order: each
// product is one rounding more, and there are no more products than voters.
struct Pass {
  const double* rows;     // kMaxLanes budgets per class
  const double* weights;  // voters per class
  std::size_t classes;
};

[[gnu::always_inline]] inline void SplitAtBody(const Pass& pass, const Lanes& at, Lanes& poor_money, Lanes& rich,
                                               Lanes* total, Lanes* voters) {
  const Quad zero = {0, 0, 0, 0};
  for (std::size_t h = 0; h < kHalves; ++h) {
    Quad q;
    PSEPHOS_LOAD(q, at.data() + 4 * h);
    Quad money_below = zero;
    Quad above = zero;
    Quad all = zero;
    Quad with_money = zero;
    const double* row = pass.rows + 4 * h;
    for (std::size_t k = 0; k < pass.classes; ++k, row += MesScreen::kMaxLanes) {
      Quad a;
      PSEPHOS_LOAD(a, row);
      const double weight = pass.weights[k];
      const Quad w = {weight, weight, weight, weight};
      const Quad money = a * w;
      const QuadMask poor = a < q;
      money_below += PSEPHOS_SELECT(poor, money);
      above += PSEPHOS_SELECT(~poor, w);
      if (total) {
        all += money;
        with_money += PSEPHOS_SELECT(a > zero, w);
      }
    }
    std::memcpy(poor_money.data() + 4 * h, &money_below, sizeof(Quad));
    std::memcpy(rich.data() + 4 * h, &above, sizeof(Quad));
    if (total) std::memcpy(total->data() + 4 * h, &all, sizeof(Quad));
    if (voters) std::memcpy(voters->data() + 4 * h, &with_money, sizeof(Quad));
  }
}

// Per lane, the least distance from a budget with money to q, and how many
// voters are at or above q.
[[gnu::always_inline]] inline void NearestAndRichBody(const Pass& pass, const Lanes& at, Lanes& nearest, Lanes& rich) {
  const Quad zero = {0, 0, 0, 0};
  const double infinity = std::numeric_limits<double>::infinity();
  const Quad inf = {infinity, infinity, infinity, infinity};
  for (std::size_t h = 0; h < kHalves; ++h) {
    Quad q;
    PSEPHOS_LOAD(q, at.data() + 4 * h);
    Quad least = inf;
    Quad above = zero;
    const double* row = pass.rows + 4 * h;
    for (std::size_t k = 0; k < pass.classes; ++k, row += MesScreen::kMaxLanes) {
      Quad a;
      PSEPHOS_LOAD(a, row);
      const double weight = pass.weights[k];
      const Quad w = {weight, weight, weight, weight};
      Quad d = a - q;
      d = d < zero ? -d : d;
      d = a > zero ? d : inf;  // the poor's zero is exact
      least = d < least ? d : least;
      above += PSEPHOS_SELECT(a >= q, w);
    }
    std::memcpy(nearest.data() + 4 * h, &least, sizeof(Quad));
    std::memcpy(rich.data() + 4 * h, &above, sizeof(Quad));
  }
}

#undef PSEPHOS_LOAD
#undef PSEPHOS_SELECT

void SplitAtPlain(const Pass& pass, const Lanes& at, Lanes& poor_money, Lanes& rich, Lanes* total, Lanes* voters) {
  SplitAtBody(pass, at, poor_money, rich, total, voters);
}
void NearestAndRichPlain(const Pass& pass, const Lanes& at, Lanes& nearest, Lanes& rich) {
  NearestAndRichBody(pass, at, nearest, rich);
}

#if defined(__x86_64__)
// The same passes compiled for AVX2 (chosen once, at run time): eight lanes
// are two registers instead of four.
[[gnu::target("avx2")]] void SplitAtAvx2(const Pass& pass, const Lanes& at, Lanes& poor_money, Lanes& rich,
                                         Lanes* total, Lanes* voters) {
  SplitAtBody(pass, at, poor_money, rich, total, voters);
}
[[gnu::target("avx2")]] void NearestAndRichAvx2(const Pass& pass, const Lanes& at, Lanes& nearest, Lanes& rich) {
  NearestAndRichBody(pass, at, nearest, rich);
}

bool UseAvx2() {
  static const bool avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return avx2;
}
#endif

void SplitAt(const Pass& pass, const Lanes& at, Lanes& poor_money, Lanes& rich, Lanes* total = nullptr,
             Lanes* voters = nullptr) {
#if defined(__x86_64__)
  if (UseAvx2()) return SplitAtAvx2(pass, at, poor_money, rich, total, voters);
#endif
  SplitAtPlain(pass, at, poor_money, rich, total, voters);
}

void NearestAndRich(const Pass& pass, const Lanes& at, Lanes& nearest, Lanes& rich) {
#if defined(__x86_64__)
  if (UseAvx2()) return NearestAndRichAvx2(pass, at, nearest, rich);
#endif
  NearestAndRichPlain(pass, at, nearest, rich);
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
  groups_.resize(election.projects.size());
}

std::optional<ScreenedOutcome> MesScreen::Run(const Rational& voter_budget) {
  return std::move(RunLanes({voter_budget}).front());
}

std::uint32_t MesScreen::NewClass(std::uint32_t from, std::uint32_t size) {
  const auto c = static_cast<std::uint32_t>(classes_++);
  if (budget_.size() < classes_ * kMaxLanes) budget_.resize(std::max(classes_ * kMaxLanes, 2 * budget_.size()));
  if (class_size_.size() < classes_) {
    const std::size_t grown = std::max(classes_, 2 * class_size_.size());
    class_size_.resize(grown);
    count_.resize(grown, 0);
    next_.resize(grown);
  }
  std::copy_n(budget_.begin() + static_cast<std::ptrdiff_t>(from * kMaxLanes), kMaxLanes,
              budget_.begin() + static_cast<std::ptrdiff_t>(c * kMaxLanes));
  class_size_[c] = size;
  return c;
}

const std::vector<MesScreen::Group>& MesScreen::Groups(ProjectIndex p) {
  std::vector<Group>& groups = groups_[p];
  if (groups_version_[p] == version_) return groups;
  const auto supporters = inst_.Supporters(p);
  if (touched_.size() < supporters.size()) touched_.resize(supporters.size());
  // Raw pointers: the compiler cannot tell the counts from the vectors' own
  // pointers, and would reload them every voter.
  std::uint32_t* touched = touched_.data();
  std::uint32_t* count = count_.data();
  const std::uint32_t* class_of = class_of_.data();
  std::size_t n = 0;
  for (std::uint32_t v : supporters) {
    const std::uint32_t c = class_of[v];
    touched[n] = c;
    n += count[c]++ == 0 ? 1 : 0;
  }
  groups.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint32_t c = touched[k];
    groups[k] = Group{c, count[c]};
    count[c] = 0;
  }
  groups_version_[p] = version_;
  return groups;
}

void MesScreen::Refine(ProjectIndex w) {
  std::vector<Group>& groups = groups_[w];
  Groups(w);
  // A class of w's supporters alone stays; any other gives them a new one.
  bool changed = false;
  for (Group& g : groups) {
    if (g.count == class_size_[g.cls]) {
      next_[g.cls] = g.cls;
      continue;
    }
    changed = true;
    class_size_[g.cls] -= g.count;
    const std::uint32_t fresh = NewClass(g.cls, g.count);
    next_[g.cls] = fresh;
    g.cls = fresh;
  }
  if (!changed) return;
  for (std::uint32_t v : inst_.Supporters(w)) class_of_[v] = next_[class_of_[v]];
  ++version_;
  groups_version_[w] = version_;  // mapped to the new classes above
}

std::vector<std::optional<ScreenedOutcome>> MesScreen::RunLanes(const std::vector<Rational>& voter_budgets) {
  std::vector<std::optional<ScreenedOutcome>> answers(voter_budgets.size());
  if (!usable_ || voter_budgets.empty() || voter_budgets.size() > kMaxLanes) return answers;
  lanes_ = voter_budgets.size();
  lane_.resize(lanes_);
  const std::size_t np = election_.projects.size();
  // Everybody starts in class 0, with each lane's starting budget.
  classes_ = 0;
  class_of_.assign(inst_.num_voters, 0);
  NewClass(0, static_cast<std::uint32_t>(inst_.num_voters));
  std::fill_n(budget_.begin(), kMaxLanes, 0.0);
  refined_.assign(np, false);
  version_ = 0;
  groups_version_.assign(np, kNoVersion);
  std::vector<Exclusions> exclusions;
  exclusions.reserve(lanes_);
  for (std::size_t l = 0; l < lanes_; ++l) {
    Lane& lane = lane_[l];
    lane.state = Lane::State::kRunning;
    lane.start = ToDouble(voter_budgets[l].get_num(), voter_budgets[l].get_den());
    lane.budget_error = 4 * kEpsilon * lane.start;
    budget_[l] = lane.start;
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
  std::vector<ProjectIndex> funded;  // this round's distinct winners
  for (std::size_t round = 0;; ++round) {
    funded.clear();
    for (std::size_t l = 0; l < lanes_; ++l) {
      winner[l].reset();
      if (lane_[l].state == Lane::State::kRunning) winner[l] = Choose(l, round);
      if (winner[l] && std::find(funded.begin(), funded.end(), *winner[l]) == funded.end()) {
        funded.push_back(*winner[l]);
      }
    }
    if (funded.empty()) break;
    // The poor (below the price, as the estimate settled) pay all they have,
    // the rest pay the price: max(a - q, 0) is exactly that (a - q is exact
    // zero or more when a >= q, and a poor voter's 0 stays 0). Each class of
    // w's supporters holds them alone once the partition is refined by w.
    for (ProjectIndex w : funded) {
      if (!refined_[w]) {
        Refine(w);
        refined_[w] = true;
      }
      const std::vector<Group>& groups = Groups(w);
      for (std::size_t l = 0; l < lanes_; ++l) {
        if (winner[l] != w) continue;
        const double q = lane_[l].estimate[w].price;
        for (const Group& g : groups) {
          double& a = budget_[g.cls * kMaxLanes + l];
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
  // The other lanes are estimated too while they still have p and have not
  // yet this round: they nearly always need the same estimates, and every
  // lane comes in the same passes. (An estimate a lane did not need changes
  // nothing but its bounds, which stay true.)
  std::array<bool, kMaxLanes> serve{};
  for (std::size_t m = 0; m < lanes_; ++m) {
    const Lane& lane = lane_[m];
    serve[m] = m == l || (lane.state == Lane::State::kRunning && !lane.gone[p] && lane.stamp[p] != round);
  }
  const std::vector<Group>& groups = Groups(p);
  // Grown only: growing a vector zeroes what is about to be overwritten.
  if (weights_.size() < groups.size()) {
    rows_.resize(groups.size() * kMaxLanes);
    weights_.resize(groups.size());
  }
  for (std::size_t k = 0; k < groups.size(); ++k) {
    std::memcpy(&rows_[k * kMaxLanes], &budget_[groups[k].cls * kMaxLanes], kMaxLanes * sizeof(double));
    weights_[k] = static_cast<double>(groups[k].count);
  }
  const auto cost = static_cast<double>(election_.projects[p].cost);
  // With one utility u, rho = q / u where the price q solves
  // sum min(budget, q) = cost (SettlePrice, run here for every lane at once).
  // It stands only when every budget is farther from q than the errors of
  // both: then the exact count has the same poor voters, and its q differs
  // from ours by rounding alone. The price only grows from round to round:
  // each lane starts from its last one.
  const Pass pass{rows_.data(), weights_.data(), groups.size()};
  Lanes q{};
  Lanes money{};
  Lanes voters{};
  Lanes poor_at{};
  Lanes rich_at{};
  // A start at most the price: cost / supporters is at most cost / those
  // with money. The first split sums all the money too.
  const auto supporters = static_cast<double>(inst_.Supporters(p).size());
  for (std::size_t m = 0; m < kMaxLanes; ++m) q[m] = serve[m] ? std::max(cost / supporters, lane_[m].price_floor[p]) : 0;
  SplitAt(pass, q, poor_at, rich_at, &money, &voters);
  enum class Step { kClimbing, kSettled, kDone };
  std::array<Step, kMaxLanes> step{};
  std::array<Estimate, kMaxLanes> result{};
  for (std::size_t m = 0; m < kMaxLanes; ++m) {
    if (!serve[m]) {
      step[m] = Step::kDone;
      continue;
    }
    const Lane& lane = lane_[m];
    const double n = voters[m];
    if (n == 0) {
      result[m].kind = Estimate::Kind::kUnaffordable;
      step[m] = Step::kDone;
      continue;
    }
    const double money_error = n * lane.budget_error + (n + 4) * kEpsilon * money[m];
    step[m] = Step::kDone;
    if (money[m] + money_error < cost) {
      result[m].kind = Estimate::Kind::kUnaffordable;
    } else if (money[m] - money_error >= cost) {
      step[m] = Step::kClimbing;
    }
  }
  // SettlePrice in every lane at once: q <- (cost - what the poor hold) / the
  // rich, from below, until it stops climbing (64 steps at most).
  std::array<double, kMaxLanes> poor_money{};
  std::array<std::int64_t, kMaxLanes> rich{};
  for (int iteration = 0; iteration < 64; ++iteration) {
    bool climbing = false;
    for (std::size_t m = 0; m < kMaxLanes; ++m) climbing = climbing || step[m] == Step::kClimbing;
    if (!climbing) break;
    if (iteration > 0) SplitAt(pass, q, poor_at, rich_at);
    for (std::size_t m = 0; m < kMaxLanes; ++m) {
      if (step[m] != Step::kClimbing) continue;
      if (rich_at[m] == 0) {
        step[m] = Step::kDone;  // unsure
        continue;
      }
      const double next = (cost - poor_at[m]) / rich_at[m];
      if (next <= q[m]) {
        q[m] = next;
        poor_money[m] = poor_at[m];
        rich[m] = static_cast<std::int64_t>(rich_at[m]);
        step[m] = Step::kSettled;
      } else {
        q[m] = next;
      }
    }
  }
  bool settled = false;
  for (std::size_t m = 0; m < kMaxLanes; ++m) settled = settled || step[m] == Step::kSettled;
  if (settled) {
    Lanes nearest{};
    Lanes rich_at_q{};
    NearestAndRich(pass, q, nearest, rich_at_q);
    const auto utility = static_cast<double>(inst_.Utilities(p)[0]);
    for (std::size_t m = 0; m < kMaxLanes; ++m) {
      if (step[m] != Step::kSettled) continue;
      Lane& lane = lane_[m];
      const double n = voters[m];
      const auto poor = n - static_cast<double>(rich[m]);
      const double price_error =
          (poor * lane.budget_error + (poor + 4) * kEpsilon * (cost + poor_money[m])) / static_cast<double>(rich[m]) +
          4 * kEpsilon * q[m];
      const double apart = price_error + lane.budget_error;
      if (nearest[m] <= apart || static_cast<std::int64_t>(rich_at_q[m]) != rich[m]) continue;  // unsure
      Estimate& e = result[m];
      e.kind = Estimate::Kind::kWithin;
      e.lo = (q[m] - price_error) / utility * (1 - 4 * kEpsilon);
      e.hi = (q[m] + price_error) / utility * (1 + 4 * kEpsilon);
      e.price = q[m];
      e.price_error = price_error;
      e.rich = rich[m];
      e.all_rich = static_cast<double>(rich[m]) == n;
      lane.price_floor[p] = q[m] - price_error;
    }
  }
  for (std::size_t m = 0; m < lanes_; ++m) {
    if (!serve[m]) continue;
    lane_[m].estimate[p] = result[m];
    lane_[m].stamp[p] = round;
  }
}

}  // namespace psephos::engine::internal
