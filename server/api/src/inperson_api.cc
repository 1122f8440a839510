// Voting in person: devices an organizer signs in (kiosks and clerks), kiosk
// sessions with one-time codes, check-in for paper sheets, and paper ballots
// entered twice. Routes and rules: server/API.md "Devices", "Kiosk", "Paper".
#include <algorithm>
#include <tuple>
#include <charconv>

#include "psephos/ballots/json_reader.h"
#include "psephos/server/api.h"
#include "psephos/server/ballot_log.h"
#include "psephos/server/disclosure.h"
#include "psephos/server/secrets.h"
#include "responses.h"
#include "routes.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server {
namespace {

using nlohmann::json;

json BudgetIds(const ProcessDefinition& d, const std::string& area) {
  json ids = json::array();
  for (const Budget* b : d.EligibleBudgets(area)) ids.push_back(b->id);
  return ids;
}

std::string DeviceLimiterKey(std::int64_t device) { return "device:" + std::to_string(device); }

}  // namespace

std::int64_t Api::DeviceOf(const LiveProcess& p, const Request& request) const {
  const std::string_view token = AuthCredentials(request, "Device");
  if (token.empty()) return 0;
  const std::string hash = Sha256Hex(token);
  for (const auto& [id, device] : p.devices) {
    if (!device.revoked && ConstantTimeEquals(hash, device.token_hash)) {
      return id;
    }
  }
  return 0;
}

void Api::DeviceInfo(Call& c) {  // a device asks who it is
  if (!shared_store_) return AnswerDeviceInfo(*c.p, c.device, c.reply);
  const bool posted = worker_.Post([this, p = c.p, device = c.device, reply = c.reply](Storage& storage) {
    auto devices = storage.LoadDevices(p->id);
    if (!devices.ok()) return reply(ErrorResponse(http::status::internal_server_error, "storage", devices.status().message()));
    for (const DeviceRecord& r : *devices) {
      if (r.id != device || !r.revoked) continue;
      std::unique_lock lock(mutex_);
      return RefuseRevoked(*p, device, lock, reply);
    }
    AnswerDeviceInfo(*p, device, reply);
  });
  if (!posted) c.reply(ErrorResponse(http::status::service_unavailable, "stopping", "the server is stopping"));
}

void Api::AnswerDeviceInfo(LiveProcess& p, std::int64_t device, const Reply& reply) {
  std::unique_lock lock(mutex_);
  const Device& d = p.devices[device];
  const ProcessDefinition& def = p.definition;
  json summary = Summary(p);  // a device stands where the public can see it: the public turnout
  summary["turnout"] = PublicTurnout(summary["turnout"], def.min_group_size);
  json me{{"id", device},           {"role", DeviceRoleName(d.role)}, {"name", d.name},
          {"process", std::move(summary)}, {"groups", def.groups}, {"areas", def.areas}, {"languages", def.languages}};
  if (d.role == DeviceRole::kKiosk) {  // so that the volunteer knows before asking
    me["walk_in_allowance"] = d.walk_in_allowance;
    me["walk_ins"] = d.walk_ins;
    me["session_seconds"] = d.session_seconds;
  }
  lock.unlock();
  reply(JsonResponse(http::status::ok, me));
}

void Api::SheetInfo(const std::shared_ptr<LiveProcess>& p, const std::string& serial, Reply reply) {  // what a sheet is for
  const auto parsed = ParsePaperSerial(serial);
  std::unique_lock lock(mutex_);
  auto batch = parsed ? p->paper_batches.find(parsed->batch) : p->paper_batches.end();
  if (batch == p->paper_batches.end() || parsed->number > batch->second.count) {
    lock.unlock();
    return reply(ErrorResponse(http::status::not_found, "unknown_serial", "no sheet has this serial"));
  }
  auto sheet = p->paper_sheets.find(parsed->serial);
  json answer{{"serial", parsed->serial}, {"batch", parsed->batch}, {"area", batch->second.area},
              {"budgets", BudgetIds(p->definition, batch->second.area)},
              {"state", PaperSheetStateName(sheet == p->paper_sheets.end() ? PaperSheetState::kPrinted
                                                                              : sheet->second.status.state)}};
  lock.unlock();
  reply(JsonResponse(http::status::ok, answer));
}

