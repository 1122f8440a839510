// An SVG map of the projects with a place (PROJECTS latitude and longitude):
// one panel per outcome, funded projects filled, the others hollow.
#pragma once

#include <string>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/report.h"
#include "psephos/engine/status.h"

namespace psephos::cli {

// An error when no project has both a latitude and a longitude.
Result<std::string> ProjectMapSvg(const engine::Election& election, const std::vector<engine::OutcomeReport>& outcomes);

}  // namespace psephos::cli
