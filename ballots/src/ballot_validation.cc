#include "psephos/ballots/validation.h"

#include <unordered_set>

#include "psephos/ballots/pabulib.h"

namespace psephos::ballots {
namespace {

using engine::BallotType;

std::string Plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// The name a voter knows a project by: its name when it has one.
std::string Label(const engine::Project& project) {
  const std::string* name = project.Attribute("name");
  return "\"" + (name && !name->empty() ? *name : project.id) + "\"";
}

class Checker {
 public:
  Checker(const engine::Election& election, const BallotInput& ballot)
      : election_(election), ballot_(ballot) {}

  std::vector<BallotProblem> Run() {
    const bool points = election_.ballot_type == BallotType::kCumulative ||
                        election_.ballot_type == BallotType::kScoring;
    CheckProjects();
    CheckCount();
    CheckCost();
    if (points) {
      CheckPoints();
    } else if (!ballot_.points.empty()) {
      Add("points_not_expected", "This vote does not use points: just choose projects.");
    }
    return std::move(problems_);
  }

 private:
  void Add(const char* code, std::string message) {
    problems_.push_back(BallotProblem{code, std::move(message)});
  }

  void CheckProjects() {
    std::unordered_set<std::string> seen;
    for (const std::string& id : ballot_.projects) {
      const std::int64_t index = election_.FindProject(id);
      if (index < 0) {
        Add("unknown_project", "\"" + id + "\" is not one of the projects in this vote.");
        continue;
      }
      const auto& project = election_.projects[static_cast<std::size_t>(index)];
      if (!seen.insert(id).second) {
        Add("duplicate_project", "You chose " + Label(project) + " more than once.");
        continue;
      }
      chosen_.push_back(&project);
    }
  }

  void CheckCount() {
    const auto n = static_cast<std::int64_t>(ballot_.projects.size());
    const engine::BallotRules& rules = election_.rules;
    std::optional<std::int64_t> min = rules.min_projects;
    std::optional<std::int64_t> max = rules.max_projects;
    if (election_.ballot_type == BallotType::kChoose1) {
      min = 1;
      max = 1;
    }
    const char* verb = election_.ballot_type == BallotType::kOrdinal ? "Rank" : "Choose";
    if (min && max && *min == *max && (n < *min || n > *max)) {
      Add(n < *min ? "too_few_projects" : "too_many_projects",
          std::string(verb) + " exactly " + Plural(*min, "project", "projects") + " (you chose " +
              std::to_string(n) + ").");
      return;
    }
    if (min && n < *min) {
      Add("too_few_projects", std::string(verb) + " at least " + Plural(*min, "project", "projects") +
                                  " (you chose " + std::to_string(n) + ").");
    }
    if (max && n > *max) {
      Add("too_many_projects", std::string(verb) + " at most " + Plural(*max, "project", "projects") +
                                   " (you chose " + std::to_string(n) + ").");
    }
  }

  std::string Money(engine::Money amount) const {
    std::string text = FormatMoney(amount, election_.money_scale);
    if (const std::string* currency = election_.Meta("currency")) text += " " + *currency;
    return text;
  }

  void CheckCost() {
    engine::Money total = 0;
    for (const auto* project : chosen_) total += project->cost;
    const engine::BallotRules& rules = election_.rules;
    if (rules.max_cost && total > *rules.max_cost) {
      Add("over_cost_limit", "The projects you chose cost " + Money(total) + " together, more than the " +
                                 Money(*rules.max_cost) + " you can spend. Remove a project to fit.");
    }
    if (rules.min_cost && total < *rules.min_cost) {
      Add("under_cost_minimum", "The projects you chose cost " + Money(total) +
                                    " together; choose projects worth at least " +
                                    Money(*rules.min_cost) + ".");
    }
  }

  void CheckPoints() {
    if (ballot_.points.size() != ballot_.projects.size()) {
      Add("points_missing", "Give points to each project you chose (" +
                                Plural(static_cast<std::int64_t>(ballot_.projects.size()), "project", "projects") +
                                ", " + Plural(static_cast<std::int64_t>(ballot_.points.size()), "number", "numbers") +
                                " of points).");
      return;
    }
    const engine::BallotRules& rules = election_.rules;
    // Far beyond any real vote, and small enough that no count over a
    // million ballots can overflow 64 bits.
    constexpr std::int64_t kMostPoints = 1'000'000'000'000;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < ballot_.points.size(); ++i) {
      const std::int64_t p = ballot_.points[i];
      if (p > kMostPoints || p < -kMostPoints) {
        Add("points_out_of_range", "Points must be between -" + std::to_string(kMostPoints) + " and " +
                                       std::to_string(kMostPoints) + " (you gave " + std::to_string(p) + ").");
        return;
      }
      total += p;
      const std::int64_t index = election_.FindProject(ballot_.projects[i]);
      const std::string label =
          index < 0 ? "\"" + ballot_.projects[i] + "\"" : Label(election_.projects[static_cast<std::size_t>(index)]);
      if (p < 0 && election_.ballot_type == BallotType::kCumulative) {
        Add("negative_points", "Points cannot be negative (you gave " + label + " " + std::to_string(p) + ").");
        continue;
      }
      if (rules.min_points && p < *rules.min_points) {
        Add("points_below_minimum", "Give " + label + " at least " + Plural(*rules.min_points, "point", "points") +
                                        " (you gave " + std::to_string(p) + ").");
      }
      if (rules.max_points && p > *rules.max_points) {
        Add("points_above_maximum", "Give " + label + " at most " + Plural(*rules.max_points, "point", "points") +
                                        " (you gave " + std::to_string(p) + ").");
      }
    }
    if (rules.max_total_points && total > *rules.max_total_points) {
      Add("total_points_above_maximum", "You can give " + Plural(*rules.max_total_points, "point", "points") +
                                            " in all; you gave " + std::to_string(total) + ".");
    }
    if (rules.min_total_points && total < *rules.min_total_points) {
      Add("total_points_below_minimum", "Give at least " + Plural(*rules.min_total_points, "point", "points") +
                                            " in all; you gave " + std::to_string(total) + ".");
    }
  }

  const engine::Election& election_;
  const BallotInput& ballot_;
  std::vector<const engine::Project*> chosen_;
  std::vector<BallotProblem> problems_;
};

}  // namespace

std::vector<BallotProblem> ValidateBallot(const engine::Election& election, const BallotInput& ballot) {
  return Checker(election, ballot).Run();
}

}  // namespace psephos::ballots
