// Method of Equal Shares, as pabutools computes it, with exact rationals.
//
// Voters are not tracked one by one: voters who have paid for the same
// projects hold the same budget, so each voter points at a budget class and
// every sum runs over classes. A project's affordability rho solves
//   sum over supporters i of min(budget_i, rho * u_i) = cost,
// and the project with the least rho is funded (ties by the tie-break).
//
// Budgets are exact, but exact numbers are slow once their denominators have
// grown for a few dozen rounds; so every class also carries its budget as a
// double, candidates are compared through doubles wherever those decide by a
// wide margin, and only the winner's rho (and whatever comes too close to
// call) is computed exactly. A class's numerator is brought to the newest
// denominator only when next used. For add1's many runs, a screen in doubles
// alone (mes_screen.h) gives each run's funded set; this exact count runs for
// the outcome kept and where the screen cannot decide.
#include <algorithm>
#include <cmath>
#include <limits>
#include <iterator>
#include <memory>
#include <numeric>

#include "mes_instance.h"
#include "mes_screen.h"
#include "rule_impl.h"

namespace psephos::engine::internal {
namespace {

constexpr std::uint32_t kNoClass = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t kZeroClass = 0;  // voters with no money left

// Supporters sharing a budget class and a utility.
struct Group {
  std::uint32_t cls;
  std::int64_t utility;
  std::int64_t count;
};

// Doubles decide what they decide by a margin this wide (relative), far wider
// than their rounding; anything closer is decided with the exact rationals.
constexpr double kMargin = 1e-9;
// The relative error of a double made by ToDouble, with room to spare.
constexpr double kRounding = 1e-14;

// A project's affordability as doubles tell it: unaffordable, within
// [lo, hi], or too close to call.
struct RhoEstimate {
  enum class Kind { kUnaffordable, kWithin, kUnsure };
  Kind kind = Kind::kUnsure;
  double lo = 0;
  double hi = 0;
  double price = 0;  // kWithin: budgets below it are poor
};

class MesRun {
 public:
  // One MesRun serves many runs (add1): its numbers keep their memory.
  MesRun(const Election& election, const MesInstance& inst, const TieBreak& tie_break)
      : election_(election), inst_(inst), tie_break_(tie_break) {}

  // MES with every voter starting from voter_budget.
  Outcome Run(const Rational& voter_budget, std::vector<MesProbe>* probes = nullptr) {
    epochs_ = 0;
    classes_ = 0;
    AddEpoch(voter_budget.get_den());
    AddClass(mpz_class(0));
    std::uint32_t start = kZeroClass;
    if (sgn(voter_budget) > 0) start = AddClass(voter_budget.get_num());
    voter_class_.assign(inst_.num_voters, start);
    probes_ = probes && !probes->empty() ? probes : nullptr;
    Outcome out;
    out.criterion = "rho";
    // rho is a price per unit of utility: dimensionless when utility is money.
    out.score_money_power = inst_.utility_is_money ? 0 : 1;
    out.budget = election_.budget;
    Exclusions exclusions(election_);
    for (ProjectIndex p : internal::OrderTied(inst_.free_projects, tie_break_)) {
      if (exclusions.Excluded(p)) continue;
      exclusions.Fund(p);
      Round round;
      round.project = p;
      round.supporters = static_cast<std::int64_t>(inst_.Supporters(p).size());
      round.budget_left = election_.budget - out.total_cost;
      out.selected.push_back(p);
      out.rounds.push_back(std::move(round));
    }
    if (probes_) StartProbes(out.rounds.size(), exclusions);
    std::vector<ProjectIndex> remaining = inst_.candidates;
    std::erase_if(remaining, [&](ProjectIndex p) { return exclusions.Excluded(p); });
    const std::size_t np = election_.projects.size();
    // A lower bound on each candidate's rho: rho only grows as budgets shrink.
    std::vector<double> lo(np, 0);
    for (ProjectIndex p : remaining) lo[p] = ToDouble(inst_.initial_rho[p].get_num(), inst_.initial_rho[p].get_den()) * (1 - kRounding);
    std::vector<double> hi(np, 0);
    std::vector<bool> dropped(np, false);
    std::vector<ProjectIndex> evaluated;
    std::vector<Rational> exact(np);
    std::vector<bool> has_exact(np, false);
    std::optional<Rational> last_rho;  // of the last round that funded a project at a price
    estimate_groups_.resize(np);
    estimate_price_.assign(np, 0);
    while (!remaining.empty()) {
      std::sort(remaining.begin(), remaining.end(), [&](ProjectIndex a, ProjectIndex b) {
        return lo[a] != lo[b] ? lo[a] < lo[b] : tie_break_.Prefers(a, b);
      });
      // Estimate candidates from the lowest bound up, until the next bound
      // exceeds the best estimate's upper end: nothing further can win or tie.
      double best_hi = std::numeric_limits<double>::infinity();
      evaluated.clear();
      for (ProjectIndex p : remaining) {
        if (lo[p] > best_hi) break;
        has_exact[p] = false;
        const RhoEstimate estimate = EstimateRho(p);
        if (estimate.kind == RhoEstimate::Kind::kUnaffordable) {
          dropped[p] = true;
          continue;
        }
        if (estimate.kind == RhoEstimate::Kind::kUnsure) {
          if (!Affordability(p, exact[p])) {
            dropped[p] = true;
            continue;
          }
          has_exact[p] = true;
          const double value = ToDouble(exact[p].get_num(), exact[p].get_den());
          lo[p] = std::max(lo[p], value * (1 - kRounding));
          hi[p] = value * (1 + kRounding);
        } else {
          lo[p] = std::max(lo[p], estimate.lo);
          hi[p] = estimate.hi;
        }
        best_hi = std::min(best_hi, hi[p]);
        evaluated.push_back(p);
      }
      std::erase_if(remaining, [&](ProjectIndex p) { return dropped[p]; });
      // Whoever might reach the least rho is settled exactly.
      std::vector<ProjectIndex> tied;
      const Rational* best = nullptr;
      for (ProjectIndex p : evaluated) {
        if (lo[p] > best_hi) continue;
        if (!has_exact[p]) {
          PriceFromEstimate(p, exact[p]);
          has_exact[p] = true;
        }
        if (!best || exact[p] < *best) {
          best = &exact[p];
          tied.assign(1, p);
        } else if (exact[p] == *best) {
          tied.push_back(p);
        }
      }
      if (tied.empty()) break;
      tied = internal::OrderTied(std::move(tied), tie_break_);
      const ProjectIndex winner = tied.front();
      const Rational winner_rho = exact[winner];
      if (tied.size() > 1) out.ties.push_back(Tie{out.rounds.size(), tied, winner});
      Pay(winner, winner_rho);
      if (probes_) last_rho = winner_rho;
      std::erase(remaining, winner);
      exclusions.Fund(winner);
      if (exclusions.active()) std::erase_if(remaining, [&](ProjectIndex p) { return exclusions.Excluded(p); });

      const Money cost = election_.projects[winner].cost;
      out.selected.push_back(winner);
      out.total_cost += cost;
      Round round;
      round.project = winner;
      round.score = winner_rho;
      round.supporters = static_cast<std::int64_t>(inst_.Supporters(winner).size());
      if (inst_.uniform[winner]) round.price = winner_rho * Rational(inst_.Utilities(winner)[0]);
      round.budget_left = election_.budget - out.total_cost;
      out.rounds.push_back(std::move(round));
    }
    if (probes_) FinishProbes(last_rho);
    return out;
  }

