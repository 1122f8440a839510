// Results and turnout as CSV, for spreadsheets (server/API.md "Exports").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "psephos/server/process.h"

namespace psephos::server {

// One row per budget and project: budget, project, name, cost, votes, score,
// funded (yes/no) and the round it was funded in. `budgets` is the results'
// "budgets" list (PublicResults for the public).
std::string ResultsCsv(const ProcessDefinition& process, const nlohmann::json& budgets);

// One row per group: group, codes, voted, percent, ballots; then a total row.
// `turnout` is Turnout() (or PublicTurnout(): hidden counts stay hidden).
std::string TurnoutCsv(const nlohmann::json& turnout);

// A field as RFC 4180 writes it; text a spreadsheet would run as a formula
// (starting with = + - @) gets a leading apostrophe.
std::string CsvField(const std::string& text);

}  // namespace psephos::server
