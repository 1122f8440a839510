#include "psephos/server/cycle.h"

#include <cstdio>

namespace psephos::server {
namespace {

using nlohmann::json;

constexpr std::int64_t kLatestMs = 253402300799999;  // 9999-12-31T23:59:59.999Z, as schedule.cc

Status ReadTime(const json& body, const std::string& where, const char* field, std::int64_t* out) {
  if (!body.contains(field)) return Status::Ok();
  const json& v = body[field];
  if (v.is_null()) {
    *out = 0;
    return Status::Ok();
  }
  if (!v.is_number_integer() || v.get<std::int64_t>() <= 0 || v.get<std::int64_t>() > kLatestMs) {
    return Status::Invalid(where + "." + field + ": milliseconds since 1970 (UTC), or null for none");
  }
  *out = v.get<std::int64_t>();
  return Status::Ok();
}

}  // namespace

const char* CyclePhaseName(CyclePhase phase) {
  switch (phase) {
    case CyclePhase::kIdeas: return "ideas";
    case CyclePhase::kReview: return "review";
    case CyclePhase::kVote: return "vote";
    case CyclePhase::kResults: return "results";
    case CyclePhase::kImplementation: return "implementation";
  }
  return "?";
}

std::optional<CyclePhase> ParseCyclePhase(std::string_view name) {
  for (CyclePhase p : kCyclePhases) {
    if (name == CyclePhaseName(p)) return p;
  }
  return std::nullopt;
}

const char* PhaseStateName(PhaseState state) {
  switch (state) {
    case PhaseState::kUpcoming: return "upcoming";
    case PhaseState::kOpen: return "open";
    case PhaseState::kClosed: return "closed";
  }
  return "?";
}

std::optional<PhaseState> ParsePhaseState(std::string_view name) {
  for (PhaseState s : {PhaseState::kUpcoming, PhaseState::kOpen, PhaseState::kClosed}) {
    if (name == PhaseStateName(s)) return s;
  }
  return std::nullopt;
}

PhaseState DatedPhaseState(const PhaseDates& d, std::int64_t now) {
  if (d.closes_at_ms != 0 && d.closes_at_ms <= now) return PhaseState::kClosed;
  if (d.opens_at_ms != 0 && d.opens_at_ms <= now) return PhaseState::kOpen;
  return PhaseState::kUpcoming;
}

bool CyclePlan::empty() const {
  for (const PhaseDates& d : dates) {
    if (d.opens_at_ms != 0 || d.closes_at_ms != 0) return false;
  }
  return true;
}

json CyclePlanJson(const CyclePlan& plan) {
  json out = json::object();
  for (CyclePhase p : kCyclePhases) {
    if (p == CyclePhase::kVote) continue;
    const PhaseDates& d = plan.at(p);
    out[CyclePhaseName(p)] = {{"opens_at_ms", d.opens_at_ms ? json(d.opens_at_ms) : json()},
                              {"closes_at_ms", d.closes_at_ms ? json(d.closes_at_ms) : json()}};
  }
  return out;
}

Result<CyclePlan> ParseCyclePlan(const json& body, const CyclePlan& current) {
  if (!body.is_object()) return Status::Invalid("the body must be a JSON object");
  CyclePlan plan = current;
  for (const auto& [key, value] : body.items()) {
    const auto phase = ParseCyclePhase(key);
    if (!phase) return Status::Invalid(key + ": unknown phase (ideas, review, vote, results, implementation)");
    if (*phase == CyclePhase::kVote) continue;
    if (!value.is_object()) return Status::Invalid(key + ": must be {\"opens_at_ms\", \"closes_at_ms\"}");
    for (const auto& item : value.items()) {
      if (item.key() != "opens_at_ms" && item.key() != "closes_at_ms") {
        return Status::Invalid(key + "." + item.key() + ": unknown field");
      }
    }
    PhaseDates& d = plan.at(*phase);
    if (Status s = ReadTime(value, key, "opens_at_ms", &d.opens_at_ms); !s.ok()) return s;
    if (Status s = ReadTime(value, key, "closes_at_ms", &d.closes_at_ms); !s.ok()) return s;
    if (d.opens_at_ms && d.closes_at_ms && d.closes_at_ms <= d.opens_at_ms) {
      return Status::Invalid(key + ".closes_at_ms: the phase must close after it opens");
    }
  }
  return plan;
}

std::string UtcMinute(std::int64_t ms) {
  // Days since 1970 to a civil date (the proleptic Gregorian calendar, H. Hinnant's method).
  const std::int64_t minutes = (ms >= 0 ? ms : ms - 59999) / 60000;
  std::int64_t days = (minutes >= 0 ? minutes : minutes - 1439) / 1440;
  const std::int64_t minute_of_day = minutes - days * 1440;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char out[96];  // room for any int64 fields, so the compiler sees no truncation
  std::snprintf(out, sizeof out, "%04lld-%02lld-%02lld %02lld:%02lld UTC", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(minute_of_day / 60),
                static_cast<long long>(minute_of_day % 60));
  return out;
}

CyclePlan StoredCyclePlan(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return {};
  auto parsed = ParseCyclePlan(j, CyclePlan{});
  return parsed.ok() ? *parsed : CyclePlan{};
}

}  // namespace psephos::server
