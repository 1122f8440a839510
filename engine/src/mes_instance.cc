#include "mes_instance.h"

#include <cmath>

namespace psephos::engine::internal {

double ToDouble(const mpz_class& num, const mpz_class& den) {
  if (sgn(num) == 0) return 0;
  long num_exp = 0;
  long den_exp = 0;
  const double n = mpz_get_d_2exp(&num_exp, num.get_mpz_t());
  const double d = mpz_get_d_2exp(&den_exp, den.get_mpz_t());
  return std::ldexp(n / d, static_cast<int>(num_exp - den_exp));
}

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
  inst.ballots_listing.assign(np, 0);
  for (std::size_t b = 0; b < profile.size(); ++b) {
    auto projects = profile.projects(b);
    for (std::size_t i = 0; i < projects.size(); ++i) {
      ++inst.ballots_listing[projects[i]];
      if (utility_at(b, i) > 0) {
        ++count[projects[i] + 1];
      } else {
        inst.every_entry_gains = false;
      }
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

}  // namespace psephos::engine::internal
