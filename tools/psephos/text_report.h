// A readable table of an Outcome, for terminals.
#pragma once

#include <string>

#include "psephos/engine/election.h"
#include "psephos/engine/outcome.h"

namespace psephos::cli {

std::string TextReport(const engine::Election& election, const engine::Outcome& outcome);

}  // namespace psephos::cli