void Api::ListDevices(const std::shared_ptr<LiveProcess>& p, Reply reply) {
  std::unique_lock lock(mutex_);
  json list = json::array();
  for (const auto& [id, d] : p->devices) list.push_back(DeviceJson(*p, id));
  lock.unlock();
  reply(JsonResponse(http::status::ok, {{"devices", list}}));
}

// /devices/ID/revoke, /limits, /void, /walk-ins: the last three a kiosk's only.
void Api::DeviceRoute(Call& c, std::string_view what) {
  const std::shared_ptr<LiveProcess>& p = c.p;
  const auto id = ParseId(c.params[1]);
  std::unique_lock lock(mutex_);
  auto it = id ? p->devices.find(*id) : p->devices.end();
  if (it == p->devices.end()) {
    lock.unlock();
    return c.reply(ErrorResponse(http::status::not_found, "not_found", "no such device"));
  }
  const bool kiosk = it->second.role == DeviceRole::kKiosk;
  if (what == "walk-ins" && kiosk) {
    json walk_ins = WalkInsJson(*p, *id);
    lock.unlock();
    return c.reply(JsonResponse(http::status::ok, walk_ins));
  }
  lock.unlock();
  if (what == "revoke") return RevokeDevice(p, *id, std::move(c.reply));
  if (!kiosk) {
    return c.reply(ErrorResponse(http::status::unprocessable_entity, "not_a_kiosk", "this device is a clerk's, not a kiosk"));
  }
  if (what == "void") return VoidSessions(p, *id, std::move(c.reply));
  if (auto body = c.Body()) SetDeviceLimits(p, *id, *body, std::move(c.reply));  // limits
}

void Api::AddDevice(const std::shared_ptr<LiveProcess>& p, const json& body, Reply reply) {
  const std::optional<DeviceRole> role = ParseDeviceRole(StringField(body, "role"));
  const std::string name = StringField(body, "name");
  if (!role) {
    return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_role", "role: kiosk or clerk"));
  }
  if (name.empty() || name.size() > 100) {
    return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_name",
                               "name: what the device is, e.g. \"Library tablet\" (at most 100 bytes)"));
  }
  const std::string token = RandomHex(20);
  DeviceRecord record{0, *role, name, Sha256Hex(token), false, NowMs()};
  if (role == DeviceRole::kClerk && (body.contains("walk_in_allowance") || body.contains("session_seconds"))) {
    return reply(ErrorResponse(http::status::unprocessable_entity, "not_a_kiosk", "only a kiosk has walk-ins and sessions"));
  }
  if (auto error = ParseKioskLimits(body, &record.walk_in_allowance, &record.session_seconds)) return reply(std::move(*error));
  worker_.Post([this, p, record, token, reply = std::move(reply)](Storage& storage) {
    auto id = storage.AddDevice(p->id, record);
    if (!id.ok()) return reply(ErrorResponse(http::status::internal_server_error, "not_stored", id.status().message()));
    std::unique_lock lock(mutex_);
    Device& d = p->devices[*id];
    d.role = record.role;
    d.name = record.name;
    d.token_hash = record.token_hash;
    d.walk_in_allowance = record.walk_in_allowance;
    d.session_seconds = record.session_seconds;
    std::string sign_in = "/";
    sign_in += DeviceRoleName(record.role);
    sign_in += "#p=";
    sign_in += p->definition.slug;
    sign_in += "&t=";
    sign_in += token;
    lock.unlock();
    reply(JsonResponse(http::status::created, {{"id", *id},
                                               {"role", DeviceRoleName(record.role)},
                                               {"name", record.name},
                                               {"token", token},
                                               {"sign_in", sign_in}}));
  });
}

void Api::RevokeDevice(const std::shared_ptr<LiveProcess>& p, std::int64_t device, Reply reply) {
  {
    std::lock_guard lock(mutex_);
    if (!p->devices.count(device)) return reply(ErrorResponse(http::status::not_found, "not_found", "no such device"));
  }
  worker_.Post([this, p, device, reply = std::move(reply)](Storage& storage) {
    Status s = storage.RevokeDevice(p->id, device);
    if (!s.ok()) return reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
    std::lock_guard lock(mutex_);
    p->devices[device].revoked = true;
    reply(JsonResponse(http::status::ok, {{"id", device}, {"revoked", true}}));
  });
}

