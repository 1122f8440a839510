// A ProjectExplanation as JSON, for the CLI and the server.
#pragma once

#include <string>

#include "psephos/engine/election.h"
#include "psephos/engine/explain.h"

namespace psephos::ballots {

// {"project", "rule", "funded", "round", "decision", "votes", "score", "cost",
// "budget_left_before", ..., and one of "turn" (greedy rules, knapsack,
// schulze), "mes", "phragmen", "ranked"}. Rounds count from 1. Money is in
// currency units; exact values (rho, loads, MES money) are strings "p/q" with
// "*_approx" numbers for display only.
std::string ExplanationToJson(const engine::Election& election, const engine::ProjectExplanation& explanation,
                              int indent = 2);

// Every project's explanation (engine::ExplainAll): {"rule", "tie_break",
// "projects": [each as ExplanationToJson gives it, in the file's order]}.
std::string ExplanationsToJson(const engine::Election& election, const engine::Explanations& all, int indent = 2);

}  // namespace psephos::ballots
