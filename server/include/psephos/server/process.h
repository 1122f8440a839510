// A PB process as organizers define it: one or more budgets, each an election
// the engine can tally. Definitions travel as JSON (see server/API.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/ballots/validation.h"
#include "psephos/engine/election.h"
#include "psephos/engine/outcome.h"
#include "psephos/engine/status.h"

namespace psephos::server {

struct Budget {
  std::string id;
  std::string title;
  std::string currency;
  std::string rule = "greedy";
  std::string tie_break = "id";
  // Projects (name, description, category kept as attributes), amount,
  // ballot type and rules. Its profile is empty: ballots live in storage.
  engine::Election election;
};

struct ProcessDefinition {
  std::string slug;
  std::string title;
  std::string description;
  std::vector<std::string> languages{"en"};
  std::vector<std::string> groups;   // interest-holder groups voter codes can carry
  bool latest_ballot_counts = false;  // false: a code's first ballot is final
  std::vector<Budget> budgets;

  const Budget* FindBudget(std::string_view id) const;
};

// Parses and checks a definition; errors name the field ("budgets[0].projects[2].cost: ...").
Result<ProcessDefinition> ParseProcessDefinition(const nlohmann::json& json);
nlohmann::json ProcessDefinitionJson(const ProcessDefinition& process);
// What voters see: the definition without anything private (nothing is yet).
nlohmann::json PublicBallotJson(const ProcessDefinition& process);

// A one-budget process from a pabulib file.
Result<ProcessDefinition> ProcessFromPabulib(std::string_view pb_text, const std::string& slug);

// A voter's ballot for every budget of a process, as submitted.
struct ProcessBallot {
  std::vector<std::pair<std::string, ballots::BallotInput>> budgets;  // in definition order
};
// Reads {"ballots": {"<budget>": {"projects": [...], "points": [...]}}}; `problems`
// receives every broken rule (with the budget named); returns the canonical
// JSON to store when there is none.
std::string CheckProcessBallot(const ProcessDefinition& process, const nlohmann::json& body,
                               std::vector<ballots::BallotProblem>* problems);

// One budget's election with the given ballots (canonical JSON objects, one
// per voter) as its profile; errors name the ballot.
Result<engine::Election> BudgetElection(const Budget& budget, const std::vector<nlohmann::json>& ballots);
// The same as a pabulib file, META included: what an audit bundle carries.
Result<std::string> BudgetPabulib(const ProcessDefinition& process, const Budget& budget,
                                  const std::vector<nlohmann::json>& ballots);

// Tallies every budget over the stored ballots (canonical JSON, one per voter).
Result<nlohmann::json> TallyProcess(const ProcessDefinition& process, const std::vector<std::string>& ballots);

}  // namespace psephos::server
