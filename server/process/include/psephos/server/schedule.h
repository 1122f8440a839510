// What an organizer may set on a process at any time before it closes, apart
// from its definition (which is frozen once open): the voting window, whose
// times open and close the process by themselves, and a contact shown to
// voters who need help. Stored beside the process (Storage settings), not in
// the signed definition.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"

namespace psephos::server {

struct ProcessSchedule {
  std::int64_t opens_at_ms = 0;   // 0: opened by hand only
  std::int64_t closes_at_ms = 0;  // 0: closed by hand only
  // The organizer's IANA time zone ("Europe/Madrid"): the times are shown to
  // voters in it. Only its shape is checked here; browsers read it.
  std::string time_zone;
  std::string contact;  // "Ms. Rivera, room 12" or an email; shown to voters who are stuck

  bool empty() const { return opens_at_ms == 0 && closes_at_ms == 0 && time_zone.empty() && contact.empty(); }
};

// {"opens_at_ms", "closes_at_ms" (null: none), "time_zone", "contact"}.
nlohmann::json ProcessScheduleJson(const ProcessSchedule& schedule);

// Reads an organizer's PUT body over `current` (fields left out stay as they
// are; null clears a time). Refuses, naming the field: unknown fields, times
// that are not whole milliseconds since 1970, a close not after the opening,
// a time zone or contact out of shape. Times against the clock are checked by
// the Api (CheckScheduleAgainst), which knows the process's state.
Result<ProcessSchedule> ParseProcessSchedule(const nlohmann::json& body, const ProcessSchedule& current);

// The stored form (ProcessScheduleJson) back; a damaged one reads as empty.
ProcessSchedule StoredProcessSchedule(const std::string& text);

}  // namespace psephos::server
