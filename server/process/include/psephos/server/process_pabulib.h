// A process and pabulib files: import one file or a set of files (one budget
// each) as a process, and write a budget back as a `.pb` file.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"
#include "psephos/server/process.h"

namespace psephos::server {

// A one-budget process from a pabulib file (its ballots are not imported).
// The budget keeps projects (name, description, category; "Project <id>" when
// the file has no names), amount, currency, ballot type and rules, and the META
// rule: a Psephos rule name as is, equalshares/add1 as mes-add1, anything else
// greedy; min_project_score_threshold becomes min_score.
Result<ProcessDefinition> ProcessFromPabulib(std::string_view pb_text, const std::string& slug);

// How local budgets (files whose META names a district or subunit) are voted.
enum class LocalBudgets {
  kHeading,  // the voter picks one local budget (Warsaw)
  kArea,     // each local budget is for the codes of its area
};

struct PabulibFile {
  std::string name;  // e.g. "Poland_Warszawa_2026_Wlochy.pb": errors name it, budget ids come from it
  std::string text;
};

// One process from a set of 1 to 20 files, one budget per file, in the order
// given, each read as ProcessFromPabulib does. Budget ids come from the file
// names (directory and ".pb" dropped, other characters "_", at most 64, "-2",
// "-3" when taken); titles from META description. Files whose META names a
// district or subunit are local budgets: under one heading "local" (kHeading)
// or for the area named after the subunit, else the district (kArea). An empty
// title: "<unit> <instance>" of the first file. Errors name the file.
Result<ProcessDefinition> ProcessFromPabulibSet(const std::vector<PabulibFile>& files, const std::string& slug,
                                                const std::string& title, LocalBudgets local);

// A budget as a pabulib file, META included, with the given ballots (canonical
// JSON, one per voter; those without a vote in this budget are skipped): what
// an audit bundle carries, and the organizer's export. META says the rule, the
// threshold it is counted with, and `district` (an area budget) or `subunit` (a
// budget of a heading), so ProcessFromPabulibSet reads the files back alike.
Result<std::string> BudgetPabulib(const ProcessDefinition& process, const Budget& budget,
                                  const std::vector<nlohmann::json>& ballots);

}  // namespace psephos::server
