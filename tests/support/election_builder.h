// Small hand-made elections for rule tests.
#pragma once

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
  for (const auto& p : projects) e.projects.push_back(engine::Project{p.id, p.cost, {}});
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

}  // namespace psephos::test