// The database found `device` revoked (by the organizer, maybe on another
// node a moment ago): this node's copy learns it, the device is told. lock held.
void Api::RefuseRevoked(LiveProcess& p, std::int64_t device, std::unique_lock<std::mutex>& lock, const Reply& reply) {
  if (auto it = p.devices.find(device); it != p.devices.end()) it->second.revoked = true;
  lock.unlock();
  reply(ErrorResponse(http::status::unauthorized, "device_revoked", "this device was signed out by the organizer"));
}

// The organizer's code in `body`, marked pending so that no other channel
// takes it meanwhile; empty (and answered) when unknown or spent. mutex_ held.
std::string Api::ReserveCode(LiveProcess& p, const json& body, const std::string& client,
                             std::unique_lock<std::mutex>& lock, Reply& reply) {
  const std::string code = NormalizeVoterCode(StringField(body, "code"));
  auto it = code.empty() ? p.codes.end() : p.codes.find(VoterCodeHash(code));
  if (it == p.codes.end() || it->second.device != 0) {
    lock.unlock();
    CountCodeFailure(client);
    reply(ErrorResponse(http::status::forbidden, "unknown_code", "this code is not valid for this vote"));
    return {};
  }
  if (it->second.status != CodeStatus::kUnused) {
    reply(ErrorResponse(http::status::conflict, "used_code", "this code has already voted or checked in"));
    return {};
  }
  it->second.status = CodeStatus::kPending;
  return it->first;
}

// After the check-in's write: spent (and counted as voted) or free again. mutex_ held.
void Api::SettleCheckIn(LiveProcess& p, const std::string& hash, bool stored) {
  CodeState& c = p.codes[hash];
  c.status = stored ? CodeStatus::kSpent : CodeStatus::kUnused;
  if (!stored) return;
  c.checked_in = true;
  ++p.by_group[c.group].voted;
  if (!p.definition.areas.empty()) ++p.by_area[c.area].voted;
}

