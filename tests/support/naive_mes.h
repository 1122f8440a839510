// MES counted voter by voter with exact rationals, as pabutools' naive_mes
// does: the reference the engine's grouped counts and its doubles screen are
// checked against (tests only; slow on purpose).
#pragma once

#include <algorithm>
#include <optional>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/rational.h"

namespace psephos::test {

// Ties by project id. cost_sat: utility = cost (mes), else 1 (mes-card).
inline std::vector<engine::ProjectIndex> NaiveMes(const engine::Election& e, bool cost_sat,
                                                  const engine::Rational& voter_budget) {
  using engine::Rational;
  const std::size_t n = e.profile.size();
  std::vector<Rational> budget(n, voter_budget);
  std::vector<engine::ProjectIndex> remaining, selected;
  for (engine::ProjectIndex p = 0; p < e.projects.size(); ++p) {
    bool supported = false;
    for (std::size_t v = 0; v < n; ++v) {
      for (auto q : e.profile.projects(v)) supported |= q == p;
    }
    if (supported && e.projects[p].cost > 0) remaining.push_back(p);
  }
  auto util = [&](engine::ProjectIndex p) { return Rational(cost_sat ? e.projects[p].cost : 1); };
  auto supports = [&](std::size_t v, engine::ProjectIndex p) {
    auto ps = e.profile.projects(v);
    return std::find(ps.begin(), ps.end(), p) != ps.end();
  };
  while (true) {
    std::optional<Rational> best;
    engine::ProjectIndex winner = 0;
    for (auto p : remaining) {
      std::vector<std::size_t> sup;
      Rational available = 0;
      for (std::size_t v = 0; v < n; ++v) {
        if (supports(v, p)) sup.push_back(v), available += budget[v];
      }
      if (available < e.projects[p].cost) continue;
      std::sort(sup.begin(), sup.end(), [&](auto a, auto b) { return budget[a] < budget[b]; });
      Rational paid = 0, denom = util(p) * static_cast<long>(sup.size());
      for (auto v : sup) {
        Rational rho = (Rational(e.projects[p].cost) - paid) / denom;
        if (rho * util(p) <= budget[v]) {
          if (!best || rho < *best || (rho == *best && e.projects[p].id < e.projects[winner].id)) {
            best = rho;
            winner = p;
          }
          break;
        }
        paid += budget[v];
        denom -= util(p);
      }
    }
    if (!best) return selected;
    selected.push_back(winner);
    std::erase(remaining, winner);
    for (std::size_t v = 0; v < n; ++v) {
      if (supports(v, winner)) budget[v] -= std::min(budget[v], Rational(*best * util(winner)));
    }
  }
}

inline std::vector<engine::ProjectIndex> NaiveMes(const engine::Election& e, bool cost_sat) {
  return NaiveMes(e, cost_sat, engine::MakeRational(e.budget, static_cast<std::int64_t>(e.profile.size())));
}

// pabutools' mes-add1 voter by voter (money_scale 0): from budget / voters,
// one unit more a voter each run, until the outcome costs more than the
// budget (the previous one is kept) or no unfunded project still fits.
// `budgets`, when given, receives every voter budget tried.
inline std::vector<engine::ProjectIndex> NaiveMesAdd1(const engine::Election& e,
                                                      std::vector<engine::Rational>* budgets = nullptr) {
  engine::Rational voter_budget = engine::MakeRational(e.budget, static_cast<std::int64_t>(e.profile.size()));
  std::vector<engine::ProjectIndex> previous;
  for (;;) {
    if (budgets) budgets->push_back(voter_budget);
    auto selected = NaiveMes(e, /*cost_sat=*/true, voter_budget);
    engine::Money cost = 0;
    std::vector<bool> in(e.projects.size(), false);
    for (auto p : selected) cost += e.projects[p].cost, in[p] = true;
    if (cost > e.budget) return previous;
    bool exhaustive = true;
    for (engine::ProjectIndex p = 0; p < e.projects.size(); ++p) {
      bool supported = false;
      for (std::size_t v = 0; v < e.profile.size(); ++v) {
        for (auto q : e.profile.projects(v)) supported |= q == p;
      }
      if (supported && !in[p] && e.projects[p].cost > 0 && e.projects[p].cost <= e.budget - cost) exhaustive = false;
    }
    if (exhaustive) return selected;
    previous = std::move(selected);
    voter_budget += 1;
  }
}

}  // namespace psephos::test