 private:
  std::uint32_t AddClass(const mpz_class& numerator) {
    const auto c = static_cast<std::uint32_t>(classes_++);
    if (c == numerator_.size()) {
      numerator_.emplace_back();
      approx_.emplace_back();
      class_epoch_.emplace_back();
    }
    numerator_[c] = numerator;
    approx_[c] = ToDouble(numerator, Denominator());
    class_epoch_[c] = static_cast<std::uint32_t>(epochs_ - 1);
    return c;
  }

  void AddEpoch(const mpz_class& denominator) {
    const auto e = static_cast<std::uint32_t>(epochs_++);
    if (e == denominators_.size()) {
      denominators_.emplace_back();
      factor_.emplace_back();
      factor_epoch_.emplace_back();
    }
    denominators_[e] = denominator;
    factor_epoch_[e] = e;  // the factor to the newest denominator is 1: never asked
  }

  const mpz_class& Denominator() const { return denominators_[epochs_ - 1]; }

  // Brings class c's numerator over the current denominator. Only classes in
  // use are brought up: most never are again, and rescaling every class each
  // round was most of the work.
  void Normalize(std::uint32_t c) {
    const std::uint32_t epoch = class_epoch_[c];
    if (epoch + 1 == epochs_) return;
    numerator_[c] *= Factor(epoch);
    class_epoch_[c] = static_cast<std::uint32_t>(epochs_ - 1);
  }

  // Starts watching the probed projects after the free projects' rounds:
  // nobody has paid yet, so each one's money is its supporters' shares.
  void StartProbes(std::size_t free_rounds, const Exclusions& exclusions) {
    const std::size_t np = election_.projects.size();
    const std::size_t n = probes_->size();
    probe_of_.assign(np, kNoProbe);
    probe_funded_.assign(n, false);
    probe_candidate_.assign(n, false);
    std::vector<bool> candidate(np, false), free(np, false);
    for (ProjectIndex p : inst_.candidates) candidate[p] = true;
    for (ProjectIndex p : inst_.free_projects) free[p] = true;
    for (std::size_t i = 0; i < n; ++i) probe_of_[(*probes_)[i].project] = i;
    // Per voter, the probes of the projects it supports: its ballot, when it
    // lists only those, else a list made here.
    watch_offsets_.clear();
    watch_list_.clear();
    if (!inst_.every_entry_gains) MakeWatchLists();
    watch_money_.resize(n);
    watch_delta_.resize(n);
    watch_count_.assign(n, 0);
    watch_epoch_ = static_cast<std::uint32_t>(epochs_ - 1);
    // Every voter is in one class: the starting share, or none.
    const std::uint32_t start = inst_.num_voters > 0 ? voter_class_[0] : kZeroClass;
    for (std::size_t i = 0; i < n; ++i) {
      MesProbe& probe = (*probes_)[i];
      const ProjectIndex p = probe.project;
      probe.supporters = static_cast<std::int64_t>(inst_.Supporters(p).size());
      probe.uniform = inst_.uniform[p];
      probe.total_utility = 0;
      for (std::int64_t u : inst_.Utilities(p)) probe.total_utility += u;
      const std::int64_t holders = start == kZeroClass ? 0 : probe.supporters;
      watch_money_[i] = numerator_[start] * holders;
      watch_delta_[i] = 0;
      Rational money(watch_money_[i], Denominator());
      money.canonicalize();
      // Free: funded before anyone paid, each paying nothing of a full share.
      probe_funded_[i] = free[p] && !exclusions.Excluded(p);
      if (probe_funded_[i]) {
        probe.paid_full = holders;
        probe.had_nothing = probe.supporters - holders;
      }
      probe_candidate_[i] =
          candidate[p] && !exclusions.Excluded(p) && money >= Rational(static_cast<long>(election_.projects[p].cost));
      probe.unaffordable_after.reset();
      if (!probe_funded_[i] && money < Rational(static_cast<long>(election_.projects[p].cost))) {
        probe.unaffordable_after = 0;
      }
      // One entry more per round: room for every candidate funded.
      probe.money.reserve(free_rounds + inst_.candidates.size() + 1);
      probe.rho.reserve(free_rounds + inst_.candidates.size() + 1);
      probe.money.assign(free_rounds + 1, std::nullopt);
      probe.money.front() = std::move(money);
      probe.rho.assign(free_rounds + 1, std::nullopt);
    }
  }