void Api::StartKioskSession(const std::shared_ptr<LiveProcess>& p, std::int64_t device, const json& body,
                            const std::string& address, Reply reply) {
  (void)address;  // a device's wrong codes count against the device, not its address
  const std::string client = DeviceLimiterKey(device);
  if (RateLimited(client, reply)) return;
  for (const auto& [key, value] : body.items()) {
    if (key != "code" && key != "area" && key != "group") {
      return reply(ErrorResponse(http::status::bad_request, "unknown_field", key + ": unknown field"));
    }
  }
  std::unique_lock lock(mutex_);
  if (!Accepting(*p)) return reply(VotingClosed(p->state == ProcessState::kOpen ? ProcessState::kClosed : p->state));
  CodeState one_time;
  one_time.device = device;
  one_time.walk_in = !body.contains("code");
  if (one_time.walk_in) {
    one_time.group = StringField(body, "group");
    one_time.area = StringField(body, "area");
    const auto& groups = p->definition.groups;
    if (!one_time.group.empty() && std::find(groups.begin(), groups.end(), one_time.group) == groups.end()) {
      return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_group",
                                 "group: not one of this process's groups"));
    }
    if (!one_time.area.empty() && !p->definition.HasArea(one_time.area)) {
      return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_area",
                                 "area: not one of this process's areas"));
    }
  }
  Device& d = p->devices[device];
  const std::int64_t now = NowMs();
  if (auto refusal = KioskLimitRefusal(d.Use(), one_time.walk_in, now)) return reply(std::move(*refusal));
  std::string voter_hash;
  if (!one_time.walk_in) {
    voter_hash = ReserveCode(*p, body, client, lock, reply);
    if (voter_hash.empty()) return;
    one_time.group = p->codes[voter_hash].group;
    one_time.area = p->codes[voter_hash].area;
  }
  // Reserved now, so that sessions asked for at once are counted against the limits.
  const std::int64_t previous_session = d.last_session_ms;
  const std::int64_t started = KioskSessionStart(d.Use(), now);
  d.last_session_ms = started;
  if (one_time.walk_in) ++d.walk_ins;
  one_time.session_at_ms = started;
  // The kiosk's earlier one-time codes that nobody is voting with right now are
  // voided (in the database, those made on other nodes too).
  std::vector<std::string> void_codes, in_flight;
  for (const std::string& hash : d.open_codes) {
    const CodeStatus status = p->codes[hash].status;
    if (status == CodeStatus::kUnused) void_codes.push_back(hash);
    if (status == CodeStatus::kPending) in_flight.push_back(hash);
  }
  lock.unlock();
  const std::string code = NewVoterCode();
  const std::string hash = VoterCodeHash(NormalizeVoterCode(code));
  worker_.Post([this, p, device, voter_hash, void_codes, in_flight, one_time, previous_session, now, code, hash,
                reply = std::move(reply)](Storage& storage) mutable {
    VoterCodeRecord record{hash, one_time.group, one_time.area, false, std::nullopt, device, 0, one_time.session_at_ms,
                           one_time.walk_in};
    KioskUse stored_use;
    auto result = storage.StartKioskSession(p->id, voter_hash, in_flight, record, &stored_use);
    std::unique_lock done_lock(mutex_);
    if (!voter_hash.empty()) SettleCheckIn(*p, voter_hash, result.ok() && *result == AppendResult::kStored);
    Device& kiosk = p->devices[device];
    if (!result.ok() || *result != AppendResult::kStored) {
      if (one_time.walk_in) --kiosk.walk_ins;
      if (kiosk.last_session_ms == one_time.session_at_ms) kiosk.last_session_ms = previous_session;
      if (result.ok() && *result == AppendResult::kDeviceRevoked) return RefuseRevoked(*p, device, done_lock, reply);
      if (result.ok() && *result == AppendResult::kOverKioskLimits) {
        // Sessions or a limit from another node this node had not loaded yet: its copy learns them.
        kiosk.walk_in_allowance = stored_use.walk_in_allowance;
        kiosk.session_seconds = stored_use.session_seconds;
        kiosk.walk_ins = std::max(kiosk.walk_ins, stored_use.walk_ins);
        kiosk.last_session_ms = std::max(kiosk.last_session_ms, stored_use.last_session_ms);
        done_lock.unlock();
        auto refusal = KioskLimitRefusal(stored_use, one_time.walk_in, now);
        return reply(refusal ? std::move(*refusal)
                             : ErrorResponse(http::status::conflict, "kiosk_limits", "try again"));
      }
      done_lock.unlock();
      if (result.ok()) return reply(ErrorResponse(http::status::conflict, "used_code", "this code has already voted"));
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", result.status().message()));
    }
    for (const std::string& old : void_codes) {
      CodeState& c = p->codes[old];
      c.status = CodeStatus::kSpent;
      c.checked_in = true;
    }
    std::erase_if(kiosk.open_codes, [&](const std::string& h) { return p->codes[h].status != CodeStatus::kUnused; });
    kiosk.open_codes.push_back(hash);
    if (one_time.walk_in) kiosk.walk_in_codes.push_back(hash);
    ++kiosk.sessions;
    p->codes.emplace(hash, one_time);
    json answer{{"code", code}, {"area", one_time.area}, {"group", one_time.group},
                {"budgets", BudgetIds(p->definition, one_time.area)}};
    done_lock.unlock();
    reply(JsonResponse(http::status::created, answer));
  });
}

void Api::CheckIn(const std::shared_ptr<LiveProcess>& p, std::int64_t device, const json& body,
                  const std::string& address, Reply reply) {
  (void)address;  // a device's wrong codes count against the device, not its address
  const std::string client = DeviceLimiterKey(device);
  if (RateLimited(client, reply)) return;
  std::unique_lock lock(mutex_);
  if (!Accepting(*p)) return reply(VotingClosed(p->state == ProcessState::kOpen ? ProcessState::kClosed : p->state));
  const std::string hash = ReserveCode(*p, body, client, lock, reply);
  if (hash.empty()) return;
  lock.unlock();
  worker_.Post([this, p, device, hash, reply = std::move(reply)](Storage& storage) {
    auto result = storage.CheckIn(p->id, hash, CheckInKind::kPaper, device);
    std::unique_lock done_lock(mutex_);
    const bool stored = result.ok() && *result == AppendResult::kStored;
    SettleCheckIn(*p, hash, stored);
    const CodeState& c = p->codes[hash];
    if (result.ok() && *result == AppendResult::kDeviceRevoked) return RefuseRevoked(*p, device, done_lock, reply);
    if (!stored) {
      done_lock.unlock();
      if (result.ok()) return reply(ErrorResponse(http::status::conflict, "used_code", "this code has already voted"));
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", result.status().message()));
    }
    if (device != 0) ++p->devices[device].checkins;
    json answer{{"checked_in", true}, {"area", c.area}, {"group", c.group}, {"budgets", BudgetIds(p->definition, c.area)}};
    done_lock.unlock();
    reply(JsonResponse(http::status::ok, answer));
  });
}

