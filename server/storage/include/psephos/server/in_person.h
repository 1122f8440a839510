// The closed sets of voting in person (devices, check-ins, paper sheets), typed.
// The database and the JSON API keep the names below: XName writes one,
// ParseX reads one back (nullopt for any other text: a stored one is then an
// error, a sent one a 4xx). Inline, so every role's library has them.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace psephos::server {

// A device an organizer signed in: a kiosk voters vote on, or a clerk's.
enum class DeviceRole { kKiosk, kClerk };
inline constexpr std::array kDeviceRoles{DeviceRole::kKiosk, DeviceRole::kClerk};
constexpr std::string_view DeviceRoleName(DeviceRole role) {
  switch (role) {
    case DeviceRole::kKiosk: return "kiosk";
    case DeviceRole::kClerk: return "clerk";
  }
  return "kiosk";
}

// Why a code is spent without a ballot: checked in for a paper sheet or a
// kiosk session, or void (a kiosk's one-time code replaced or voided unused).
enum class CheckInKind { kPaper, kKiosk, kVoid };
inline constexpr std::array kCheckInKinds{CheckInKind::kPaper, CheckInKind::kKiosk, CheckInKind::kVoid};
constexpr std::string_view CheckInKindName(CheckInKind kind) {
  switch (kind) {
    case CheckInKind::kPaper: return "paper";
    case CheckInKind::kKiosk: return "kiosk";
    case CheckInKind::kVoid: return "void";
  }
  return "paper";
}

// Where a paper sheet stands (server/API.md "Paper ballots").
enum class PaperSheetState { kPrinted, kEnteredOnce, kCounted, kSpoiled, kMismatch, kDuplicate };
inline constexpr std::array kPaperSheetStates{PaperSheetState::kPrinted,  PaperSheetState::kEnteredOnce,
                                              PaperSheetState::kCounted,  PaperSheetState::kSpoiled,
                                              PaperSheetState::kMismatch, PaperSheetState::kDuplicate};
constexpr std::string_view PaperSheetStateName(PaperSheetState state) {
  switch (state) {
    case PaperSheetState::kPrinted: return "printed";
    case PaperSheetState::kEnteredOnce: return "entered_once";
    case PaperSheetState::kCounted: return "counted";
    case PaperSheetState::kSpoiled: return "spoiled";
    case PaperSheetState::kMismatch: return "mismatch";
    case PaperSheetState::kDuplicate: return "duplicate";
  }
  return "printed";
}

// The organizer's resolution of a sheet in mismatch or duplicate: count the
// reading sent with it, the sheet is spoiled, or keep the reading counted.
enum class PaperResolution { kCount, kSpoiled, kKeep };
inline constexpr std::array kPaperResolutions{PaperResolution::kCount, PaperResolution::kSpoiled,
                                              PaperResolution::kKeep};
constexpr std::string_view PaperResolutionName(PaperResolution resolution) {
  switch (resolution) {
    case PaperResolution::kCount: return "count";
    case PaperResolution::kSpoiled: return "spoiled";
    case PaperResolution::kKeep: return "keep";
  }
  return "count";
}

namespace in_person_detail {
template <class E, std::size_t N>
constexpr std::optional<E> ParseName(const std::array<E, N>& all, std::string_view (*name)(E), std::string_view text) {
  for (E e : all) {
    if (name(e) == text) return e;
  }
  return std::nullopt;
}
}  // namespace in_person_detail

constexpr std::optional<DeviceRole> ParseDeviceRole(std::string_view name) {
  return in_person_detail::ParseName(kDeviceRoles, DeviceRoleName, name);
}
constexpr std::optional<CheckInKind> ParseCheckInKind(std::string_view name) {
  return in_person_detail::ParseName(kCheckInKinds, CheckInKindName, name);
}
constexpr std::optional<PaperSheetState> ParsePaperSheetState(std::string_view name) {
  return in_person_detail::ParseName(kPaperSheetStates, PaperSheetStateName, name);
}
constexpr std::optional<PaperResolution> ParsePaperResolution(std::string_view name) {
  return in_person_detail::ParseName(kPaperResolutions, PaperResolutionName, name);
}

// A kiosk's limits (the organizer's) and its use, as a node or the database has them.
struct KioskUse {
  std::int64_t walk_in_allowance = 0;
  std::int64_t session_seconds = 0;
  std::int64_t walk_ins = 0;         // walk-in sessions so far, voided ones too
  std::int64_t last_session_ms = 0;  // the start of its latest session (0: none)
};

// The kiosk's latest session as it counts at `now_ms`: one further ahead than a
// spacing (at least a second) means the clock was set back, and is forgotten so
// that nobody is locked out until the clock catches up; one a moment ahead
// (another node's clock) counts as just now.
constexpr std::int64_t LatestKioskSession(const KioskUse& use, std::int64_t now_ms) {
  if (use.last_session_ms > now_ms + std::max<std::int64_t>(use.session_seconds, 1) * 1000) return 0;
  return std::min(use.last_session_ms, now_ms);
}

// When a session started at `now_ms` is recorded: one kiosk's sessions never
// share a millisecond, so their times order them.
constexpr std::int64_t KioskSessionStart(const KioskUse& use, std::int64_t now_ms) {
  const std::int64_t latest = LatestKioskSession(use, now_ms);
  return latest == 0 ? now_ms : std::max(now_ms, use.last_session_ms + 1);
}

// Why a kiosk may not start a session at `now_ms` (a walk-in or not), if it may not.
enum class KioskRefusal { kNone, kWalkInsOff, kWalkInsUsedUp, kTooSoon };
constexpr KioskRefusal RefuseKioskSession(const KioskUse& use, bool walk_in, std::int64_t now_ms) {
  if (walk_in && use.walk_in_allowance == 0) return KioskRefusal::kWalkInsOff;
  if (walk_in && use.walk_ins >= use.walk_in_allowance) return KioskRefusal::kWalkInsUsedUp;
  const std::int64_t latest = LatestKioskSession(use, now_ms);
  if (latest != 0 && latest + use.session_seconds * 1000 > now_ms) return KioskRefusal::kTooSoon;
  return KioskRefusal::kNone;
}

// How long a kiosk refused kTooSoon must wait, in whole seconds (at least 1).
constexpr std::int64_t KioskWaitSeconds(const KioskUse& use, std::int64_t now_ms) {
  const std::int64_t wait_ms = LatestKioskSession(use, now_ms) + use.session_seconds * 1000 - now_ms;
  return std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
}

}  // namespace psephos::server
