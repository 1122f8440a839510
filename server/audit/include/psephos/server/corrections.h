// Corrections while voting is open (#16 item 5): what voters read may be
// fixed (names, descriptions, longer texts, locations, translations,
// pictures); nothing that is counted may (costs, budgets, rules, limits, the
// set of projects). Each change is kept with who made it, when, and the
// field's value before and after; the bundle carries the list with the
// definition as opened, and `psephos audit` replays it (server/AUDIT.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"

namespace psephos::server {

struct Change {
  std::int64_t at_ms = 0;
  std::string by;
  std::string field;      // a path as errors write it: "budgets[0].projects[2].name"
  nlohmann::json before;  // null: the field was absent
  nlohmann::json after;   // null: the field was removed
};

// Whether `field` is one voters read and nothing counts.
bool CorrectableField(std::string_view field);

// The changes that turn definition `before` into `after` (both as
// ProcessDefinitionJson writes them; at_ms and by left empty), or an error
// naming the first field that may not change while voting is open.
Result<std::vector<Change>> DiffCorrection(const nlohmann::json& before, const nlohmann::json& after);

// Applies `changes` in order to `definition` (forward: each field must hold
// `before` and is set to `after`; backward, last first: must hold `after`, set
// to `before`). An error names the change that does not apply.
Result<nlohmann::json> ReplayChanges(nlohmann::json definition, const std::vector<Change>& changes, bool forward = true);

nlohmann::json ChangesJson(const std::vector<Change>& changes);
Result<std::vector<Change>> ParseChanges(const nlohmann::json& list);

struct AuditReport;
// The bundle's "corrections" ({"original", "changes"}), when present: the
// changes replay from the original to the published definition, each field is
// one that may change, and nothing counted differs between the two.
void AuditCorrections(const nlohmann::json& bundle, AuditReport* report);

}  // namespace psephos::server