void Api::AddPaperBatch(const std::shared_ptr<LiveProcess>& p, const json& body, Reply reply) {
  const json count = body.value("count", json());
  if (!count.is_number_integer() || count.get<std::int64_t>() < 1 || count.get<std::int64_t>() > 5000) {
    return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_count", "count: a whole number from 1 to 5000"));
  }
  const std::string area = StringField(body, "area");
  std::string language = StringField(body, "language");
  {
    std::lock_guard lock(mutex_);
    if (!area.empty() && !p->definition.HasArea(area)) {
      return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_area", "area: not one of this process's areas"));
    }
    const auto& languages = p->definition.languages;
    if (language.empty()) language = languages.front();
    if (std::find(languages.begin(), languages.end(), language) == languages.end()) {
      return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_language",
                                 "language: not one of this process's languages"));
    }
    if (p->state == ProcessState::kClosed || p->state == ProcessState::kPublished || p->closing) {
      return reply(VotingClosed(p->state));
    }
  }
  const std::int64_t n = count.get<std::int64_t>();
  worker_.Post([this, p, n, area, language, reply = std::move(reply)](Storage& storage) {
    auto batch = storage.AddPaperBatch(p->id, area, language, n, PaperSerial);
    if (!batch.ok()) return reply(ErrorResponse(http::status::internal_server_error, "not_stored", batch.status().message()));
    std::unique_lock lock(mutex_);
    p->paper_batches[*batch] = PaperBatch{area, language, n};
    std::string print = "/paper#p=";
    print += p->definition.slug;
    print += "&batch=";
    print += std::to_string(*batch);
    json answer{{"batch", *batch}, {"count", n}, {"area", area}, {"language", language},
                {"budgets", BudgetIds(p->definition, area)}, {"print", print}};
    lock.unlock();
    reply(JsonResponse(http::status::created, answer));
  });
}

void Api::PaperBatchSheets(const std::shared_ptr<LiveProcess>& p, const std::string& batch_text, Reply reply) {
  auto id = ParseId(batch_text);
  std::lock_guard lock(mutex_);
  auto it = id ? p->paper_batches.find(*id) : p->paper_batches.end();
  if (it == p->paper_batches.end()) return reply(ErrorResponse(http::status::not_found, "not_found", "no such batch"));
  json serials = json::array();
  for (std::int64_t n = 1; n <= it->second.count; ++n) serials.push_back(PaperSerial(*id, n));
  reply(JsonResponse(http::status::ok, {{"batch", *id}, {"area", it->second.area}, {"language", it->second.language},
                                        {"budgets", BudgetIds(p->definition, it->second.area)},
                                        {"serials", std::move(serials)}}));
}

json Api::PaperSheets(const LiveProcess& p, const std::string& state) const {
  json sheets = json::array();
  const std::optional<PaperSheetState> wanted = ParsePaperSheetState(state);  // an unknown name matches no sheet
  std::map<PaperSheetState, std::int64_t> counts;
  for (PaperSheetState s : kPaperSheetStates) counts[s] = 0;
  std::int64_t total = 0;
  for (const auto& [id, batch] : p.paper_batches) total += batch.count;
  counts[PaperSheetState::kPrinted] = total - static_cast<std::int64_t>(p.paper_sheets.size());
  for (const auto& [serial, sheet] : p.paper_sheets) {
    ++counts[sheet.status.state];
    if (!state.empty() && sheet.status.state != wanted) continue;
    json entries = json::array();
    for (const auto& e : sheet.entries) {
      json entry{{"device", e.device}, {"spoiled", e.spoiled}};
      auto d = p.devices.find(e.device);
      entry["by"] = d == p.devices.end() ? "organizer" : d->second.name;
      entry["ballots"] = e.ballot.empty() ? json() : ballots::ParseJson(e.ballot).value_or(json());
      if (entry["ballots"].is_object()) entry["ballots"].erase("_channel");
      if (e.resolution) entry["resolution"] = PaperResolutionName(*e.resolution);
      entries.push_back(std::move(entry));
    }
    const auto parsed = ParsePaperSerial(serial);
    const std::int64_t batch = parsed ? parsed->batch : 0;
    auto b = p.paper_batches.find(batch);
    sheets.push_back({{"serial", serial}, {"batch", batch}, {"area", b == p.paper_batches.end() ? "" : b->second.area},
                      {"state", PaperSheetStateName(sheet.status.state)}, {"counted", sheet.status.counted},
                      {"entries", entries}});
  }
  json by_state = json::object();
  for (const auto& [s, n] : counts) by_state[std::string(PaperSheetStateName(s))] = n;
  return {{"sheets", sheets}, {"counts", by_state}};
}

