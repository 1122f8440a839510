// Kiosk stuffing (issue #15): a kiosk's token alone must not open walk-in
// sessions at will. Walk-ins need the organizer's allowance per kiosk, sessions
// are spaced by a minimum time, unused sessions can be voided, and each walk-in
// is recorded (device, time) and counted apart in turnout.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "../support/api_fixture.h"

namespace psephos::test {
namespace {

const std::string kSchoolPath = "/api/v1/processes/school";

struct KioskDevice {
  std::string auth;  // "Device <token>"
  std::string id;
};

// Signs a kiosk in (with `extra` fields, e.g. limits).
KioskDevice Kiosk(Fixture& f, const std::string& name, json extra = json::object()) {
  extra["role"] = "kiosk";
  extra["name"] = name;
  auto made = f.Call(http::verb::post, kSchoolPath + "/devices", extra.dump());
  REQUIRE_MESSAGE(made.status == 201, made.text);
  return {"Device " + made.body["token"].get<std::string>(), std::to_string(made.body["id"].get<std::int64_t>())};
}

Answer Session(Fixture& f, const KioskDevice& kiosk, const json& body) {
  return f.Send(http::verb::post, kSchoolPath + "/kiosk/session", body.dump(), kiosk.auth);
}

Answer Limits(Fixture& f, const KioskDevice& kiosk, const json& body) {
  return f.Call(http::verb::post, kSchoolPath + "/devices/" + kiosk.id + "/limits", body.dump());
}

json Device(Fixture& f, const KioskDevice& kiosk) {
  const json devices = f.Call(http::verb::get, kSchoolPath + "/devices").body["devices"];
  for (const json& d : devices) {
    if (std::to_string(d["id"].get<std::int64_t>()) == kiosk.id) return d;
  }
  FAIL("no device " << kiosk.id);
  return {};
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE_TEMPLATE("kiosk stuffing: a kiosk token alone cannot open walk-in sessions and vote at will", B, Sqlite,
                   Postgres) {
  Fixture f(B::kBackend);
  f.OpenSchool(2);
  const KioskDevice kiosk = Kiosk(f, "Gym tablet");
  // The attack as found: walk-in after walk-in, each voting at once.
  int counted = 0;
  std::set<std::string> refusals;
  for (int i = 0; i < 60; ++i) {
    Answer session = Session(f, kiosk, {{"group", "student"}});
    if (session.status != 201) {
      refusals.insert(session.body["error"]["code"].get<std::string>());
      continue;
    }
    if (f.Vote(session.body["code"], {"a"}).status == 201) ++counted;
  }
  CHECK(counted == 0);  // a new kiosk takes no walk-ins until the organizer allows some
  CHECK(refusals == std::set<std::string>{"walk_ins_off"});
  CHECK(f.Call(http::verb::get, kSchoolPath + "/turnout").body["ballots"] == 0);
  auto off = Session(f, kiosk, json::object());
  CHECK(off.status == 403);
  CHECK(off.body["error"]["walk_in_allowance"] == 0);

  // Allowed 3 walk-ins without a wait between sessions, then asked for 40 at once: 3, no more.
  auto set = Limits(f, kiosk, {{"walk_in_allowance", 3}, {"session_seconds", 0}});
  REQUIRE_MESSAGE(set.status == 200, set.text);
  CHECK(set.body["walk_in_allowance"] == 3);
  std::atomic<int> started{0}, voted{0}, used_up{0}, other{0};
  std::vector<std::thread> attackers;
  for (int i = 0; i < 40; ++i) {
    attackers.emplace_back([&] {
      Answer session = Session(f, kiosk, {{"group", "student"}});
      if (session.status == 201) {
        ++started;
        if (f.Vote(session.body["code"], {"b"}).status == 201) ++voted;
      } else if (session.status == 403 && session.body["error"]["code"] == "walk_ins_used_up") {
        ++used_up;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : attackers) t.join();
  CHECK(started == 3);
  CHECK(used_up == 37);
  CHECK(other == 0);
  // A session voids the kiosk's earlier one-time code unless it is voting right now:
  // of the three, at least the last voted, and none twice.
  CHECK(voted >= 1);
  auto used = Session(f, kiosk, json::object()).body["error"];
  CHECK(used["code"] == "walk_ins_used_up");
  CHECK(used["walk_ins"] == 3);
  CHECK(used["walk_in_allowance"] == 3);
  const json turnout = f.Call(http::verb::get, kSchoolPath + "/turnout").body;
  CHECK(turnout["ballots"] == voted.load());
  CHECK(turnout["walk_ins"] == voted.load());
  CHECK(Device(f, kiosk)["walk_ins"] == 3);
}

TEST_CASE("kiosk: a session sooner than the kiosk's minimum time after its previous one is refused, across a restart") {
  Fixture f;
  const auto codes = f.OpenSchool(2);
  const KioskDevice kiosk = Kiosk(f, "Library tablet", {{"walk_in_allowance", 10}});
  CHECK(Device(f, kiosk)["session_seconds"] == 60);  // the default
  CHECK(Device(f, kiosk)["last_session_at"].is_null());
  const std::int64_t before = NowMs();
  REQUIRE(Session(f, kiosk, json::object()).status == 201);
  const std::int64_t after = NowMs();
  const json last = Device(f, kiosk)["last_session_at"];
  CHECK(last.get<std::int64_t>() >= before);
  CHECK(last.get<std::int64_t>() <= after);

  auto soon = Session(f, kiosk, json::object());
  CHECK(soon.status == 429);
  CHECK(soon.body["error"]["code"] == "session_too_soon");
  CHECK(soon.body["error"]["session_seconds"] == 60);
  CHECK(soon.body["error"]["retry_after"].get<int>() >= 1);
  CHECK(soon.body["error"]["retry_after"].get<int>() <= 60);
  // A voter with a code waits too, and their code is not spent by the refusal.
  CHECK(Session(f, kiosk, {{"code", codes[0]}}).body["error"]["code"] == "session_too_soon");
  CHECK(Device(f, kiosk)["walk_ins"] == 1);  // a refused walk-in uses none of the allowance

  f.RestartApi();
  CHECK(Device(f, kiosk)["last_session_at"] == last);
  CHECK(Session(f, kiosk, json::object()).body["error"]["code"] == "session_too_soon");
  CHECK(f.Vote(codes[0], {"a"}).status == 201);

  // The organizer shortens the wait; once it has passed, the next session starts.
  REQUIRE(Limits(f, kiosk, {{"session_seconds", 1}}).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(Session(f, kiosk, {{"code", codes[1]}}).status == 201);
  CHECK(Device(f, kiosk)["sessions"] == 2);
}

TEST_CASE_TEMPLATE("kiosk: the organizer voids a kiosk's unused sessions, and their codes cannot vote", B, Sqlite,
                   Postgres) {
  Fixture f(B::kBackend);
  f.OpenSchool(1);
  const KioskDevice kiosk = Kiosk(f, "Hall tablet", {{"walk_in_allowance", 5}, {"session_seconds", 0}});
  auto left_open = Session(f, kiosk, {{"group", "family"}});
  REQUIRE(left_open.status == 201);
  CHECK(Device(f, kiosk)["open_sessions"] == 1);
  auto voided = f.Call(http::verb::post, kSchoolPath + "/devices/" + kiosk.id + "/void");
  REQUIRE_MESSAGE(voided.status == 200, voided.text);
  CHECK(voided.body["voided"] == 1);
  CHECK(Device(f, kiosk)["open_sessions"] == 0);
  auto refused = f.Vote(left_open.body["code"], {"a"});
  CHECK(refused.status == 409);
  CHECK(refused.body["error"]["code"] == "used_code");
  CHECK(f.Call(http::verb::post, kSchoolPath + "/devices/" + kiosk.id + "/void").body["voided"] == 0);
  // A void is final: after a restart the code is still spent, the walk-in listed as voided.
  f.RestartApi();
  CHECK(f.Vote(left_open.body["code"], {"a"}).status == 409);
  auto walk_ins = f.Call(http::verb::get, kSchoolPath + "/devices/" + kiosk.id + "/walk-ins").body["walk_ins"];
  REQUIRE(walk_ins.size() == 1);
  CHECK(walk_ins[0]["state"] == "void");
  CHECK(walk_ins[0]["group"] == "family");
  CHECK(f.Call(http::verb::get, kSchoolPath + "/turnout").body["ballots"] == 0);
}

TEST_CASE_TEMPLATE("kiosk: walk-ins are recorded with their kiosk and time, survive a restart, and count apart in turnout", B, Sqlite,
                   Postgres) {
  Fixture f(B::kBackend);
  const auto codes = f.OpenSchool(3);
  const KioskDevice gym = Kiosk(f, "Gym tablet", {{"walk_in_allowance", 2}, {"session_seconds", 0}});
  const KioskDevice hall = Kiosk(f, "Hall tablet", {{"walk_in_allowance", 1}, {"session_seconds", 0}});
  const std::int64_t before = NowMs();
  auto first = Session(f, gym, {{"group", "student"}});
  REQUIRE(first.status == 201);
  REQUIRE(f.Vote(first.body["code"], {"a"}).status == 201);
  auto second = Session(f, gym, json::object());  // group not asked
  REQUIRE(second.status == 201);
  REQUIRE(f.Vote(second.body["code"], {"b"}).status == 201);
  auto third = Session(f, hall, {{"group", "family"}});
  REQUIRE(third.status == 201);
  REQUIRE(f.Vote(third.body["code"], {"c"}).status == 201);
  auto open = Session(f, hall, json::object());
  CHECK(open.body["error"]["code"] == "walk_ins_used_up");
  // A voter with a code on the gym kiosk, and one online: not walk-ins.
  auto with_code = Session(f, gym, {{"code", codes[0]}});
  REQUIRE(with_code.status == 201);
  REQUIRE(f.Vote(with_code.body["code"], {"a"}).status == 201);
  REQUIRE(f.Vote(codes[1], {"a", "c"}).status == 201);
  const std::int64_t after = NowMs();

  auto gym_walk_ins = f.Call(http::verb::get, kSchoolPath + "/devices/" + gym.id + "/walk-ins");
  REQUIRE(gym_walk_ins.status == 200);
  const json list = gym_walk_ins.body["walk_ins"];
  REQUIRE(list.size() == 2);
  CHECK(list[0]["group"] == "student");
  CHECK(list[1]["group"] == "");
  for (const json& w : list) {
    CHECK(w["state"] == "voted");
    CHECK(w["at"].get<std::int64_t>() >= before);
    CHECK(w["at"].get<std::int64_t>() <= after);
    CHECK(w.dump().find(first.body["code"].get<std::string>()) == std::string::npos);
  }
  CHECK(list[0]["at"] <= list[1]["at"]);
  CHECK(Device(f, gym)["walk_ins"] == 2);
  CHECK(Device(f, gym)["sessions"] == 3);
  CHECK(Device(f, hall)["walk_ins"] == 1);
  // Durably: each walk-in's one-time code is stored with its kiosk and start.
  std::promise<std::vector<VoterCodeRecord>> stored;
  f.worker().Post([&](Storage& s) { stored.set_value(std::move(s.LoadCodes(1)).value()); });
  int walk_ins_stored = 0;
  for (const VoterCodeRecord& c : stored.get_future().get()) {
    if (!c.walk_in) continue;
    ++walk_ins_stored;
    CHECK(c.device != 0);
    CHECK(c.session_at_ms >= before);
  }
  CHECK(walk_ins_stored == 3);

  // Turnout: walk-ins' ballots under their own key, never as a group's or "(none)".
  const json turnout = f.Call(http::verb::get, kSchoolPath + "/turnout").body;
  CHECK(turnout["ballots"] == 5);
  CHECK(turnout["walk_ins"] == 3);
  CHECK(turnout["by_channel"] == json{{"online", 1}, {"kiosk", 4}, {"paper", 0}});
  CHECK(turnout["by_group"]["(walk-in)"] == json{{"codes", 0}, {"voted", 0}, {"ballots", 3}});
  CHECK(turnout["by_group"]["student"] == json{{"codes", 3}, {"voted", 2}, {"ballots", 2}});
  CHECK_FALSE(turnout["by_group"].contains("(none)"));
  CHECK_FALSE(turnout["by_group"].contains("family"));
  CHECK(turnout["codes"] == 3);
  CHECK(turnout["voted"] == 2);

  const json devices = f.Call(http::verb::get, kSchoolPath + "/devices").body;
  f.RestartApi();
  CHECK(f.Call(http::verb::get, kSchoolPath + "/turnout").body == turnout);
  CHECK(f.Call(http::verb::get, kSchoolPath + "/devices").body == devices);
  CHECK(f.Call(http::verb::get, kSchoolPath + "/devices/" + gym.id + "/walk-ins").body == gym_walk_ins.body);
  CHECK(Session(f, hall, json::object()).body["error"]["code"] == "walk_ins_used_up");  // the allowance stays used

  // Closed and published: the public results give the walk-ins too.
  REQUIRE(f.Call(http::verb::post, kSchoolPath + "/close").status == 200);
  REQUIRE(f.Call(http::verb::post, kSchoolPath + "/publish").status == 200);
  CHECK(f.Call(http::verb::get, kSchoolPath + "/results", "", false).body["turnout"]["walk_ins"] == "<5");  // fewer than k
  CHECK(f.Call(http::verb::get, kSchoolPath + "/results").body["turnout"]["walk_ins"] == 3);  // the organizer: exact
}

TEST_CASE("kiosk limits: bad values get clear errors, clerks have none") {
  Fixture f;
  f.OpenSchool(1);
  const KioskDevice kiosk = Kiosk(f, "Gym tablet");
  CHECK(Device(f, kiosk)["walk_in_allowance"] == 0);  // walk-ins off by default
  const auto error = [&](const json& body) {
    Answer a = Limits(f, kiosk, body);
    return std::to_string(a.status) + " " + a.body["error"]["code"].get<std::string>();
  };
  CHECK(error({{"walk_in_allowance", -1}}) == "422 invalid_walk_in_allowance");
  CHECK(error({{"walk_in_allowance", 2.5}}) == "422 invalid_walk_in_allowance");
  CHECK(error({{"walk_in_allowance", "off"}}) == "422 invalid_walk_in_allowance");
  CHECK(error({{"walk_in_allowance", 100001}}) == "422 invalid_walk_in_allowance");
  CHECK(error({{"session_seconds", 3601}}) == "422 invalid_session_seconds");
  CHECK(error({{"session_seconds", nullptr}}) == "422 invalid_session_seconds");
  CHECK(error({{"walk_ins", 3}}) == "400 unknown_field");
  CHECK(error(json::object()) == "400 missing_limits");
  CHECK(Limits(f, kiosk, {{"walk_in_allowance", 5}, {"session_seconds", -3}}).status == 422);
  CHECK(Device(f, kiosk)["walk_in_allowance"] == 0);  // nothing half-applied
  // One limit changed at a time keeps the other.
  REQUIRE(Limits(f, kiosk, {{"walk_in_allowance", 7}}).status == 200);
  auto seconds = Limits(f, kiosk, {{"session_seconds", 0}});
  CHECK(seconds.body["walk_in_allowance"] == 7);
  CHECK(seconds.body["session_seconds"] == 0);
  // Back to off: walk-ins are refused again.
  REQUIRE(Limits(f, kiosk, {{"walk_in_allowance", 0}}).status == 200);
  CHECK(Session(f, kiosk, json::object()).body["error"]["code"] == "walk_ins_off");

  auto clerk = f.Call(http::verb::post, kSchoolPath + "/devices", json{{"role", "clerk"}, {"name", "Desk"}}.dump());
  const std::string clerk_id = std::to_string(clerk.body["id"].get<std::int64_t>());
  CHECK(f.Call(http::verb::post, kSchoolPath + "/devices/" + clerk_id + "/limits", json{{"session_seconds", 5}}.dump())
            .body["error"]["code"] == "not_a_kiosk");
  CHECK(f.Call(http::verb::post, kSchoolPath + "/devices/" + clerk_id + "/void").body["error"]["code"] == "not_a_kiosk");
  CHECK_FALSE(f.Call(http::verb::get, kSchoolPath + "/devices").body["devices"][1].contains("walk_ins"));
  CHECK(f.Call(http::verb::post, kSchoolPath + "/devices",
               json{{"role", "clerk"}, {"name", "x"}, {"walk_in_allowance", 2}}.dump())
            .body["error"]["code"] == "not_a_kiosk");
  CHECK(f.Call(http::verb::post, kSchoolPath + "/devices",
               json{{"role", "kiosk"}, {"name", "x"}, {"session_seconds", "1m"}}.dump())
            .body["error"]["code"] == "invalid_session_seconds");
  CHECK(f.Call(http::verb::post, kSchoolPath + "/devices/99/limits", json{{"session_seconds", 5}}.dump()).status == 404);
  CHECK(f.Call(http::verb::get, kSchoolPath + "/devices/x/walk-ins").status == 404);
  // Organizers only.
  CHECK(f.Send(http::verb::post, kSchoolPath + "/devices/" + kiosk.id + "/limits",
               json{{"walk_in_allowance", 9}}.dump(), kiosk.auth)
            .status == 401);
  CHECK(f.Send(http::verb::post, kSchoolPath + "/devices/" + kiosk.id + "/void", "", kiosk.auth).status == 401);
  // The kiosk learns its own limits, to tell the volunteer.
  auto me = f.Send(http::verb::get, kSchoolPath + "/device", "", kiosk.auth).body;
  CHECK(me["walk_in_allowance"] == 0);
  CHECK(me["session_seconds"] == 0);
}

TEST_CASE("storage: a schema 2 database moves to schema 3, its kiosks take no walk-ins until allowed") {
  TempDir dir;
  const std::string path = dir.file("old.db");
  std::string kiosk_hash;
  {
    auto storage = std::move(OpenSqliteStorage(path)).value();
    const ProcessId id = *storage->CreateProcess("school", "{}");
    REQUIRE(storage->AddDevice(id, DeviceRecord{0, DeviceRole::kKiosk, "Old kiosk", "hash", false, 1}).ok());
    VoterCodeRecord one_time;
    one_time.code_hash = "one-time";
    one_time.device = 1;
    REQUIRE(storage->StartKioskSession(id, "", {}, one_time, nullptr).ok());
  }
  {  // Back to schema 2 as released: no limits on devices, no session marks on codes.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    for (const char* drop : {"ALTER TABLE devices DROP COLUMN walk_in_allowance",
                             "ALTER TABLE devices DROP COLUMN session_seconds",
                             "ALTER TABLE voter_codes DROP COLUMN session_at", "ALTER TABLE voter_codes DROP COLUMN walk_in",
                             "PRAGMA user_version=2"}) {
      db.exec(drop);
    }
  }
  auto storage = OpenSqliteStorage(path);
  REQUIRE_MESSAGE(storage.ok(), storage.status().message());
  auto devices = (*storage)->LoadDevices(1);
  REQUIRE(devices.ok());
  REQUIRE(devices->size() == 1);
  CHECK((*devices)[0].name == "Old kiosk");
  CHECK((*devices)[0].walk_in_allowance == 0);
  CHECK((*devices)[0].session_seconds == 60);
  auto codes = (*storage)->LoadCodes(1);
  REQUIRE(codes.ok());
  REQUIRE(codes->size() == 1);
  CHECK((*codes)[0].device == 1);
  CHECK_FALSE((*codes)[0].walk_in);  // walk-ins before schema 3 were not told apart
  REQUIRE((*storage)->SetDeviceLimits(1, 1, 4, 30).ok());
  CHECK((*(*storage)->LoadDevices(1))[0].walk_in_allowance == 4);
  storage->reset();
  CHECK(SQLite::Database(path).execAndGet("PRAGMA user_version").getInt() >= 3);  // and on, through later steps
}

}  // namespace psephos::test

namespace psephos::test {

TEST_CASE("kiosk limits: walk-ins within the allowance, sessions spaced, a clock set back locks nobody out") {
  using server::KioskRefusal;
  const server::KioskUse use{2, 60, 1, 10'000'000};
  const std::int64_t last = use.last_session_ms;
  CHECK(server::RefuseKioskSession(use, true, last + 60'000) == KioskRefusal::kNone);
  CHECK(server::RefuseKioskSession(use, false, last + 1'000) == KioskRefusal::kTooSoon);
  CHECK(server::KioskWaitSeconds(use, last + 1'000) == 59);
  CHECK(server::RefuseKioskSession({2, 60, 2, last}, true, last + 60'000) == KioskRefusal::kWalkInsUsedUp);
  CHECK(server::RefuseKioskSession({0, 60, 0, 0}, true, last) == KioskRefusal::kWalkInsOff);
  CHECK(server::RefuseKioskSession({0, 60, 0, 0}, false, last) == KioskRefusal::kNone);
  // Another node's clock 200 ms behind: the latest session counts as just now.
  CHECK(server::RefuseKioskSession(use, false, last - 200) == KioskRefusal::kTooSoon);
  CHECK(server::KioskWaitSeconds(use, last - 200) == 60);
  CHECK(server::KioskSessionStart(use, last - 200) == last + 1);  // after it, in order
  // The clock set back an hour: the latest session is forgotten, the next one starts now.
  CHECK(server::RefuseKioskSession(use, false, last - 3'600'000) == KioskRefusal::kNone);
  CHECK(server::KioskSessionStart(use, last - 3'600'000) == last - 3'600'000);
  CHECK(server::KioskSessionStart(use, last + 60'000) == last + 60'000);
  CHECK(server::KioskSessionStart({2, 0, 0, last}, last) == last + 1);  // never the same millisecond
}

}  // namespace psephos::test
