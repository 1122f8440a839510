// What every MES count of one election shares: each project's supporters
// and their utilities (internal to the engine).
#pragma once

#include <cstdint>
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

  std::span<const std::uint32_t> Supporters(ProjectIndex p) const {
    return {voters.data() + offsets[p], voters.data() + offsets[p + 1]};
  }
  std::span<const std::int64_t> Utilities(ProjectIndex p) const {
    return {utility.data() + offsets[p], utility.data() + offsets[p + 1]};
  }
};

MesInstance BuildInstance(const Election& election, Satisfaction sat);

// num / den as a double, within a few units in the last place, however long
// the integers are.
double ToDouble(const mpz_class& num, const mpz_class& den);

}  // namespace psephos::engine::internal
