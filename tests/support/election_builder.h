// Small hand-made elections for rule tests.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "psephos/engine/election.h"

namespace psephos::test {

struct ProjectSpec {
  std::string id;
  engine::Money cost;
};

// Ballots list project positions in `projects`.
inline engine::Election MakeElection(const std::vector<ProjectSpec>& projects, engine::Money budget,
                                     const std::vector<std::vector<engine::ProjectIndex>>& ballots,
                                     engine::BallotType type = engine::BallotType::kApproval) {
  engine::Election e;
  for (const auto& p : projects) e.projects.push_back(engine::Project{p.id, p.cost, {}, {}});
  e.budget = budget;
  e.ballot_type = type;
  for (const auto& b : ballots) e.profile.Add(b);
  return e;
}

inline std::vector<std::string> Ids(const engine::Election& e,
                                    const std::vector<engine::ProjectIndex>& selected) {
  std::vector<std::string> ids;
  for (auto p : selected) ids.push_back(e.projects[p].id);
  return ids;
}

// A small random approval election: 2-7 projects costing 1-30, 1-12 voters
// approving each project with probability 1/2, budget 10-69.
inline engine::Election RandomApprovalElection(std::mt19937& rng) {
  const int np = 2 + static_cast<int>(rng() % 6);
  const int nv = 1 + static_cast<int>(rng() % 12);
  std::vector<ProjectSpec> projects;
  for (int p = 0; p < np; ++p) {
    std::string id = "p";
    id += std::to_string(p);
    projects.push_back({id, static_cast<engine::Money>(1 + rng() % 30)});
  }
  std::vector<std::vector<engine::ProjectIndex>> ballots(static_cast<std::size_t>(nv));
  for (auto& b : ballots) {
    for (int p = 0; p < np; ++p) {
      if (rng() % 2) b.push_back(static_cast<engine::ProjectIndex>(p));
    }
  }
  return MakeElection(projects, static_cast<engine::Money>(10 + rng() % 60), ballots);
}

}  // namespace psephos::test
