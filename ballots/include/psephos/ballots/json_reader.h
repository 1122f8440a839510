// The one way Psephos reads JSON it did not write itself this instant: API
// bodies, process definitions, stored records, bundles given to an auditor.
//
// nlohmann::json::parse accepts any depth, keeps the last of repeated keys and
// turns integers past 2^64 into doubles silently; a 150,000-deep array then
// overflows the stack in whatever recursive code meets it next (dump, copy,
// comparison). This reader refuses all three before any value exists.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"

namespace psephos::ballots {

struct JsonLimits {
  // Arrays and objects inside each other; the outermost value is depth 1.
  std::size_t max_depth = 64;
};

// Parses `text` as one JSON value. Refused, with a message naming where:
// syntax errors (byte offset), nesting deeper than limits.max_depth, a key
// repeated in one object (named), and integers outside the signed 64-bit range.
Result<nlohmann::json> ParseJson(std::string_view text, const JsonLimits& limits = {});

}  // namespace psephos::ballots