  void MakeWatchLists() {
    watch_offsets_.assign(inst_.num_voters + 1, 0);
    for (const MesProbe& probe : *probes_) {
      for (std::uint32_t v : inst_.Supporters(probe.project)) ++watch_offsets_[v + 1];
    }
    for (std::size_t v = 0; v < inst_.num_voters; ++v) watch_offsets_[v + 1] += watch_offsets_[v];
    watch_list_.resize(watch_offsets_.back());
    std::vector<std::uint32_t> fill(watch_offsets_.begin(), watch_offsets_.end() - 1);
    for (std::size_t i = 0; i < probes_->size(); ++i) {
      for (std::uint32_t v : inst_.Supporters((*probes_)[i].project)) watch_list_[fill[v]++] = static_cast<std::uint32_t>(i);
    }
  }

  // Counts, per probe, the voters among `voters` who support its project.
  void CountWatchers(std::span<const std::uint32_t> voters) {
    auto count = [&](std::size_t i) {
      if (watch_count_[i]++ == 0) watch_touched_.push_back(static_cast<std::uint32_t>(i));
    };
    if (watch_offsets_.empty()) {
      for (std::uint32_t v : voters) {
        for (ProjectIndex p : election_.profile.projects(v)) {
          if (probe_of_[p] != kNoProbe) count(probe_of_[p]);
        }
      }
      return;
    }
    for (std::uint32_t v : voters) {
      for (std::uint32_t w = watch_offsets_[v]; w < watch_offsets_[v + 1]; ++w) count(watch_list_[w]);
    }
  }

  // The round funding `winner` at `rho`, seen from the probes, before its
  // supporters pay: voter j of the winner's supporters pays key_pay_[key_of_[j]]
  // (over the newest denominator), nothing when its key is kNoKey. Each
  // probed project's money drops by what its supporters among them pay, so
  // only the winner's supporters are visited; a project that can no longer
  // be funded after this round has its rho taken now, the last time it counts.
  void WatchPayment(ProjectIndex winner, const Rational& rho, std::size_t keys) {
    auto supporters = inst_.Supporters(winner);
    const std::size_t n = probes_->size();
    WatchNewestDenominator();
    // The winner's paying supporters by key, then per key what each probed
    // project's supporters among them pay together.
    key_start_.assign(keys + 1, 0);
    for (std::size_t j = 0; j < supporters.size(); ++j) {
      if (key_of_[j] != kNoKey) ++key_start_[key_of_[j] + 1];
    }
    for (std::size_t k = 0; k < keys; ++k) key_start_[k + 1] += key_start_[k];
    key_order_.resize(key_start_[keys]);
    key_fill_.assign(key_start_.begin(), key_start_.end() - 1);
    for (std::size_t j = 0; j < supporters.size(); ++j) {
      if (key_of_[j] != kNoKey) key_order_[key_fill_[key_of_[j]]++] = supporters[j];
    }
    for (std::size_t k = 0; k < keys; ++k) {
      CountWatchers({key_order_.data() + key_start_[k], key_order_.data() + key_start_[k + 1]});
      for (std::uint32_t i : watch_touched_) {
        mpz_addmul_ui(watch_delta_[i].get_mpz_t(), key_pay_[k].get_mpz_t(), static_cast<unsigned long>(watch_count_[i]));
        watch_count_[i] = 0;
      }
      watch_touched_.clear();
    }
    if (probe_of_[winner] != kNoProbe) {
      MesProbe& probe = (*probes_)[probe_of_[winner]];
      std::int64_t holders = 0;
      probe.paid_full = probe.paid_all_left = 0;
      for (std::size_t k = 0; k < keys; ++k) {
        const std::int64_t count = key_start_[k + 1] - key_start_[k];
        holders += count;
        (key_full_[k] ? probe.paid_full : probe.paid_all_left) += count;
      }
      probe.had_nothing = probe.supporters - holders;
    }
    const std::string& group = election_.projects[winner].exclusive_group;
    const std::size_t round = (*probes_)[0].money.size() - 1;  // rounds done before this one
    for (std::size_t i = 0; i < n; ++i) {
      MesProbe& probe = (*probes_)[i];
      probe.money.emplace_back();
      probe.rho.emplace_back();
      if (probe_funded_[i]) continue;  // nothing more to say of it
      mpz_class& money = watch_money_[i];
      const ProjectIndex q = probe.project;
      if (q == winner) {  // its money before and after paying for itself
        probe.money[round] = MoneyOf(money);
        probe.rho[round] = rho;
        probe_funded_[i] = true;
      }
      if (sgn(watch_delta_[i]) != 0) {
        money -= watch_delta_[i];
        watch_delta_[i] = 0;
      }
      if (probe_funded_[i]) {
        probe.money[round + 1] = MoneyOf(money);
        continue;
      }
      mpz_mul_si(scratch_.get_mpz_t(), Denominator().get_mpz_t(), static_cast<long>(election_.projects[q].cost));
      const bool short_of_cost = money < scratch_;
      if (probe_candidate_[i]) {
        const bool excluded = !group.empty() && election_.projects[q].exclusive_group == group;
        if (excluded || short_of_cost) {
          Rational value;
          if (ExactRho(q, value)) probe.rho[round] = std::move(value);
          probe.money[round + 1] = MoneyOf(money);
          probe_candidate_[i] = false;
        }
      }
      if (short_of_cost && !probe.unaffordable_after) {
        probe.unaffordable_after = round + 1;
        if (!probe.money[round + 1]) probe.money[round + 1] = MoneyOf(money);
      }
    }
  }

