// Method of Equal Shares, as pabutools computes it, with exact rationals.
//
// Voters are not tracked one by one: voters who have paid for the same
// projects hold the same budget, so each voter points at a budget class and
// every sum runs over classes. A project's affordability rho solves
//   sum over supporters i of min(budget_i, rho * u_i) = cost,
// and the project with the least rho is funded (ties by the tie-break).
#include <algorithm>
#include <limits>
#include <iterator>
#include <numeric>

#include "rule_impl.h"

namespace psephos::engine::internal {
namespace {

constexpr std::uint32_t kNoClass = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t kZeroClass = 0;  // voters with no money left

// Supporters and their utilities, built once per election and satisfaction.
struct MesInstance {
  std::vector<std::uint32_t> offsets;  // supporters of p: voters[offsets[p] .. offsets[p+1])
  std::vector<std::uint32_t> voters;
  std::vector<std::int64_t> utility;  // parallel to voters
  std::vector<bool> uniform;          // every supporter of p has the same utility
  std::vector<ProjectIndex> candidates;     // positive cost and positive total utility
  std::vector<ProjectIndex> free_projects;  // zero cost, positive total utility
  std::vector<Rational> initial_rho;        // cost / total utility
  std::size_t num_voters = 0;
  bool utility_is_money = false;

  std::span<const std::uint32_t> Supporters(ProjectIndex p) const {
    return {voters.data() + offsets[p], voters.data() + offsets[p + 1]};
  }
  std::span<const std::int64_t> Utilities(ProjectIndex p) const {
    return {utility.data() + offsets[p], utility.data() + offsets[p + 1]};
  }
};

MesInstance BuildInstance(const Election& election, Satisfaction sat) {
  MesInstance inst;
  const std::size_t np = election.projects.size();
  const Profile& profile = election.profile;
  inst.num_voters = profile.size();
  inst.utility_is_money = sat == Satisfaction::kCost;
  std::vector<std::uint32_t> count(np + 1, 0);
  // pabutools counts only voters who gain from a project as its supporters.
  const RuleOptions no_options;
  auto utility_at = [&](std::size_t b, std::size_t i) {
    return EntryUtility(election, sat, no_options, b, i);
  };
  for (std::size_t b = 0; b < profile.size(); ++b) {
    auto projects = profile.projects(b);
    for (std::size_t i = 0; i < projects.size(); ++i) {
      if (utility_at(b, i) > 0) ++count[projects[i] + 1];
    }
  }
  inst.offsets.assign(np + 1, 0);
  for (std::size_t p = 0; p < np; ++p) inst.offsets[p + 1] = inst.offsets[p] + count[p + 1];
  inst.voters.resize(inst.offsets[np]);
  inst.utility.resize(inst.offsets[np]);
  std::vector<std::uint32_t> fill(inst.offsets.begin(), inst.offsets.end() - 1);
  for (std::size_t b = 0; b < profile.size(); ++b) {
    auto projects = profile.projects(b);
    for (std::size_t i = 0; i < projects.size(); ++i) {
      const std::int64_t u = utility_at(b, i);
      if (u <= 0) continue;
      const std::uint32_t at = fill[projects[i]]++;
      inst.voters[at] = static_cast<std::uint32_t>(b);
      inst.utility[at] = u;
    }
  }
  inst.uniform.assign(np, true);
  inst.initial_rho.resize(np);
  for (ProjectIndex p = 0; p < np; ++p) {
    std::int64_t total = 0;
    auto utils = inst.Utilities(p);
    for (std::int64_t u : utils) {
      total += u;
      if (u != utils.front()) inst.uniform[p] = false;
    }
    if (total <= 0) continue;  // nobody gains from it: MES never funds it
    const Money cost = election.projects[p].cost;
    if (cost == 0) {
      inst.free_projects.push_back(p);
    } else {
      inst.candidates.push_back(p);
      inst.initial_rho[p] = MakeRational(cost, total);
    }
  }
  return inst;
}

// Supporters sharing a budget class and a utility.
struct Group {
  std::uint32_t cls;
  std::int64_t utility;
  std::int64_t count;
};

class MesRun {
 public:
  MesRun(const Election& election, const MesInstance& inst, const TieBreak& tie_break,
         const Rational& voter_budget)
      : election_(election), inst_(inst), tie_break_(tie_break) {
    denominator_ = voter_budget.get_den();
    numerator_.push_back(mpz_class(0));
    class_size_.push_back(0);
    rank_.push_back(0);
    std::uint32_t start = kZeroClass;
    if (sgn(voter_budget) > 0) {
      numerator_.push_back(voter_budget.get_num());
      class_size_.push_back(static_cast<std::int64_t>(inst.num_voters));
      rank_.push_back(0);
      order_.push_back(1);
      start = 1;
    }
    voter_class_.assign(inst.num_voters, start);
  }

