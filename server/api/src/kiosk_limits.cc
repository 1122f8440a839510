// Kiosk limits against stuffing (issue #15): walk-ins only within the
// organizer's allowance per kiosk, sessions spaced by a minimum time, unused
// sessions voided on demand, each walk-in listed. Routes: server/API.md "Kiosk".
#include <algorithm>
#include <tuple>

#include "psephos/server/api.h"
#include "responses.h"

namespace psephos::server {
namespace {

using nlohmann::json;

// {"error": {"code", "message", ...extra}}: a refusal with figures the kiosk page shows.
Response Refusal(http::status status, const std::string& code, const std::string& message, json extra) {
  extra["code"] = code;
  extra["message"] = message;
  return JsonResponse(status, {{"error", std::move(extra)}});
}

}  // namespace

// A kiosk's limits from `body` (either or both) into `allowance` and `seconds`; an
// error answer when a value is not a whole number in range.
std::optional<Response> Api::ParseKioskLimits(const json& body, std::int64_t* allowance, std::int64_t* seconds) {
  for (const auto& [key, limit, out] : {std::tuple{"walk_in_allowance", 100000, allowance},
                                        std::tuple{"session_seconds", 3600, seconds}}) {
    if (!body.contains(key)) continue;
    const json& value = body[key];
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0 || value.get<std::int64_t>() > limit) {
      return ErrorResponse(http::status::unprocessable_entity, std::string("invalid_") + key,
                           std::string(key) + ": a whole number from 0 to " + std::to_string(limit));
    }
    *out = value.get<std::int64_t>();
  }
  return std::nullopt;
}

std::optional<Response> Api::KioskLimitRefusal(const KioskUse& use, bool walk_in, std::int64_t now) {
  switch (RefuseKioskSession(use, walk_in, now)) {
    case KioskRefusal::kNone: return std::nullopt;
    case KioskRefusal::kWalkInsOff:
      return Refusal(http::status::forbidden, "walk_ins_off",
                     "this kiosk takes no walk-ins: the organizer can allow some on it (Devices)",
                     {{"walk_in_allowance", 0}, {"walk_ins", use.walk_ins}});
    case KioskRefusal::kWalkInsUsedUp:
      return Refusal(http::status::forbidden, "walk_ins_used_up",
                     "this kiosk's walk-ins are used up (" + std::to_string(use.walk_ins) + " of " +
                         std::to_string(use.walk_in_allowance) + "): the organizer can allow more",
                     {{"walk_in_allowance", use.walk_in_allowance}, {"walk_ins", use.walk_ins}});
    case KioskRefusal::kTooSoon: break;
  }
  const std::int64_t wait = KioskWaitSeconds(use, now);
  Response r = Refusal(http::status::too_many_requests, "session_too_soon",
                       "this kiosk starts at most one session every " + std::to_string(use.session_seconds) +
                           " s: wait " + std::to_string(wait) + " s",
                       {{"retry_after", wait}, {"session_seconds", use.session_seconds}});
  r.set(http::field::retry_after, std::to_string(wait));
  return r;
}

void Api::SetDeviceLimits(const std::shared_ptr<LiveProcess>& p, std::int64_t device, const json& body,
                          Reply reply) {
  for (const auto& [key, value] : body.items()) {
    if (key != "walk_in_allowance" && key != "session_seconds") {
      return reply(ErrorResponse(http::status::bad_request, "unknown_field", key + ": unknown field"));
    }
  }
  if (body.empty()) {
    return reply(ErrorResponse(http::status::bad_request, "missing_limits",
                               "send \"walk_in_allowance\" (0: no walk-ins), \"session_seconds\" or both"));
  }
  {
    std::int64_t allowance = 0, seconds = 0;  // only checked here
    if (auto error = ParseKioskLimits(body, &allowance, &seconds)) return reply(std::move(*error));
  }
  // Merged with the current limits on the database thread, so that two changes of one
  // limit each cannot undo one another.
  worker_.Post([this, p, device, body, reply = std::move(reply)](Storage& storage) {
    std::unique_lock lock(mutex_);
    std::int64_t allowance = p->devices[device].walk_in_allowance;
    std::int64_t seconds = p->devices[device].session_seconds;
    lock.unlock();
    if (shared_store_) {  // one limit changed on another node a moment ago stays as stored
      auto stored = storage.LoadDevices(p->id);
      if (!stored.ok()) return reply(ErrorResponse(http::status::internal_server_error, "storage", stored.status().message()));
      for (const DeviceRecord& r : *stored) {
        if (r.id == device) allowance = r.walk_in_allowance, seconds = r.session_seconds;
      }
    }
    ParseKioskLimits(body, &allowance, &seconds);  // checked above
    Status s = storage.SetDeviceLimits(p->id, device, allowance, seconds);
    if (!s.ok()) return reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
    lock.lock();
    Device& d = p->devices[device];
    d.walk_in_allowance = allowance;
    d.session_seconds = seconds;
    json answer = DeviceJson(*p, device);
    lock.unlock();
    reply(JsonResponse(http::status::ok, answer));
  });
}