  // money over the newest denominator, in lowest terms.
  Rational MoneyOf(const mpz_class& money) const {
    Rational value(money, Denominator());
    value.canonicalize();
    return value;
  }

  // Brings the probes' money over the newest denominator.
  void WatchNewestDenominator() {
    if (watch_epoch_ + 1 == epochs_) return;
    const mpz_class& factor = Factor(watch_epoch_);
    for (mpz_class& money : watch_money_) {
      if (sgn(money) != 0) money *= factor;
    }
    watch_epoch_ = static_cast<std::uint32_t>(epochs_ - 1);
  }

  // p's exact rho from its supporters' money now; false when they cannot pay.
  bool ExactRho(ProjectIndex p, Rational& rho) {
    auto& groups = CollectGroups(p);
    const RhoEstimate estimate = EstimateOf(p, groups);
    if (estimate.kind == RhoEstimate::Kind::kWithin) {
      RhoFromPrice(p, groups, estimate.price, rho);
      return true;
    }
    return estimate.kind == RhoEstimate::Kind::kUnsure && AffordabilityOf(p, groups, rho);
  }

  // At the end: what the supporters of each unfunded probed project short of
  // its cost would pay at the last rho, each min(money, rho x utility).
  void FinishProbes(const std::optional<Rational>& last_rho) {
    WatchNewestDenominator();
    for (std::size_t i = 0; i < probes_->size(); ++i) {
      MesProbe& probe = (*probes_)[i];
      if (!probe_funded_[i] && !probe.money.back()) probe.money.back() = MoneyOf(watch_money_[i]);
    }
    if (!last_rho) return;
    const double rho_approx = ToDouble(last_rho->get_num(), last_rho->get_den());
    for (std::size_t i = 0; i < probes_->size(); ++i) {
      MesProbe& probe = (*probes_)[i];
      if (probe_funded_[i] || *probe.money.back() >= Rational(static_cast<long>(election_.projects[probe.project].cost))) {
        continue;
      }
      // The doubles tell who holds less than rho x utility but where close;
      // those pay all they hold, the rest rho x utility. What the poor hold
      // is summed exactly, directly or as all the money less the rich's,
      // whichever is shorter (most hold less at the end).
      auto& groups = CollectGroups(probe.project);
      std::size_t rich_groups = 0;
      mpz_class rich_utility = 0;
      for (Group& g : groups) {
        const double due = rho_approx * static_cast<double>(g.utility);
        const double have = approx_[g.cls];
        bool is_poor = have < due * (1 - kMargin);
        if (!is_poor && have <= due * (1 + kMargin)) {
          Normalize(g.cls);
          is_poor = numerator_[g.cls] * last_rho->get_den() < last_rho->get_num() * Denominator() * g.utility;
        }
        if (!is_poor) {
          rich_utility += mpz_class(static_cast<long>(g.utility)) * g.count;
          ++rich_groups;
          g.count = -g.count;  // marks the rich
        }
      }
      const bool sum_rich = 2 * rich_groups < groups.size();
      mpz_class poor = 0;
      for (const Group& g : groups) {
        if ((g.count < 0) != sum_rich) continue;
        Normalize(g.cls);
        mpz_addmul_ui(poor.get_mpz_t(), numerator_[g.cls].get_mpz_t(), static_cast<unsigned long>(std::abs(g.count)));
      }
      if (sum_rich) poor = watch_money_[i] - poor;  // all they hold, over the newest denominator
      Rational payable(poor * last_rho->get_den() + last_rho->get_num() * rich_utility * Denominator(),
                       Denominator() * last_rho->get_den());
      payable.canonicalize();
      probe.payable_at_last_rho = std::move(payable);
    }
  }

  // Groups the supporters of p with money left by (class, utility).
  std::vector<Group>& CollectGroups(ProjectIndex p) {
    groups_.clear();
    auto supporters = inst_.Supporters(p);
    auto utils = inst_.Utilities(p);
    if (inst_.uniform[p]) {
      if (class_count_.size() < classes_) class_count_.resize(classes_, 0);
      for (std::uint32_t v : supporters) {
        const std::uint32_t c = voter_class_[v];
        if (c == kZeroClass) continue;
        if (class_count_[c]++ == 0) touched_.push_back(c);
      }
      for (std::uint32_t c : touched_) {
        groups_.push_back(Group{c, utils.empty() ? 0 : utils[0], class_count_[c]});
        class_count_[c] = 0;
      }
      touched_.clear();
      return groups_;
    }
    pairs_.clear();
    for (std::size_t i = 0; i < supporters.size(); ++i) {
      const std::uint32_t c = voter_class_[supporters[i]];
      if (c != kZeroClass) pairs_.emplace_back(c, utils[i]);
    }
    std::sort(pairs_.begin(), pairs_.end());
    for (std::size_t i = 0; i < pairs_.size();) {
      std::size_t j = i;
      while (j < pairs_.size() && pairs_[j] == pairs_[i]) ++j;
      groups_.push_back(Group{pairs_[i].first, pairs_[i].second, static_cast<std::int64_t>(j - i)});
      i = j;
    }
    return groups_;
  }

  // p's affordability from the doubles. For one utility u, rho = q / u where
  // the price q solves sum min(budget, q) = cost (SettlePrice). The result
  // stands only when no budget lies within the margin of q: then the exact
  // count has the same poor voters, and its q differs from ours by rounding
  // alone.
  RhoEstimate EstimateRho(ProjectIndex p) {
    const RhoEstimate estimate = EstimateOf(p, CollectGroups(p));
    if (estimate.kind == RhoEstimate::Kind::kWithin) {
      estimate_groups_[p].assign(groups_.begin(), groups_.end());
      estimate_price_[p] = estimate.price;
    }
    return estimate;
  }

