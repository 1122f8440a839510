// Pabulib import and export of processes.
#include "psephos/server/process_pabulib.h"

#include "psephos/ballots/pabulib.h"
#include "psephos/engine/rules.h"

namespace psephos::server {

using nlohmann::json;

Result<ProcessDefinition> ProcessFromPabulib(std::string_view pb_text, const std::string& slug) {
  auto parsed = ballots::ParsePabulib(pb_text, "upload.pb");
  if (!parsed.ok()) return parsed.status();
  engine::Election e = std::move(parsed).value();
  ProcessDefinition p;
  p.slug = slug;
  const std::string* description = e.Meta("description");
  p.title = description ? *description : slug;
  Budget b;
  b.id = "main";
  b.title = p.title;
  if (const std::string* currency = e.Meta("currency")) b.currency = *currency;
  const std::string* rule = e.Meta("rule");
  b.rule = rule && engine::ParseRule(*rule).ok() ? *rule : "greedy";
  // Only what a definition holds: the file's ballots are not imported.
  for (auto& project : e.projects) {
    std::vector<engine::Field> kept;
    for (auto& [key, value] : project.attributes) {
      if (key == "name" || key == "description" || key == "category") kept.emplace_back(key, value);
    }
    project.attributes = std::move(kept);
  }
  e.profile = engine::Profile();
  e.voter_columns.clear();
  e.voter_values.clear();
  e.meta.clear();
  b.election = std::move(e);
  p.budgets.push_back(std::move(b));
  // Round-trip through JSON so an upload obeys exactly the rules a definition does.
  return ParseProcessDefinition(ProcessDefinitionJson(p));
}

Result<std::string> BudgetPabulib(const ProcessDefinition& process, const Budget& budget,
                                  const std::vector<json>& ballots) {
  auto e = BudgetElection(budget, ballots);
  if (!e.ok()) return e.status();
  e->meta = {{"description", process.title + (process.budgets.size() > 1 ? " - " + budget.id : "")},
             {"unit", process.slug},
             {"instance", budget.id},
             {"num_projects", std::to_string(e->projects.size())},
             {"num_votes", std::to_string(e->profile.size())},
             {"rule", budget.rule}};
  if (!budget.currency.empty()) e->meta.emplace_back("currency", budget.currency);
  const auto& rules = e->rules;
  for (const auto& rule : ballots::kBallotRuleKeys) {
    if (const auto& v = rules.*rule.member) e->meta.emplace_back(rule.pabulib_key, std::to_string(*v));
  }
  if (rules.min_cost) e->meta.emplace_back("min_sum_cost", ballots::FormatMoney(*rules.min_cost, e->money_scale));
  if (rules.max_cost) e->meta.emplace_back("max_sum_cost", ballots::FormatMoney(*rules.max_cost, e->money_scale));
  return ballots::WritePabulib(*e);
}

}  // namespace psephos::server