  Outcome Run(std::vector<MesProbe>* probes = nullptr) {
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
    if (probes_) StartProbes(out.rounds.size());
    std::vector<ProjectIndex> remaining = inst_.candidates;
    std::erase_if(remaining, [&](ProjectIndex p) { return exclusions.Excluded(p); });
    std::vector<Rational> rho = inst_.initial_rho;
    std::vector<bool> dropped(election_.projects.size(), false);
    while (!remaining.empty()) {
      // rho only grows as budgets shrink, so once a stale rho exceeds the best
      // fresh one, nothing further down can beat or tie it.
      std::sort(remaining.begin(), remaining.end(), [&](ProjectIndex a, ProjectIndex b) {
        const int c = cmp(rho[a], rho[b]);
        return c != 0 ? c < 0 : tie_break_.Prefers(a, b);
      });
      std::vector<ProjectIndex> tied;
      const Rational* best = nullptr;
      for (ProjectIndex p : remaining) {
        if (best && rho[p] > *best) break;
        if (!Affordability(p, rho[p])) {
          dropped[p] = true;
          continue;
        }
        if (!best || rho[p] < *best) {
          best = &rho[p];
          tied.assign(1, p);
        } else if (rho[p] == *best) {
          tied.push_back(p);
        }
      }
      std::erase_if(remaining, [&](ProjectIndex p) { return dropped[p]; });
      if (tied.empty()) break;
      tied = internal::OrderTied(std::move(tied), tie_break_);
      const ProjectIndex winner = tied.front();
      const Rational winner_rho = rho[winner];
      if (tied.size() > 1) out.ties.push_back(Tie{out.rounds.size(), tied, winner});
      if (probes_ && probe_of_[winner] != kNoProbe) {
        const std::size_t i = probe_of_[winner];
        Hold((*probes_)[i]);
        probe_funded_[i] = true;
      }
      Pay(winner, winner_rho);
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
      if (probes_) Watch();
    }
    if (probes_) {
      for (std::size_t i = 0; i < probes_->size(); ++i) {
        if (!probe_funded_[i]) Hold((*probes_)[i]);
      }
    }
    return out;
  }

 private:
  // Each probed project's supporters' money, and its rho while it can still
  // win: one pass over its supporters serves both.
  void Watch() {
    for (std::size_t i = 0; i < probes_->size(); ++i) {
      MesProbe& probe = (*probes_)[i];
      auto& groups = CollectGroups(probe.project);
      mpz_class total = 0;
      for (const Group& g : groups) total += numerator_[g.cls] * g.count;
      Rational money(total, denominator_);
      money.canonicalize();
      probe.money.push_back(std::move(money));
      std::optional<Rational> rho;
      Rational value;
      // Money only shrinks: once its supporters cannot pay, they never can again.
      if (!probe_funded_[i] && probe_candidate_[i]) {
        if (AffordabilityOf(probe.project, groups, value)) {
          rho = value;
        } else {
          probe_candidate_[i] = false;
        }
      }
      probe.rho.push_back(std::move(rho));
    }
  }