  // The same from p's supporters' groups.
  RhoEstimate EstimateOf(ProjectIndex p, const std::vector<Group>& groups) {
    RhoEstimate unsure;
    if (!inst_.uniform[p]) return unsure;
    if (groups.empty()) return RhoEstimate{RhoEstimate::Kind::kUnaffordable};
    const auto cost = static_cast<double>(election_.projects[p].cost);
    const auto utility = static_cast<double>(groups.front().utility);
    const double margin = kMargin + 1e-15 * static_cast<double>(groups.size());
    double money = 0;
    std::int64_t voters = 0;
    for (const Group& g : groups) {
      money += approx_[g.cls] * static_cast<double>(g.count);
      voters += g.count;
    }
    if (money < cost * (1 - margin)) return RhoEstimate{RhoEstimate::Kind::kUnaffordable};
    if (money <= cost * (1 + margin)) return unsure;
    const auto settled = SettlePrice(cost, cost / static_cast<double>(voters), [&](double price) {
      PriceSplit at;
      for (const Group& g : groups) {
        const double a = approx_[g.cls];
        if (a < price) {
          at.poor_money += a * static_cast<double>(g.count);
        } else {
          at.rich += g.count;
        }
      }
      return at;
    });
    if (!settled) return unsure;  // the exact scan sorts once
    const double q = settled->first;
    const double poor_money = settled->second.poor_money;
    const std::int64_t rich = settled->second.rich;
    const double error = margin * (cost + poor_money) / static_cast<double>(rich) + margin * q;
    std::int64_t rich_again = 0;
    for (const Group& g : groups) {
      const double a = approx_[g.cls];
      if (std::abs(a - q) <= error + margin * a) return unsure;
      rich_again += a < q ? 0 : g.count;
    }
    if (rich_again != rich) return unsure;
    return RhoEstimate{RhoEstimate::Kind::kWithin, (q - error) / utility * (1 - kRounding),
                       (q + error) / utility * (1 + kRounding), q};
  }

  // p's exact rho from its estimate this round, which settled who is poor:
  // they pay all they have, the rest share what is left.
  void PriceFromEstimate(ProjectIndex p, Rational& rho) {
    RhoFromPrice(p, estimate_groups_[p], estimate_price_[p], rho);
  }

  // p's exact rho where `price` settled who is poor among `groups`.
  void RhoFromPrice(ProjectIndex p, const std::vector<Group>& groups, double price, Rational& rho) {
    std::int64_t rich = 0;
    for (const Group& g : groups) rich += approx_[g.cls] < price ? 0 : g.count;
    mpz_class left = mpz_class(static_cast<long>(election_.projects[p].cost)) * Denominator() -
                     MoneyOf(groups, [&](const Group& g) { return approx_[g.cls] < price; });
    rho = Rational(left, Denominator() * rich * groups.front().utility);
    rho.canonicalize();
  }

  // What the groups that `take` picks hold together, over the newest
  // denominator: summed per epoch first, so each epoch's factor multiplies once.
  template <class Take>
  mpz_class MoneyOf(const std::vector<Group>& groups, Take take) {
    if (epoch_money_.size() < epochs_) epoch_money_.resize(epochs_);
    touched_epochs_.clear();
    for (const Group& g : groups) {
      if (!take(g)) continue;
      const std::uint32_t e = class_epoch_[g.cls];
      if (sgn(epoch_money_[e]) == 0) touched_epochs_.push_back(e);
      mpz_addmul_ui(epoch_money_[e].get_mpz_t(), numerator_[g.cls].get_mpz_t(), static_cast<unsigned long>(g.count));
    }
    mpz_class total = 0;
    for (std::uint32_t e : touched_epochs_) {
      if (e + 1 == epochs_) {
        total += epoch_money_[e];
      } else {
        total += epoch_money_[e] * Factor(e);
      }
      epoch_money_[e] = 0;
    }
    return total;
  }

  // Newest denominator / epoch e's.
  const mpz_class& Factor(std::uint32_t e) {
    const auto now = static_cast<std::uint32_t>(epochs_ - 1);
    if (factor_epoch_[e] != now) {
      mpz_divexact(factor_[e].get_mpz_t(), denominators_[now].get_mpz_t(), denominators_[e].get_mpz_t());
      factor_epoch_[e] = now;
    }
    return factor_[e];
  }

  // Sets rho to p's affordability; false when its supporters cannot pay for it.
  // Walking supporters from the poorest (by budget per unit of utility), the
  // first group that can pay the even share of what is left fixes rho; the
  // poorer ones pay all they have.
  bool Affordability(ProjectIndex p, Rational& rho) { return AffordabilityOf(p, CollectGroups(p), rho); }

