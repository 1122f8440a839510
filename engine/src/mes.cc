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
#include "mes_run.h"
#include "mes_screen.h"
#include "rule_impl.h"

namespace psephos::engine::internal {

Outcome MesRun::Run(const Rational& voter_budget, std::vector<MesProbe>* probes) {
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

std::uint32_t MesRun::AddClass(const mpz_class& numerator) {
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

void MesRun::AddEpoch(const mpz_class& denominator) {
  const auto e = static_cast<std::uint32_t>(epochs_++);
  if (e == denominators_.size()) {
    denominators_.emplace_back();
    factor_.emplace_back();
    factor_epoch_.emplace_back();
  }
  denominators_[e] = denominator;
  factor_epoch_[e] = e;  // the factor to the newest denominator is 1: never asked
}

void MesRun::Normalize(std::uint32_t c) {
  const std::uint32_t epoch = class_epoch_[c];
  if (epoch + 1 == epochs_) return;
  numerator_[c] *= Factor(epoch);
  class_epoch_[c] = static_cast<std::uint32_t>(epochs_ - 1);
}

std::vector<BudgetGroup>& MesRun::CollectGroups(ProjectIndex p) {
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
      groups_.push_back(BudgetGroup{c, utils.empty() ? 0 : utils[0], class_count_[c]});
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
    groups_.push_back(BudgetGroup{pairs_[i].first, pairs_[i].second, static_cast<std::int64_t>(j - i)});
    i = j;
  }
  return groups_;
}

RhoEstimate MesRun::EstimateRho(ProjectIndex p) {
  const RhoEstimate estimate = EstimateOf(p, CollectGroups(p));
  if (estimate.kind == RhoEstimate::Kind::kWithin) {
    estimate_groups_[p].assign(groups_.begin(), groups_.end());
    estimate_price_[p] = estimate.price;
  }
  return estimate;
}

RhoEstimate MesRun::EstimateOf(ProjectIndex p, const std::vector<BudgetGroup>& groups) {
  RhoEstimate unsure;
  if (!inst_.uniform[p]) return unsure;
  if (groups.empty()) return RhoEstimate{RhoEstimate::Kind::kUnaffordable};
  const auto cost = static_cast<double>(election_.projects[p].cost);
  const auto utility = static_cast<double>(groups.front().utility);
  const double margin = kMargin + 1e-15 * static_cast<double>(groups.size());
  double money = 0;
  std::int64_t voters = 0;
  for (const BudgetGroup& g : groups) {
    money += approx_[g.cls] * static_cast<double>(g.count);
    voters += g.count;
  }
  if (money < cost * (1 - margin)) return RhoEstimate{RhoEstimate::Kind::kUnaffordable};
  if (money <= cost * (1 + margin)) return unsure;
  const auto settled = SettlePrice(cost, cost / static_cast<double>(voters), [&](double price) {
    PriceSplit at;
    for (const BudgetGroup& g : groups) {
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
  for (const BudgetGroup& g : groups) {
    const double a = approx_[g.cls];
    if (std::abs(a - q) <= error + margin * a) return unsure;
    rich_again += a < q ? 0 : g.count;
  }
  if (rich_again != rich) return unsure;
  return RhoEstimate{RhoEstimate::Kind::kWithin, (q - error) / utility * (1 - kRounding),
                     (q + error) / utility * (1 + kRounding), q};
}

void MesRun::PriceFromEstimate(ProjectIndex p, Rational& rho) {
  RhoFromPrice(p, estimate_groups_[p], estimate_price_[p], rho);
}

void MesRun::RhoFromPrice(ProjectIndex p, const std::vector<BudgetGroup>& groups, double price, Rational& rho) {
  std::int64_t rich = 0;
  for (const BudgetGroup& g : groups) rich += approx_[g.cls] < price ? 0 : g.count;
  mpz_class left = mpz_class(static_cast<long>(election_.projects[p].cost)) * Denominator() -
                   MoneyOf(groups, [&](const BudgetGroup& g) { return approx_[g.cls] < price; });
  rho = Rational(left, Denominator() * rich * groups.front().utility);
  rho.canonicalize();
}

const mpz_class& MesRun::Factor(std::uint32_t e) {
  const auto now = static_cast<std::uint32_t>(epochs_ - 1);
  if (factor_epoch_[e] != now) {
    mpz_divexact(factor_[e].get_mpz_t(), denominators_[now].get_mpz_t(), denominators_[e].get_mpz_t());
    factor_epoch_[e] = now;
  }
  return factor_[e];
}

bool MesRun::AffordabilityOf(ProjectIndex p, std::vector<BudgetGroup>& groups, Rational& rho) {
  const Money cost = election_.projects[p].cost;
  if (inst_.uniform[p]) {
    SortByBudget(groups);
    std::int64_t rich = 0;
    for (const BudgetGroup& g : groups) rich += g.count;
    mpz_class left = mpz_class(static_cast<long>(cost)) * Denominator();
    for (const BudgetGroup& g : groups) {
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
  for (const BudgetGroup& g : groups) Normalize(g.cls);
  std::sort(groups.begin(), groups.end(), [&](const BudgetGroup& a, const BudgetGroup& b) {
    return numerator_[a.cls] * b.utility < numerator_[b.cls] * a.utility;
  });
  mpz_class left = mpz_class(static_cast<long>(cost)) * Denominator();
  mpz_class utility_left = 0;
  for (const BudgetGroup& g : groups) utility_left += mpz_class(static_cast<long>(g.utility)) * g.count;
  for (const BudgetGroup& g : groups) {
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

void MesRun::SortByBudget(std::vector<BudgetGroup>& groups) {
  std::sort(groups.begin(), groups.end(), [&](const BudgetGroup& x, const BudgetGroup& y) {
    const double a = approx_[x.cls];
    const double b = approx_[y.cls];
    if (a < b * (1 - 4 * kRounding)) return true;
    if (b < a * (1 - 4 * kRounding)) return false;
    Normalize(x.cls);
    Normalize(y.cls);
    return numerator_[x.cls] < numerator_[y.cls];
  });
}

void MesRun::Pay(ProjectIndex p, const Rational& rho) {
  // A new denominator when rho needs one; classes follow when next used.
  mpz_class common;
  mpz_lcm(common.get_mpz_t(), Denominator().get_mpz_t(), rho.get_den_mpz_t());
  if (common != Denominator()) AddEpoch(common);
  const mpz_class rho_numerator = rho.get_num() * (Denominator() / rho.get_den());
  auto supporters = inst_.Supporters(p);
  auto utils = inst_.Utilities(p);
  auto after_paying = [&](std::uint32_t c, std::int64_t utility) { return AfterPaying(c, utility, rho_numerator); };
  if (probes_) {
    PayWatched(p, rho, rho_numerator);
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

std::uint32_t MesRun::AfterPaying(std::uint32_t c, std::int64_t utility, const mpz_class& rho_numerator) {
  Normalize(c);
  scratch_ = numerator_[c] - rho_numerator * utility;
  return sgn(scratch_) > 0 ? AddClass(scratch_) : kZeroClass;
}

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
  // Each screen runs kMaxLanes (eight) successive budgets side by side, in
  // budget classes they share (MesScreen::RunLanes).
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