  void StartProbes(std::size_t free_rounds) {
    probe_of_.assign(election_.projects.size(), kNoProbe);
    probe_funded_.assign(probes_->size(), false);
    probe_candidate_.assign(probes_->size(), false);
    std::vector<bool> candidate(election_.projects.size(), false), free(election_.projects.size(), false);
    for (ProjectIndex p : inst_.candidates) candidate[p] = true;
    for (ProjectIndex p : inst_.free_projects) free[p] = true;
    for (std::size_t i = 0; i < probes_->size(); ++i) {
      MesProbe& probe = (*probes_)[i];
      const ProjectIndex p = probe.project;
      probe_of_[p] = i;
      probe.supporters = static_cast<std::int64_t>(inst_.Supporters(p).size());
      probe.uniform = inst_.uniform[p];
      for (std::int64_t u : inst_.Utilities(p)) probe.total_utility += u;
      probe_candidate_[i] = candidate[p];
      probe_funded_[i] = free[p];
      if (probe_funded_[i]) Hold(probe);  // free: funded before anyone pays
    }
    for (std::size_t k = 0; k <= free_rounds; ++k) Watch();
  }

  // Snapshots the money of the probed project's supporters who still have some.
  void Hold(MesProbe& probe) {
    probe.holdings.clear();
    probe.holdings_denominator = denominator_;
    for (const Group& g : CollectGroups(probe.project)) {
      probe.holdings.push_back(MesProbe::Holding{numerator_[g.cls], g.utility, g.count});
    }
  }

  // Groups the supporters of p with money left by (class, utility).
  std::vector<Group>& CollectGroups(ProjectIndex p) {
    groups_.clear();
    auto supporters = inst_.Supporters(p);
    auto utils = inst_.Utilities(p);
    if (inst_.uniform[p]) {
      if (class_count_.size() < numerator_.size()) class_count_.resize(numerator_.size(), 0);
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

  // Sets rho to p's affordability; false when its supporters cannot pay for it.
  // Walking supporters from the poorest (by budget per unit of utility), the
  // first group that can pay the even share of what is left fixes rho; the
  // poorer ones pay all they have.
  bool Affordability(ProjectIndex p, Rational& rho) { return AffordabilityOf(p, CollectGroups(p), rho); }

  // The same from p's supporters' groups (CollectGroups), which it reorders.
  bool AffordabilityOf(ProjectIndex p, std::vector<Group>& groups, Rational& rho) {
    const Money cost = election_.projects[p].cost;
    if (inst_.uniform[p]) {
      // Budget order is the classes' global rank: integer sorting only.
      SortByRank(groups);
      std::int64_t rich = 0;
      for (const Group& g : groups) rich += g.count;
      mpz_class left = mpz_class(static_cast<long>(cost)) * denominator_;  // over denominator_
      for (const Group& g : groups) {
        // The even share left / rich is affordable to this group: rho follows.
        scratch_ = numerator_[g.cls] * rich;
        if (left <= scratch_) {
          rho = Rational(left, denominator_ * rich * g.utility);
          rho.canonicalize();
          return true;
        }
        scratch_ = numerator_[g.cls] * g.count;
        left -= scratch_;
        rich -= g.count;
      }
      return false;
    }
    std::sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
      return numerator_[a.cls] * b.utility < numerator_[b.cls] * a.utility;
    });
    mpz_class left = mpz_class(static_cast<long>(cost)) * denominator_;
    mpz_class utility_left = 0;
    for (const Group& g : groups) utility_left += mpz_class(static_cast<long>(g.utility)) * g.count;
    for (const Group& g : groups) {
      // rho = left / (denominator_ * utility_left); can this group pay rho * u?
      if (left * g.utility <= numerator_[g.cls] * utility_left) {
        rho = Rational(left, denominator_ * utility_left);
        rho.canonicalize();
        return true;
      }
      left -= numerator_[g.cls] * g.count;
      utility_left -= mpz_class(static_cast<long>(g.utility)) * g.count;
    }
    return false;
  }