  // The same from p's supporters' groups (CollectGroups), which it reorders.
  bool AffordabilityOf(ProjectIndex p, std::vector<Group>& groups, Rational& rho) {
    const Money cost = election_.projects[p].cost;
    if (inst_.uniform[p]) {
      SortByBudget(groups);
      std::int64_t rich = 0;
      for (const Group& g : groups) rich += g.count;
      mpz_class left = mpz_class(static_cast<long>(cost)) * Denominator();
      for (const Group& g : groups) {
        // The even share left / rich is affordable to this group: rho follows.
        Normalize(g.cls);
        scratch_ = numerator_[g.cls] * rich;
        if (left <= scratch_) {
          rho = Rational(left, Denominator() * rich * g.utility);
          rho.canonicalize();
          return true;
        }
        scratch_ = numerator_[g.cls] * g.count;
        left -= scratch_;
        rich -= g.count;
      }
      return false;
    }
    for (const Group& g : groups) Normalize(g.cls);
    std::sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
      return numerator_[a.cls] * b.utility < numerator_[b.cls] * a.utility;
    });
    mpz_class left = mpz_class(static_cast<long>(cost)) * Denominator();
    mpz_class utility_left = 0;
    for (const Group& g : groups) utility_left += mpz_class(static_cast<long>(g.utility)) * g.count;
    for (const Group& g : groups) {
      // rho = left / (denominator * utility_left); can this group pay rho * u?
      if (left * g.utility <= numerator_[g.cls] * utility_left) {
        rho = Rational(left, Denominator() * utility_left);
        rho.canonicalize();
        return true;
      }
      left -= numerator_[g.cls] * g.count;
      utility_left -= mpz_class(static_cast<long>(g.utility)) * g.count;
    }
    return false;
  }

  // Groups by budget, poorest first: the doubles order budgets that differ by
  // more than their rounding, the exact numerators the rest.
  void SortByBudget(std::vector<Group>& groups) {
    std::sort(groups.begin(), groups.end(), [&](const Group& x, const Group& y) {
      const double a = approx_[x.cls];
      const double b = approx_[y.cls];
      if (a < b * (1 - 4 * kRounding)) return true;
      if (b < a * (1 - 4 * kRounding)) return false;
      Normalize(x.cls);
      Normalize(y.cls);
      return numerator_[x.cls] < numerator_[y.cls];
    });
  }

