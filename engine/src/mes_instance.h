// What every MES count of one election shares: each project's supporters
// and their utilities (internal to the engine).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <span>
#include <vector>

#include "rule_impl.h"

namespace psephos::engine::internal {

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
  bool every_entry_gains = true;  // each ballot lists only projects its voter gains from
  std::vector<std::int64_t> ballots_listing;  // per project (Election::SupportCounts)

  std::span<const std::uint32_t> Supporters(ProjectIndex p) const {
    return {voters.data() + offsets[p], voters.data() + offsets[p + 1]};
  }
  std::span<const std::int64_t> Utilities(ProjectIndex p) const {
    return {utility.data() + offsets[p], utility.data() + offsets[p + 1]};
  }
};

MesInstance BuildInstance(const Election& election, Satisfaction sat);

// What the budgets below a price hold, and how many are at or above it.
struct PriceSplit {
  double poor_money = 0;
  std::int64_t rich = 0;
};

// The price q (doubles) at which a project's supporters pay its cost, each
// min(budget, q): iterating q <- (cost - what the poor hold) / the rich from
// `start` (at most the answer) climbs to it and settles when the poor stay
// the same. `split(q)` sums the budgets. Returns q and its split, or nullopt
// when nobody is rich or it does not settle within 64 steps.
template <class Split>
std::optional<std::pair<double, PriceSplit>> SettlePrice(double cost, double start, Split split) {
  double q = start;
  for (int step = 0; step < 64; ++step) {
    const PriceSplit at = split(q);
    if (at.rich == 0) return std::nullopt;
    const double next = (cost - at.poor_money) / static_cast<double>(at.rich);
    if (next <= q) return std::make_pair(next, at);
    q = next;
  }
  return std::nullopt;
}

// num / den as a double, within a few units in the last place, however long
// the integers are.
double ToDouble(const mpz_class& num, const mpz_class& den);

}  // namespace psephos::engine::internal