// The kiosk's one-time codes nobody is voting with become unusable, as when
// a new session replaces them: for a session left open, or a token in doubt.
void Api::VoidSessions(const std::shared_ptr<LiveProcess>& p, std::int64_t device, Reply reply) {
  std::vector<std::string> open, in_flight;
  {
    std::lock_guard lock(mutex_);
    for (const std::string& hash : p->devices[device].open_codes) {
      CodeState& c = p->codes[hash];
      if (c.status == CodeStatus::kPending) in_flight.push_back(hash);  // a ballot on its way
      if (c.status != CodeStatus::kUnused) continue;
      c.status = CodeStatus::kPending;  // no ballot while the void is written
      open.push_back(hash);
    }
  }
  // The database voids them all, those made on other nodes too.
  worker_.Post([this, p, device, open, in_flight, reply = std::move(reply)](Storage& storage) {
    auto voided = storage.VoidKioskCodes(p->id, device, in_flight);
    std::lock_guard lock(mutex_);
    for (const std::string& hash : open) p->codes[hash].status = CodeStatus::kUnused;
    if (!voided.ok()) {
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", voided.status().message()));
    }
    for (const std::string& hash : *voided) {
      auto c = p->codes.find(hash);
      if (c == p->codes.end()) continue;  // made on another node: loaded with the codes
      c->second.status = CodeStatus::kSpent;
      c->second.checked_in = true;
      std::erase(p->devices[device].open_codes, hash);
    }
    reply(JsonResponse(http::status::ok, {{"id", device}, {"voided", static_cast<std::int64_t>(voided->size())}}));
  });
}

json Api::DeviceJson(const LiveProcess& p, std::int64_t id) const {
  const Device& d = p.devices.at(id);
  json j{{"id", id}, {"role", DeviceRoleName(d.role)}, {"name", d.name}, {"revoked", d.revoked},
         {"sessions", d.sessions}, {"checkins", d.checkins}, {"entries", d.entries}};
  if (d.role == DeviceRole::kKiosk) {
    j["walk_ins"] = static_cast<std::int64_t>(d.walk_in_codes.size());
    j["walk_in_allowance"] = d.walk_in_allowance;
    j["session_seconds"] = d.session_seconds;
    j["open_sessions"] = static_cast<std::int64_t>(d.open_codes.size());
    j["last_session_at"] = d.last_session_ms == 0 ? json() : json(d.last_session_ms);
  }
  return j;
}

// Each walk-in of a kiosk: when it started, for which area and group, and
// what became of it (never the code, nor how it voted).
json Api::WalkInsJson(const LiveProcess& p, std::int64_t id) const {
  // In the order they started; those of the same millisecond by code hash, so
  // that the list reads the same before and after a restart.
  std::vector<std::string> hashes = p.devices.at(id).walk_in_codes;
  std::sort(hashes.begin(), hashes.end(), [&](const std::string& a, const std::string& b) {
    return std::tie(p.codes.at(a).session_at_ms, a) < std::tie(p.codes.at(b).session_at_ms, b);
  });
  json list = json::array();
  for (const std::string& hash : hashes) {
    const CodeState& c = p.codes.at(hash);
    const char* state = c.status != CodeStatus::kSpent ? "open" : c.checked_in ? "void" : "voted";
    list.push_back({{"at", c.session_at_ms}, {"area", c.area}, {"group", c.group}, {"state", state}});
  }
  return {{"id", id}, {"walk_ins", std::move(list)}};
}

}  // namespace psephos::server
