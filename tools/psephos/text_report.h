// A readable table of an Outcome, for terminals.
#pragma once

#include <string>

#include "psephos/engine/election.h"
#include "psephos/engine/outcome.h"

namespace psephos::cli {

// "1234567" as "1,234,567"; a sign and decimals are kept.
std::string GroupDigits(const std::string& text);

std::string TextReport(const engine::Election& election, const engine::Outcome& outcome);

}  // namespace psephos::cli
