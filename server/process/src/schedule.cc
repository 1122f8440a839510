#include "psephos/server/schedule.h"

namespace psephos::server {
namespace {

using nlohmann::json;

constexpr std::int64_t kLatestMs = 253402300799999;  // 9999-12-31T23:59:59.999Z
constexpr std::size_t kContactMax = 200;

Status ReadTime(const json& body, const char* field, std::int64_t* out) {
  if (!body.contains(field)) return Status::Ok();
  const json& v = body[field];
  if (v.is_null()) {
    *out = 0;
    return Status::Ok();
  }
  if (!v.is_number_integer() || v.get<std::int64_t>() <= 0 || v.get<std::int64_t>() > kLatestMs) {
    return Status::Invalid(std::string(field) + ": milliseconds since 1970 (UTC), or null for none");
  }
  *out = v.get<std::int64_t>();
  return Status::Ok();
}

bool TimeZoneShaped(const std::string& zone) {
  if (zone.empty() || zone.size() > 64) return zone.empty();
  for (char c : zone) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                    c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

bool HasControlCharacter(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

json ProcessScheduleJson(const ProcessSchedule& s) {
  return {{"opens_at_ms", s.opens_at_ms ? json(s.opens_at_ms) : json()},
          {"closes_at_ms", s.closes_at_ms ? json(s.closes_at_ms) : json()},
          {"time_zone", s.time_zone},
          {"contact", s.contact}};
}

Result<ProcessSchedule> ParseProcessSchedule(const json& body, const ProcessSchedule& current) {
  if (!body.is_object()) return Status::Invalid("the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (key != "opens_at_ms" && key != "closes_at_ms" && key != "time_zone" && key != "contact") {
      return Status::Invalid(key + ": unknown field");
    }
  }
  ProcessSchedule s = current;
  if (Status st = ReadTime(body, "opens_at_ms", &s.opens_at_ms); !st.ok()) return st;
  if (Status st = ReadTime(body, "closes_at_ms", &s.closes_at_ms); !st.ok()) return st;
  if (body.contains("time_zone")) {
    if (!body["time_zone"].is_string() || !TimeZoneShaped(body["time_zone"].get<std::string>())) {
      return Status::Invalid("time_zone: a time zone name such as Europe/Madrid");
    }
    s.time_zone = body["time_zone"].get<std::string>();
  }
  if (body.contains("contact")) {
    if (!body["contact"].is_string()) return Status::Invalid("contact: must be text");
    s.contact = body["contact"].get<std::string>();
    if (s.contact.size() > kContactMax) {
      return Status::Invalid("contact: at most " + std::to_string(kContactMax) + " characters");
    }
    if (HasControlCharacter(s.contact)) return Status::Invalid("contact: one line of text");
  }
  if (s.opens_at_ms && s.closes_at_ms && s.closes_at_ms <= s.opens_at_ms) {
    return Status::Invalid("closes_at_ms: the vote must close after it opens");
  }
  return s;
}

ProcessSchedule StoredProcessSchedule(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return {};
  auto parsed = ParseProcessSchedule(j, ProcessSchedule{});
  return parsed.ok() ? *parsed : ProcessSchedule{};
}

}  // namespace psephos::server