  // Groups of distinct live classes by the classes' rank: when they are many,
  // placing each at its rank and reading the ranks in order beats sorting.
  void SortByRank(std::vector<Group>& groups) {
    const std::size_t live = order_.size();
    if (groups.size() < 64 || groups.size() * 16 < live) {
      std::sort(groups.begin(), groups.end(),
                [&](const Group& a, const Group& b) { return rank_[a.cls] < rank_[b.cls]; });
      return;
    }
    by_rank_.assign(live, Group{kNoClass, 0, 0});
    for (const Group& g : groups) by_rank_[rank_[g.cls]] = g;
    std::size_t k = 0;
    for (const Group& g : by_rank_) {
      if (g.cls != kNoClass) groups[k++] = g;
    }
  }

  void Pay(ProjectIndex p, const Rational& rho) {
    auto supporters = inst_.Supporters(p);
    auto utils = inst_.Utilities(p);
    // Each (class, utility) pair moves to one new class: find it once.
    std::vector<std::pair<std::uint32_t, std::int64_t>> keys;
    const bool uniform = inst_.uniform[p];
    if (uniform) {
      // One utility: a class's order among its peers survives the payment.
      if (class_next_.size() < numerator_.size()) class_next_.resize(numerator_.size(), kNoClass);
      for (std::uint32_t v : supporters) {
        const std::uint32_t c = voter_class_[v];
        if (c == kZeroClass || class_next_[c] != kNoClass) continue;
        class_next_[c] = kZeroClass;  // seen; set for real below
        keys.emplace_back(c, utils[0]);
      }
      std::sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
        return rank_[a.first] < rank_[b.first];
      });
    } else {
      for (std::size_t i = 0; i < supporters.size(); ++i) {
        const std::uint32_t c = voter_class_[supporters[i]];
        if (c != kZeroClass) keys.emplace_back(c, utils[i]);
      }
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    }
    // Bring every budget over a denominator that rho also divides.
    mpz_class common;
    mpz_lcm(common.get_mpz_t(), denominator_.get_mpz_t(), rho.get_den_mpz_t());
    if (common != denominator_) {
      const mpz_class factor = common / denominator_;
      // The factor divides the payers' count times a utility: a machine word, usually.
      if (factor.fits_ulong_p()) {
        const unsigned long f = factor.get_ui();
        for (std::uint32_t c : order_) mpz_mul_ui(numerator_[c].get_mpz_t(), numerator_[c].get_mpz_t(), f);
      } else {
        for (std::uint32_t c : order_) numerator_[c] *= factor;
      }
      denominator_ = common;
    }
    const mpz_class rho_numerator = rho.get_num() * (denominator_ / rho.get_den());
    std::vector<std::uint32_t> next(keys.size(), kZeroClass);
    std::vector<std::uint32_t> created;
    mpz_class left;
    for (std::size_t k = 0; k < keys.size(); ++k) {
      left = numerator_[keys[k].first] - rho_numerator * keys[k].second;
      if (sgn(left) <= 0) continue;
      next[k] = static_cast<std::uint32_t>(numerator_.size());
      created.push_back(next[k]);
      numerator_.push_back(left);
      class_size_.push_back(0);
      rank_.push_back(0);
    }
    if (uniform) {
      if (class_next_.size() < numerator_.size()) class_next_.resize(numerator_.size(), kNoClass);
      for (std::size_t k = 0; k < keys.size(); ++k) class_next_[keys[k].first] = next[k];
    }
    for (std::size_t i = 0; i < supporters.size(); ++i) {
      std::uint32_t& c = voter_class_[supporters[i]];
      if (c == kZeroClass) continue;
      --class_size_[c];
      if (uniform) {
        c = class_next_[c];
      } else {
        const auto it = std::lower_bound(keys.begin(), keys.end(), std::make_pair(c, utils[i]));
        c = next[static_cast<std::size_t>(it - keys.begin())];
      }
      ++class_size_[c];
    }
    if (uniform) {
      for (const auto& key : keys) class_next_[key.first] = kNoClass;
    }
    Reorder(std::move(created), /*sorted=*/uniform);
  }