  void Pay(ProjectIndex p, const Rational& rho) {
    // A new denominator when rho needs one; classes follow when next used.
    mpz_class common;
    mpz_lcm(common.get_mpz_t(), Denominator().get_mpz_t(), rho.get_den_mpz_t());
    if (common != Denominator()) AddEpoch(common);
    const mpz_class rho_numerator = rho.get_num() * (Denominator() / rho.get_den());
    auto supporters = inst_.Supporters(p);
    auto utils = inst_.Utilities(p);
    // What is left to a class after paying rho * utility: a new class, or none.
    auto after_paying = [&](std::uint32_t c, std::int64_t utility) {
      Normalize(c);
      scratch_ = numerator_[c] - rho_numerator * utility;
      return sgn(scratch_) > 0 ? AddClass(scratch_) : kZeroClass;
    };
    if (probes_) {
      PayWatched(p, rho, rho_numerator, after_paying);
      return;
    }
    if (inst_.uniform[p]) {
      // Each class moves to one new class: find it once, at its first voter.
      paid_.clear();
      for (std::uint32_t v : supporters) {
        std::uint32_t& c = voter_class_[v];
        if (c == kZeroClass) continue;
        if (class_next_.size() <= c) class_next_.resize(classes_, kNoClass);
        std::uint32_t next = class_next_[c];
        if (next == kNoClass) {
          next = after_paying(c, utils[0]);
          class_next_[c] = next;
          paid_.push_back(c);
        }
        c = next;
      }
      for (std::uint32_t c : paid_) class_next_[c] = kNoClass;
      return;
    }
    // Each (class, utility) pair moves to one new class.
    std::vector<std::pair<std::uint32_t, std::int64_t>> keys;
    for (std::size_t i = 0; i < supporters.size(); ++i) {
      const std::uint32_t c = voter_class_[supporters[i]];
      if (c != kZeroClass) keys.emplace_back(c, utils[i]);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::vector<std::uint32_t> next(keys.size());
    for (std::size_t k = 0; k < keys.size(); ++k) next[k] = after_paying(keys[k].first, keys[k].second);
    for (std::size_t i = 0; i < supporters.size(); ++i) {
      std::uint32_t& c = voter_class_[supporters[i]];
      if (c == kZeroClass) continue;
      const auto it = std::lower_bound(keys.begin(), keys.end(), std::make_pair(c, utils[i]));
      c = next[static_cast<std::size_t>(it - keys.begin())];
    }
  }

  // Pay() while watching: each paying supporter's key (what it pays) is found
  // before anyone pays, for WatchPayment, then the supporters move.
  template <class AfterPaying>
  void PayWatched(ProjectIndex p, const Rational& rho, const mpz_class& rho_numerator, AfterPaying after_paying) {
    auto supporters = inst_.Supporters(p);
    auto utils = inst_.Utilities(p);
    key_of_.resize(supporters.size());
    std::size_t keys = 0;
    auto new_key = [&]() {
      if (key_pay_.size() <= keys) {
        key_pay_.resize(keys + 1);
        key_full_.resize(keys + 1);
        key_next_.resize(keys + 1);
      }
      return static_cast<std::uint32_t>(keys++);
    };
    if (inst_.uniform[p]) {
      // Whoever can pays the same price, rho x u: key 0. Each poorer class
      // pays all it holds. Each class moves to one new class, found once.
      const std::uint32_t rich = new_key();
      key_pay_[rich] = rho_numerator * utils[0];
      key_full_[rich] = true;
      paid_.clear();
      if (class_next_.size() < classes_) class_next_.resize(classes_, kNoClass);
      if (class_key_.size() < classes_) class_key_.resize(classes_, kNoKey);
      for (std::size_t j = 0; j < supporters.size(); ++j) {
        const std::uint32_t c = voter_class_[supporters[j]];
        key_of_[j] = kNoKey;
        if (c == kZeroClass) continue;
        if (class_next_[c] == kNoClass) {
          class_next_[c] = after_paying(c, utils[0]);  // leaves what is left in scratch_
          paid_.push_back(c);
          class_key_[c] = rich;
          if (sgn(scratch_) < 0) {
            class_key_[c] = new_key();
            key_pay_[class_key_[c]] = numerator_[c];
            key_full_[class_key_[c]] = false;
          }
        }
        key_of_[j] = class_key_[c];
      }
      WatchPayment(p, rho, keys);
      for (std::size_t j = 0; j < supporters.size(); ++j) {
        if (key_of_[j] == kNoKey) continue;
        std::uint32_t& c = voter_class_[supporters[j]];
        c = class_next_[c];
      }
      for (std::uint32_t c : paid_) {
        class_next_[c] = kNoClass;
        class_key_[c] = kNoKey;
      }
      return;
    }
    // Each (class, utility) pair is a key.
    pairs_.clear();
    for (std::size_t j = 0; j < supporters.size(); ++j) {
      const std::uint32_t c = voter_class_[supporters[j]];
      if (c != kZeroClass) pairs_.emplace_back(c, utils[j]);
    }
    std::sort(pairs_.begin(), pairs_.end());
    pairs_.erase(std::unique(pairs_.begin(), pairs_.end()), pairs_.end());
    for (const auto& [c, u] : pairs_) {
      const std::uint32_t k = new_key();
      key_next_[k] = after_paying(c, u);  // leaves what is left in scratch_
      key_full_[k] = sgn(scratch_) >= 0;
      key_pay_[k] = key_full_[k] ? mpz_class(rho_numerator * u) : numerator_[c];
    }
    for (std::size_t j = 0; j < supporters.size(); ++j) {
      const std::uint32_t c = voter_class_[supporters[j]];
      key_of_[j] = kNoKey;
      if (c == kZeroClass) continue;
      const auto it = std::lower_bound(pairs_.begin(), pairs_.end(), std::make_pair(c, utils[j]));
      key_of_[j] = static_cast<std::uint32_t>(it - pairs_.begin());
    }
    WatchPayment(p, rho, keys);
    for (std::size_t j = 0; j < supporters.size(); ++j) {
      if (key_of_[j] != kNoKey) voter_class_[supporters[j]] = key_next_[key_of_[j]];
    }
  }

  const Election& election_;
  const MesInstance& inst_;
  static constexpr std::size_t kNoProbe = static_cast<std::size_t>(-1);
  static constexpr std::uint32_t kNoKey = std::numeric_limits<std::uint32_t>::max();
  std::vector<MesProbe>* probes_ = nullptr;
  std::vector<std::size_t> probe_of_;  // per project: its probe, or kNoProbe
  std::vector<bool> probe_funded_;     // per probe: its project is funded
  std::vector<bool> probe_candidate_;  // it could still be funded: a positive cost, someone gains from it, they can pay
  std::vector<std::uint32_t> watch_offsets_;  // per voter: the probes it supports are
  std::vector<std::uint32_t> watch_list_;     // watch_list_[watch_offsets_[v] .. watch_offsets_[v + 1])
  std::vector<mpz_class> watch_money_;        // per probe: its supporters' money over watch_epoch_'s denominator
  std::uint32_t watch_epoch_ = 0;
  std::vector<mpz_class> watch_delta_;        // scratch per probe, zero between uses
  std::vector<std::int64_t> watch_count_;     // scratch per probe, zero between uses
  std::vector<std::uint32_t> watch_touched_;  // scratch
  // Scratch of PayWatched: per winner supporter its key; per key what each
  // pays, whether in full, its next class; the supporters by key.
  std::vector<std::uint32_t> key_of_;
  std::vector<mpz_class> key_pay_;
  std::vector<bool> key_full_;
  std::vector<std::uint32_t> key_next_;
  std::vector<std::uint32_t> class_key_;  // per class, kNoKey between uses
  std::vector<std::uint32_t> key_start_, key_fill_, key_order_;
  const TieBreak& tie_break_;
  // A class's budget is numerator_[c] / denominators_[class_epoch_[c]]. Each
  // payment may need a finer denominator (an epoch); budgets then share the
  // newest one, so sums and comparisons stay in integers. Class 0 holds nothing.
  std::vector<mpz_class> denominators_;      // the first epochs_ are this run's
  std::size_t epochs_ = 0;
  std::vector<mpz_class> factor_;            // per epoch: newest denominator / its own
  std::vector<std::uint32_t> factor_epoch_;  // ...valid while this is the newest epoch
  std::vector<mpz_class> numerator_;         // the first classes_ are this run's
  std::size_t classes_ = 0;
  std::vector<std::uint32_t> class_epoch_;
  std::vector<double> approx_;               // each class's budget, within kRounding
  std::vector<std::uint32_t> voter_class_;   // per ballot
  std::vector<std::uint32_t> class_next_;    // scratch for Pay, kNoClass between uses
  std::vector<std::uint32_t> paid_;          // scratch for Pay
  std::vector<mpz_class> epoch_money_;       // scratch for Money, zero between uses
  std::vector<std::uint32_t> touched_epochs_;
  // Per project, from its latest estimate this round: its groups and the
  // price that parts its poor supporters from the rich.
  std::vector<std::vector<Group>> estimate_groups_;
  std::vector<double> estimate_price_;
  mpz_class scratch_;
  std::vector<std::int64_t> class_count_;    // scratch, zero between uses
  std::vector<std::uint32_t> touched_;       // scratch
  std::vector<std::pair<std::uint32_t, std::int64_t>> pairs_;  // scratch
  std::vector<Group> groups_;                // scratch
};

}  // namespace

bool IsExhaustive(const Election& election, const std::vector<ProjectIndex>& candidates, const Outcome& outcome,
                  Money budget) {
  std::vector<bool> in(election.projects.size(), false);
  Exclusions exclusions(election);
  for (ProjectIndex p : outcome.selected) {
    in[p] = true;
    exclusions.Fund(p);
  }
  for (ProjectIndex p : candidates) {
    if (!in[p] && !exclusions.Excluded(p) && election.projects[p].cost <= budget - outcome.total_cost) {
      return false;
    }
  }
  return true;
}