// A clerk's reading of a sheet (serial in the body), or the organizer's
// resolution (serial in the path). The decision is taken on the database
// thread, the only one that changes sheets, so readings apply in order.
void Api::AddPaperEntry(const std::shared_ptr<LiveProcess>& p, std::int64_t device, const json& body,
                        const std::string& serial_in_path, Reply reply) {
  const bool resolving = !serial_in_path.empty();
  for (const auto& [key, value] : body.items()) {
    const bool known = key == "ballots" || key == "spoiled" || (resolving ? key == "keep" : key == "serial");
    if (!known) return reply(ErrorResponse(http::status::bad_request, "unknown_field", key + ": unknown field"));
  }
  const auto parsed = ParsePaperSerial(resolving ? serial_in_path : StringField(body, "serial"));
  PaperEntryRecord entry;
  entry.device = device;
  entry.created_at_ms = NowMs();
  entry.spoiled = body.value("spoiled", json(false)) == true;
  const bool keep = resolving && body.value("keep", json(false)) == true;
  if (entry.spoiled + keep + body.contains("ballots") != 1) {
    return reply(ErrorResponse(http::status::bad_request, "malformed_entry",
                               resolving ? "send one of \"ballots\", \"spoiled\": true or \"keep\": true"
                                         : "send \"ballots\" or \"spoiled\": true"));
  }
  if (resolving) {
    entry.resolution = keep           ? PaperResolution::kKeep
                       : entry.spoiled ? PaperResolution::kSpoiled
                                       : PaperResolution::kCount;
  }
  std::string area;
  BallotFacts facts;
  {
    std::lock_guard lock(mutex_);
    auto batch = parsed ? p->paper_batches.find(parsed->batch) : p->paper_batches.end();
    if (batch == p->paper_batches.end() || parsed->number > batch->second.count) {
      return reply(ErrorResponse(http::status::not_found, "unknown_serial",
                                 "no sheet has this serial: check it (the last two characters catch typos)"));
    }
    if (p->state != ProcessState::kOpen || p->closing) return reply(VotingClosed(p->state));
    area = batch->second.area;
    if (body.contains("ballots")) {
      std::vector<ballots::BallotProblem> problems;
      entry.ballot = CheckProcessBallot(p->definition, body, &problems, area, Channel::kPaper, &facts);
      if (!problems.empty()) {
        return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_ballot",
                                   "this reading breaks the rules of the vote: check it, or enter the sheet as spoiled",
                                   problems));
      }
    }
  }
  const std::string serial = parsed->serial;
  worker_.Post([this, p, serial, batch = parsed->batch, area, entry, facts, reply = std::move(reply)](Storage& storage) {
    std::unique_lock lock(mutex_);
    PaperSheet& sheet = p->paper_sheets[serial];
    // Decided from this node's copy of the sheet; if another node's clerk entered
    // it meanwhile, the store refuses (kSheetChanged): read it, decide again.
    for (int attempt = 0;; ++attempt) {
      const PaperDecision decision = DecidePaperEntry(sheet.status, sheet.entries, entry);
      if (!decision.refused.empty()) {
        if (sheet.entries.empty()) p->paper_sheets.erase(serial);
        return reply(ErrorResponse(http::status::conflict, "cannot_resolve", decision.refused));
      }
      if (decision.retry) {
        return reply(JsonResponse(http::status::ok, {{"serial", serial},
                                                     {"state", PaperSheetStateName(sheet.status.state)},
                                                     {"counted", sheet.status.counted},
                                                     {"retry", true}}));
      }
      std::optional<BallotToStore> ballot;
      if (decision.count) {
        ballot.emplace();
        ballot->process = p->id;
        ballot->code_hash = "paper:" + serial;
        ballot->area = area;
        ballot->ballot = entry.ballot;
        ballot->salt = RandomHex(16);
        ballot->receipt = LeafHash(LogEntry(p->definition.slug, entry.ballot, ballot->salt));
        ballot->created_at_ms = entry.created_at_ms;
      }
      const ProcessId id = p->id;
      const std::size_t entries_before = sheet.entries.size();
      lock.unlock();
      auto stored = storage.AddPaperEntry(id, serial, entry, entries_before, decision.after.state, ballot);
      if (stored.ok() && *stored == AppendResult::kSheetChanged && attempt < 3) {
        auto fresh = storage.LoadPaperSheets(id, batch);
        lock.lock();
        if (!fresh.ok()) return reply(ErrorResponse(http::status::internal_server_error, "storage", fresh.status().message()));
        for (PaperSheetRecord& r : *fresh) {
          if (r.serial == serial) AdoptStoredEntries(*p, sheet, std::move(r.entries));
        }
        continue;
      }
      lock.lock();
      if (!stored.ok() || *stored != AppendResult::kStored) {
        if (sheet.entries.empty()) p->paper_sheets.erase(serial);
        if (stored.ok() && *stored == AppendResult::kDeviceRevoked) return RefuseRevoked(*p, entry.device, lock, reply);
        lock.unlock();
        return reply(ErrorResponse(http::status::internal_server_error, "not_stored",
                                   stored.ok() ? "the sheet keeps changing: try again" : stored.status().message()));
      }
      sheet.entries.push_back(entry);
      sheet.status = decision.after;
      if (entry.device != 0) ++p->devices[entry.device].entries;
      if (ballot) {
        if (!shared_store_) {
          p->log.push_back(ballot->receipt);
          p->head.clear();
        } else {  // the log is read from the store (SyncLog)
          p->counted_here.insert(ballot->receipt);
        }
        CountBallot(*p, "", area, facts.budgets, facts.channel, 1);
      }
      json answer{
          {"serial", serial}, {"state", PaperSheetStateName(sheet.status.state)}, {"counted", sheet.status.counted}};
      lock.unlock();
      return reply(JsonResponse(!entry.resolution ? http::status::created : http::status::ok, answer));
    }
  });
}

