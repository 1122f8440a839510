// The slips an organizer makes in a definition, caught when it is saved.
#include <algorithm>
#include <cctype>
#include <map>

#include "psephos/ballots/pabulib.h"
#include "psephos/server/process.h"

namespace psephos::server {
namespace {

// Two names that read the same to a voter ("Garden", " garden ").
std::string NameKey(const std::string& name) {
  std::string key;
  for (unsigned char c : name) {
    if (std::isspace(c)) {
      if (!key.empty() && key.back() != ' ') key += ' ';
    } else {
      key += static_cast<char>(std::tolower(c));
    }
  }
  while (!key.empty() && key.back() == ' ') key.pop_back();
  return key;
}

Status CheckBudget(Budget& b, const std::string& path) {
  engine::Election& e = b.election;
  const auto money = [&](engine::Money m) {
    return ballots::FormatMoney(m, e.money_scale) + (b.currency.empty() ? "" : " " + b.currency);
  };
  if (e.budget <= 0) return Status::Invalid(path + ".amount: the budget has no money to spend (it is 0)");
  std::map<std::string, std::size_t> names;
  for (std::size_t i = 0; i < e.projects.size(); ++i) {
    const engine::Project& project = e.projects[i];
    const std::string pp = path + ".projects[" + std::to_string(i) + "]";
    if (project.cost <= 0) {
      return Status::Invalid(pp + ".cost: a project must cost more than 0 (a free project is funded whatever the votes)");
    }
    if (project.cost > e.budget) {
      return Status::Invalid(pp + ".cost: " + money(project.cost) + " is more than the whole budget (" +
                             money(e.budget) + "): this project could never be funded");
    }
    const std::string* name = project.Attribute("name");
    if (!name) continue;
    auto [it, fresh] = names.emplace(NameKey(*name), i);
    if (!fresh) {
      return Status::Invalid(pp + ".name: \"" + *name + "\" is also the name of project " +
                             std::to_string(it->second + 1) + ": voters could not tell them apart");
    }
  }
  engine::BallotRules& rules = e.rules;
  const std::string bp = path + ".ballot.";
  // Blank means at least one project; an empty ballot needs an explicit 0.
  if (!rules.min_projects && e.ballot_type != engine::BallotType::kChoose1) rules.min_projects = 1;
  if (rules.max_projects && *rules.max_projects == 0) {
    return Status::Invalid(bp + "max_projects: 0 lets voters choose nothing (leave it blank for no limit)");
  }
  if (rules.min_projects && rules.max_projects && *rules.min_projects > *rules.max_projects) {
    return Status::Invalid(bp + "max_projects: is less than min_projects");
  }
  if (rules.min_points && rules.max_points && *rules.min_points > *rules.max_points) {
    return Status::Invalid(bp + "max_points: is less than min_points");
  }
  if (rules.min_total_points && rules.max_total_points && *rules.min_total_points > *rules.max_total_points) {
    return Status::Invalid(bp + "max_total_points: is less than min_total_points");
  }
  if (rules.max_points && *rules.max_points == 0) {
    return Status::Invalid(bp + "max_points: 0 lets voters give no points (leave it blank for no limit)");
  }
  if (rules.max_total_points && *rules.max_total_points == 0) {
    return Status::Invalid(bp + "max_total_points: 0 lets voters give no points");
  }
  if (rules.max_cost) {
    const auto cheapest = std::min_element(e.projects.begin(), e.projects.end(),
                                           [](const auto& x, const auto& y) { return x.cost < y.cost; });
    if (cheapest != e.projects.end() && cheapest->cost > *rules.max_cost) {
      return Status::Invalid(bp + "max_cost: " + money(*rules.max_cost) + " is less than the cheapest project (" +
                             money(cheapest->cost) + "): no ballot could choose anything");
    }
    if (rules.min_cost && *rules.min_cost > *rules.max_cost) {
      return Status::Invalid(bp + "max_cost: is less than min_cost");
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckDefinitionAtSave(ProcessDefinition* process) {
  for (std::size_t i = 0; i < process->budgets.size(); ++i) {
    if (Status s = CheckBudget(process->budgets[i], "budgets[" + std::to_string(i) + "]"); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace psephos::server