Outcome RunMes(const Election& election, const TieBreak& tie_break, Satisfaction sat,
               const Rational& voter_budget, std::vector<MesProbe>* probes) {
  const MesInstance inst = BuildInstance(election, sat);
  Outcome out = MesRun(election, inst, tie_break).Run(voter_budget, probes);
  out.voter_budget = voter_budget;
  out.iterations = 1;
  out.votes = inst.ballots_listing;
  return out;
}

Outcome RunMesAdd1(const Election& election, const TieBreak& tie_break, const Rational* start,
                   bool stop_when_exhaustive, const RuleOptions& options, std::vector<MesProbe>* probes) {
  const MesInstance inst = BuildInstance(election, Satisfaction::kCost);
  // Each run adds 1 to each voter's budget: one currency unit.
  mpz_class unit;
  mpz_ui_pow_ui(unit.get_mpz_t(), 10, static_cast<unsigned long>(election.money_scale));
  Rational voter_budget =
      start ? *start : MakeRational(election.budget, static_cast<std::int64_t>(inst.num_voters));
  if (!stop_when_exhaustive) {
    // Without the exhaustive stop only going over the budget ends the runs. If
    // all MES can ever fund fits, that never happens: the outcome tends to the
    // run where every voter can pay for anything alone, so take that run.
    mpz_class candidates_cost = 0;
    for (ProjectIndex p : inst.candidates) candidates_cost += static_cast<long>(election.projects[p].cost);
    if (candidates_cost <= static_cast<long>(election.budget)) {
      const Rational rich(candidates_cost + 1);
      Outcome out = MesRun(election, inst, tie_break).Run(std::max(voter_budget, rich), probes);
      out.voter_budget = std::max(voter_budget, rich);
      out.iterations = 1;
      return out;
    }
  }
  // Before the first run, the previous outcome is the free projects alone.
  Outcome previous;
  previous.criterion = "rho";
  previous.budget = election.budget;
  previous.voter_budget = voter_budget;
  Exclusions exclusions(election);
  for (ProjectIndex p : internal::OrderTied(inst.free_projects, tie_break)) {
    if (exclusions.Excluded(p)) continue;
    exclusions.Fund(p);
    previous.selected.push_back(p);
  }
  const Money unbounded = std::numeric_limits<Money>::max();
  MesRun run(election, inst, tie_break);
  auto exact_at = [&](const Rational& budget, int iteration, std::vector<MesProbe>* watch = nullptr) {
    Outcome out = run.Run(budget, watch);
    out.voter_budget = budget;
    out.iterations = iteration;
    return out;
  };
  // Each run is screened in doubles first (mes_screen.h): it gives the funded
  // set, all the loop needs. The exact count runs where the screen cannot
  // decide, and for the outcome finally kept. With the caller's runner,
  // successive budgets are screened at once and read in order; what lies past
  // the last one needed is wasted, nothing else changes.
  // Each screen runs two successive budgets in lanes side by side
  // (MesScreen::RunLanes).
  const auto jobs_width = static_cast<std::size_t>(options.run_jobs ? std::clamp(options.threads, 1, 64) : 1);
  constexpr std::size_t kLanes = MesScreen::kMaxLanes;
  const std::size_t width = jobs_width * kLanes;
  std::vector<std::unique_ptr<MesScreen>> screens;
  for (std::size_t t = 0; t < jobs_width; ++t) screens.push_back(std::make_unique<MesScreen>(election, inst, tie_break));
  std::vector<std::optional<ScreenedOutcome>> screened(width);
  std::vector<Rational> budgets(width);
  bool previous_screened = false;  // previous holds only the funded set
  bool previous_counted = false;   // previous is a run's, not the free projects alone
  Rational previous_budget;
  for (int iteration = 1;;) {
    for (std::size_t t = 0; t < width; ++t) budgets[t] = voter_budget + Rational(unit) * static_cast<long>(t);
    std::vector<std::function<void()>> jobs;
    for (std::size_t t = 0; t < jobs_width; ++t) {
      jobs.emplace_back([&, t] {
        auto lanes = screens[t]->RunLanes({budgets.begin() + static_cast<std::ptrdiff_t>(t * kLanes),
                                           budgets.begin() + static_cast<std::ptrdiff_t>((t + 1) * kLanes)});
        for (std::size_t l = 0; l < kLanes; ++l) screened[t * kLanes + l] = std::move(lanes[l]);
      });
    }
    if (jobs_width > 1) {
      options.run_jobs(jobs);
    } else {
      jobs[0]();
    }
    for (std::size_t t = 0; t < width; ++t, ++iteration) {
      Outcome out;
      if (screened[t]) {
        out.selected = std::move(screened[t]->selected);
        out.total_cost = screened[t]->total_cost;
      } else {
        out = exact_at(budgets[t], iteration);
      }
      if (out.total_cost > election.budget) {
        // The outcome kept is counted exactly, watched when asked (for one
        // the screen could not decide, once more).
        if (previous_screened || (probes && previous_counted)) {
          previous = exact_at(previous_budget, iteration, probes);
        }
        previous.iterations = iteration;
        return previous;
      }
      // Every candidate funded or excluded: more money changes nothing.
      const bool last =
          IsExhaustive(election, inst.candidates, out, stop_when_exhaustive ? election.budget : unbounded);
      if (last) return screened[t] || probes ? exact_at(budgets[t], iteration, probes) : out;
      previous = std::move(out);
      previous_screened = screened[t].has_value();
      previous_counted = true;
      previous_budget = budgets[t];
    }
    voter_budget += Rational(unit) * static_cast<long>(width);
  }
}

}  // namespace psephos::engine::internal
