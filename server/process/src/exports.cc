#include "psephos/server/exports.h"

#include "psephos/ballots/pabulib.h"

namespace psephos::server {

using nlohmann::json;

std::string CsvField(const std::string& text) {
  std::string value = text;
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
    value.insert(0, 1, '\'');
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

namespace {

// A count as the JSON has it: a number, or the public word for a hidden one ("<5", "hidden").
std::string Cell(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

std::string ResultsCsv(const ProcessDefinition& process, const json& budgets) {
  std::string csv = "budget,project,name,cost,votes,score,funded,round\n";
  for (const json& entry : budgets) {
    const Budget* budget = process.FindBudget(entry.value("budget", ""));
    if (!budget) continue;
    const engine::Election& e = budget->election;
    const json& outcome = entry.contains("outcome") ? entry["outcome"] : json();
    const json votes = entry.value("votes", json::object());
    for (const engine::Project& project : e.projects) {
      bool funded = false;
      std::string round, score;
      if (outcome.is_object()) {
        for (const json& id : outcome.value("selected", json::array())) funded = funded || id == project.id;
        for (const json& r : outcome.value("rounds", json::array())) {
          if (r.value("project", "") != project.id) continue;
          if (r.contains("score")) score = Cell(r["score"]);
          if (funded && round.empty()) round = Cell(r["round"]);
        }
      }
      const std::string* name = project.Attribute("name");
      csv += CsvField(budget->id) + "," + CsvField(project.id) + "," + CsvField(name ? *name : "") + "," +
             ballots::FormatAmount(project.cost, e.money_scale) + "," +
             (votes.contains(project.id) ? Cell(votes[project.id]) : "") + "," + CsvField(score) + "," +
             (outcome.is_object() ? (funded ? "yes" : "no") : "") + "," + round + "\n";
    }
  }
  return csv;
}

std::string TurnoutCsv(const json& turnout) {
  std::string csv = "group,codes,voted,percent,ballots\n";
  const auto row = [&](const std::string& group, const json& v) {
    const json codes = v.value("codes", json());
    const json voted = v.value("voted", json());
    std::string percent;
    if (codes.is_number_integer() && voted.is_number_integer() && codes.get<std::int64_t>() > 0) {
      const std::int64_t tenths = (voted.get<std::int64_t>() * 1000 + codes.get<std::int64_t>() / 2) / codes.get<std::int64_t>();
      percent = std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
    }
    csv += CsvField(group) + "," + Cell(codes) + "," + Cell(voted) + "," + percent + "," +
           Cell(v.value("ballots", json())) + "\n";
  };
  const json groups = turnout.value("by_group", json::object());
  for (const auto& [group, v] : groups.items()) row(group, v);
  row("(all)", turnout);
  return csv;
}

}  // namespace psephos::server
