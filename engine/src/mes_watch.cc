// MES explanations from the count itself (engine-internal): MesRun's probes
// follow each watched project's supporters' money round by round (exact
// integers over the common denominator, lowered by what the winner's
// supporters among its supporters pay) and take its exact rho only at the
// round that decides it (rule_impl.h MesProbe).
#include <algorithm>
#include <cmath>

#include "mes_run.h"

namespace psephos::engine::internal {

void MesRun::StartProbes(std::size_t free_rounds, const Exclusions& exclusions) {
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

void MesRun::MakeWatchLists() {
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

void MesRun::CountWatchers(std::span<const std::uint32_t> voters) {
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

void MesRun::WatchPayment(ProjectIndex winner, const Rational& rho, std::size_t keys) {
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

Rational MesRun::MoneyOf(const mpz_class& money) const {
  Rational value(money, Denominator());
  value.canonicalize();
  return value;
}

void MesRun::WatchNewestDenominator() {
  if (watch_epoch_ + 1 == epochs_) return;
  const mpz_class& factor = Factor(watch_epoch_);
  for (mpz_class& money : watch_money_) {
    if (sgn(money) != 0) money *= factor;
  }
  watch_epoch_ = static_cast<std::uint32_t>(epochs_ - 1);
}

bool MesRun::ExactRho(ProjectIndex p, Rational& rho) {
  auto& groups = CollectGroups(p);
  const RhoEstimate estimate = EstimateOf(p, groups);
  if (estimate.kind == RhoEstimate::Kind::kWithin) {
    RhoFromPrice(p, groups, estimate.price, rho);
    return true;
  }
  return estimate.kind == RhoEstimate::Kind::kUnsure && AffordabilityOf(p, groups, rho);
}

void MesRun::FinishProbes(const std::optional<Rational>& last_rho) {
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
    for (BudgetGroup& g : groups) {
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
    for (const BudgetGroup& g : groups) {
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

void MesRun::PayWatched(ProjectIndex p, const Rational& rho, const mpz_class& rho_numerator) {
  auto after_paying = [&](std::uint32_t c, std::int64_t utility) { return AfterPaying(c, utility, rho_numerator); };
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
}  // namespace psephos::engine::internal