  // Keeps order_ (live classes by budget) and rank_ current after a payment.
  void Reorder(std::vector<std::uint32_t> created, bool sorted) {
    auto by_budget = [&](std::uint32_t a, std::uint32_t b) {
      return cmp(numerator_[a], numerator_[b]) < 0;
    };
    if (!sorted) std::sort(created.begin(), created.end(), by_budget);
    std::erase_if(order_, [&](std::uint32_t c) { return class_size_[c] == 0; });
    // Few classes are new each round: place each by binary search.
    std::vector<std::uint32_t> merged;
    merged.reserve(order_.size() + created.size());
    auto from = order_.begin();
    for (std::uint32_t c : created) {
      auto to = std::upper_bound(from, order_.end(), c, by_budget);
      merged.insert(merged.end(), from, to);
      merged.push_back(c);
      from = to;
    }
    merged.insert(merged.end(), from, order_.end());
    order_ = std::move(merged);
    for (std::size_t i = 0; i < order_.size(); ++i) rank_[order_[i]] = static_cast<std::uint32_t>(i);
  }

  const Election& election_;
  const MesInstance& inst_;
  static constexpr std::size_t kNoProbe = static_cast<std::size_t>(-1);
  std::vector<MesProbe>* probes_ = nullptr;
  std::vector<std::size_t> probe_of_;  // per project: its probe, or kNoProbe
  std::vector<bool> probe_funded_;     // per probe: its project is funded
  std::vector<bool> probe_candidate_;  // it has a positive cost, someone gains from it, and they can still pay
  const TieBreak& tie_break_;
  // A class's budget is numerator_[c] / denominator_: one common denominator
  // keeps sums and comparisons in integers. Class 0 holds nothing.
  mpz_class denominator_;
  std::vector<mpz_class> numerator_;
  std::vector<std::uint32_t> voter_class_;   // per ballot
  std::vector<std::int64_t> class_size_;     // voters in each class
  std::vector<std::uint32_t> order_;         // live classes, poorest first
  std::vector<std::uint32_t> rank_;          // position of a class in order_
  std::vector<std::uint32_t> class_next_;    // scratch for Pay, kNoClass between uses
  mpz_class scratch_;
  std::vector<std::int64_t> class_count_;    // scratch, zero between uses
  std::vector<std::uint32_t> touched_;       // scratch
  std::vector<std::pair<std::uint32_t, std::int64_t>> pairs_;  // scratch
  std::vector<Group> groups_;                // scratch
  std::vector<Group> by_rank_;               // scratch for SortByRank
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
  Outcome out = MesRun(election, inst, tie_break, voter_budget).Run(probes);
  out.voter_budget = voter_budget;
  out.iterations = 1;
  return out;
}

Outcome RunMesAdd1(const Election& election, const TieBreak& tie_break, const Rational* start,
                   bool stop_when_exhaustive) {
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
      Outcome out = MesRun(election, inst, tie_break, std::max(voter_budget, rich)).Run();
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
  for (int iteration = 1;; ++iteration) {
    Outcome out = MesRun(election, inst, tie_break, voter_budget).Run();
    out.voter_budget = voter_budget;
    out.iterations = iteration;
    if (out.total_cost > election.budget) {
      previous.iterations = iteration;
      return previous;
    }
    if (stop_when_exhaustive && IsExhaustive(election, inst.candidates, out, election.budget)) return out;
    // Every candidate funded or excluded: more money changes nothing.
    if (!stop_when_exhaustive && IsExhaustive(election, inst.candidates, out, unbounded)) return out;
    voter_budget += Rational(unit);
    previous = std::move(out);
  }
}

}  // namespace psephos::engine::internal
