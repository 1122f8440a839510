// One exact MES run (engine-internal): the count of mes.cc, which can also
// watch projects for explanations as it goes (mes_watch.cc).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mes_instance.h"
#include "rule_impl.h"

namespace psephos::engine::internal {

constexpr std::uint32_t kNoClass = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t kZeroClass = 0;  // voters with no money left

// Supporters sharing a budget class and a utility.
struct BudgetGroup {
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
  Outcome Run(const Rational& voter_budget, std::vector<MesProbe>* probes = nullptr);

 private:
  std::uint32_t AddClass(const mpz_class& numerator);

  void AddEpoch(const mpz_class& denominator);

  const mpz_class& Denominator() const { return denominators_[epochs_ - 1]; }

  // Brings class c's numerator over the current denominator. Only classes in
  // use are brought up: most never are again, and rescaling every class each
  // round was most of the work.
  void Normalize(std::uint32_t c);

  // Starts watching the probed projects after the free projects' rounds:
  // nobody has paid yet, so each one's money is its supporters' shares.
  void StartProbes(std::size_t free_rounds, const Exclusions& exclusions);

  void MakeWatchLists();

  // Counts, per probe, the voters among `voters` who support its project.
  void CountWatchers(std::span<const std::uint32_t> voters);

  // The round funding `winner` at `rho`, seen from the probes, before its
  // supporters pay: voter j of the winner's supporters pays key_pay_[key_of_[j]]
  // (over the newest denominator), nothing when its key is kNoKey. Each
  // probed project's money drops by what its supporters among them pay, so
  // only the winner's supporters are visited; a project that can no longer
  // be funded after this round has its rho taken now, the last time it counts.
  void WatchPayment(ProjectIndex winner, const Rational& rho, std::size_t keys);

  // money over the newest denominator, in lowest terms.
  Rational MoneyOf(const mpz_class& money) const;

  // Brings the probes' money over the newest denominator.
  void WatchNewestDenominator();

  // p's exact rho from its supporters' money now; false when they cannot pay.
  bool ExactRho(ProjectIndex p, Rational& rho);

  // At the end: what the supporters of each unfunded probed project short of
  // its cost would pay at the last rho, each min(money, rho x utility).
  void FinishProbes(const std::optional<Rational>& last_rho);

  // Groups the supporters of p with money left by (class, utility).
  std::vector<BudgetGroup>& CollectGroups(ProjectIndex p);

  // p's affordability from the doubles. For one utility u, rho = q / u where
  // the price q solves sum min(budget, q) = cost (SettlePrice). The result
  // stands only when no budget lies within the margin of q: then the exact
  // count has the same poor voters, and its q differs from ours by rounding
  // alone.
  RhoEstimate EstimateRho(ProjectIndex p);

  // The same from p's supporters' groups.
  RhoEstimate EstimateOf(ProjectIndex p, const std::vector<BudgetGroup>& groups);

  // p's exact rho from its estimate this round, which settled who is poor:
  // they pay all they have, the rest share what is left.
  void PriceFromEstimate(ProjectIndex p, Rational& rho);

  // p's exact rho where `price` settled who is poor among `groups`.
  void RhoFromPrice(ProjectIndex p, const std::vector<BudgetGroup>& groups, double price, Rational& rho);

  // What the groups that `take` picks hold together, over the newest
  // denominator: summed per epoch first, so each epoch's factor multiplies once.
  template <class Take>
  mpz_class MoneyOf(const std::vector<BudgetGroup>& groups, Take take) {
    if (epoch_money_.size() < epochs_) epoch_money_.resize(epochs_);
    touched_epochs_.clear();
    for (const BudgetGroup& g : groups) {
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
  const mpz_class& Factor(std::uint32_t e);

  // Sets rho to p's affordability; false when its supporters cannot pay for it.
  // Walking supporters from the poorest (by budget per unit of utility), the
  // first group that can pay the even share of what is left fixes rho; the
  // poorer ones pay all they have.
  bool Affordability(ProjectIndex p, Rational& rho) { return AffordabilityOf(p, CollectGroups(p), rho); }

  // The same from p's supporters' groups (CollectGroups), which it reorders.
  bool AffordabilityOf(ProjectIndex p, std::vector<BudgetGroup>& groups, Rational& rho);

  // Groups by budget, poorest first: the doubles order budgets that differ by
  // more than their rounding, the exact numerators the rest.
  void SortByBudget(std::vector<BudgetGroup>& groups);

  void Pay(ProjectIndex p, const Rational& rho);

  // What is left to class c after paying rho * utility (rho_numerator over
  // the newest denominator): a new class, or none; scratch_ keeps it.
  std::uint32_t AfterPaying(std::uint32_t c, std::int64_t utility, const mpz_class& rho_numerator);

  // Pay() while watching: each paying supporter's key (what it pays) is found
  // before anyone pays, for WatchPayment, then the supporters move.
  void PayWatched(ProjectIndex p, const Rational& rho, const mpz_class& rho_numerator);

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
  std::vector<std::vector<BudgetGroup>> estimate_groups_;
  std::vector<double> estimate_price_;
  mpz_class scratch_;
  std::vector<std::int64_t> class_count_;    // scratch, zero between uses
  std::vector<std::uint32_t> touched_;       // scratch
  std::vector<std::pair<std::uint32_t, std::int64_t>> pairs_;  // scratch
  std::vector<BudgetGroup> groups_;                // scratch
};


}  // namespace psephos::engine::internal
