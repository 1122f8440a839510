// Paper ballots: sheet serials, and the double-entry rules that decide when a
// sheet counts. Pure functions; the API keeps the sheets and storage the entries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "psephos/server/storage.h"

namespace psephos::server {

// "P3-0007-K4": batch 3, sheet 7, two check characters (Crockford base 32) so
// that a mistyped serial is refused rather than entered against another sheet.
std::string PaperSerial(std::int64_t batch, std::int64_t number);

struct ParsedSerial {
  std::string serial;  // canonical form
  std::int64_t batch = 0;
  std::int64_t number = 0;
};
// Reads a typed serial (any case, spaces ignored); nullopt when malformed or
// its check characters do not match.
std::optional<ParsedSerial> ParsePaperSerial(std::string_view typed);

// Where a sheet stands after its readings (see server/API.md "Paper ballots").
struct PaperSheetStatus {
  PaperSheetState state = PaperSheetState::kPrinted;
  bool counted = false;  // a ballot of this sheet is in the ballot log
};

// What a new reading does to a sheet.
struct PaperDecision {
  PaperSheetStatus after;
  bool retry = false;  // the same clerk sent the same reading again: nothing changes
  bool count = false;  // store the reading's ballot now
  std::string refused;  // non-empty: not allowed (an organizer resolution that does not apply)
};

// A clerk's entry, or the organizer's resolution (entry.resolution set: kCount
// with entry.ballot, kSpoiled, or kKeep).
PaperDecision DecidePaperEntry(const PaperSheetStatus& now, const std::vector<PaperEntryRecord>& earlier,
                               const PaperEntryRecord& entry);

// The status that a sheet's readings, in order, lead to.
PaperSheetStatus ReplayPaperEntries(const std::vector<PaperEntryRecord>& entries);

}  // namespace psephos::server
