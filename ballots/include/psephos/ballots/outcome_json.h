// An Outcome as JSON, for the CLI, the server and audit bundles.
#pragma once

#include <string>

#include "psephos/engine/election.h"
#include "psephos/engine/outcome.h"

namespace psephos::ballots {

// {"rule", "tie_break", "criterion", "budget", "total_cost", "selected": [ids in
// selection order], "ties": [...], "rounds": [...]}. Exact values (rho, loads,
// prices) are strings "p/q"; "*_approx" fields are for display only.
std::string OutcomeToJson(const engine::Election& election, const engine::Outcome& outcome,
                          int indent = 2);

}  // namespace psephos::ballots