// A sheet's entries as stored, which begin with those `sheet` has: its state
// replayed from them, and the devices credited with the ones it lacked. mutex_ held (or not shared yet).
void Api::AdoptStoredEntries(LiveProcess& p, PaperSheet& sheet, std::vector<PaperEntryRecord> entries) {
  for (std::size_t i = sheet.entries.size(); i < entries.size(); ++i) {
    if (entries[i].device != 0) ++p.devices[entries[i].device].entries;
  }
  sheet.status = ReplayPaperEntries(entries);
  sheet.entries = std::move(entries);
}

Status Api::LoadInPerson(Storage& storage, LiveProcess& p) {
  auto devices = storage.LoadDevices(p.id);
  if (!devices.ok()) return devices.status();
  for (const auto& r : *devices) {
    Device& d = p.devices[r.id];
    d.role = r.role;
    d.name = r.name;
    d.token_hash = r.token_hash;
    d.revoked = r.revoked;
    d.walk_in_allowance = r.walk_in_allowance;
    d.session_seconds = r.session_seconds;
  }
  for (const auto& [hash, code] : p.codes) {
    if (code.checkin_device != 0) ++p.devices[code.checkin_device].checkins;
    if (code.device == 0) continue;
    Device& d = p.devices[code.device];
    ++d.sessions;
    d.last_session_ms = std::max(d.last_session_ms, code.session_at_ms);
    if (code.status == CodeStatus::kUnused) d.open_codes.push_back(hash);
    if (code.walk_in) d.walk_in_codes.push_back(hash);
  }
  for (auto& [id, d] : p.devices) {
    d.walk_ins = static_cast<std::int64_t>(d.walk_in_codes.size());
    std::sort(d.walk_in_codes.begin(), d.walk_in_codes.end(), [&](const std::string& a, const std::string& b) {
      // Sessions started in the same millisecond: by code hash, as the listing orders them.
      return std::tie(p.codes[a].session_at_ms, a) < std::tie(p.codes[b].session_at_ms, b);
    });
  }
  auto batches = storage.LoadPaperBatches(p.id);
  if (!batches.ok()) return batches.status();
  for (const auto& b : *batches) p.paper_batches[b.id] = PaperBatch{b.area, b.language, b.count};
  auto sheets = storage.LoadPaperSheets(p.id, 0);
  if (!sheets.ok()) return sheets.status();
  for (auto& s : *sheets) AdoptStoredEntries(p, p.paper_sheets[s.serial], std::move(s.entries));
  return Status::Ok();
}

}  // namespace psephos::server
