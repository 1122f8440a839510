// The equalshares.net comparison step as JSON: one shape for outcomes and explanations.
#pragma once

#include <nlohmann/json.hpp>

#include "psephos/engine/outcome.h"

namespace psephos::ballots {

inline nlohmann::ordered_json ComparisonJson(const engine::Outcome::Comparison& comparison) {
  nlohmann::ordered_json c;
  c["by"] = comparison.by;
  c["prefer_rule"] = comparison.prefer_rule;
  c["prefer_greedy"] = comparison.prefer_greedy;
  c["kept_greedy"] = comparison.kept_greedy;
  return c;
}

}  // namespace psephos::ballots
