// Voting windows: an organizer's opening and closing times act by themselves,
// read against an injected clock (ApiOptions::now_ms), so no test waits for
// real time except the last, which checks the scheduler thread itself.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "../support/api_fixture.h"

namespace psephos::test {
namespace {

constexpr std::int64_t kT0 = 1773590400000;  // 2026-03-15T16:00:00Z
constexpr std::int64_t kHour = 3600000;
const std::string kSchoolPath = "/api/v1/processes/school";

struct FakeClock {
  std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(kT0);
  std::function<std::int64_t()> fn() const {
    return [n = now] { return n->load(); };
  }
  void Set(std::int64_t ms) { now->store(ms); }
};

Answer PutSchedule(Fixture& f, const json& body) { return f.Call(http::verb::put, kSchoolPath + "/schedule", body.dump()); }

// Codes for the school process, left a draft.
std::vector<std::string> DraftSchool(Fixture& f, int n = 3) {
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  auto batch = f.Call(http::verb::post, kSchoolPath + "/codes", json{{"count", n}, {"group", "student"}}.dump());
  REQUIRE(batch.status == 201);
  auto csv = f.Call(http::verb::get, batch.body["download"]);
  std::vector<std::string> codes;
  std::istringstream lines(csv.text);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) codes.push_back(line.substr(0, line.find(',')));
  return codes;
}

// Polls (at most ~10 s) until the process reads `state`; its summary.
Answer WaitForState(Fixture& f, const std::string& state) {
  Answer a;
  for (int i = 0; i < 2000; ++i) {
    a = f.Call(http::verb::get, kSchoolPath);
    if (a.body.value("state", "") == state) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return a;
}

std::string State(Fixture& f) { return f.Call(http::verb::get, kSchoolPath).body.value("state", ""); }

TEST_CASE("schedule: refused with the field named: close not after opening, past times, bad zone, unknown field") {
  FakeClock clock;
  Fixture f(clock.fn());
  DraftSchool(f);
  auto check = [&](const json& body, const std::string& field) {
    Answer a = PutSchedule(f, body);
    CHECK(a.status == 422);
    CHECK(a.body["error"]["code"] == "invalid_definition");
    CHECK(a.body["error"].value("field", "") == field);
  };
  check({{"opens_at_ms", kT0 + 2 * kHour}, {"closes_at_ms", kT0 + kHour}}, "closes_at_ms");
  check({{"opens_at_ms", kT0 + kHour}, {"closes_at_ms", kT0 + kHour}}, "closes_at_ms");
  check({{"opens_at_ms", kT0 - 1}}, "opens_at_ms");
  check({{"closes_at_ms", kT0}}, "closes_at_ms");
  check({{"closes_at_ms", "2026-03-15 18:00"}}, "closes_at_ms");
  check({{"time_zone", "Europe/Madrid; drop"}}, "time_zone");
  check({{"contact", "line one\nline two"}}, "contact");
  check({{"contact", std::string(201, 'x')}}, "contact");
  check({{"closes", kT0 + kHour}}, "closes");
  // Nothing was stored by the refusals.
  CHECK(f.Call(http::verb::get, kSchoolPath).body["schedule"]["closes_at_ms"].is_null());
  // Only the organizer sets it.
  CHECK(f.Call(http::verb::put, kSchoolPath + "/schedule", json{{"contact", "x"}}.dump(), false).status == 401);
}

TEST_CASE("schedule: a draft opens at its opening time and closes at its closing time like the organizer's close") {
  FakeClock clock;
  Fixture f(clock.fn());
  auto codes = DraftSchool(f);
  Answer set = PutSchedule(f, {{"opens_at_ms", kT0 + kHour}, {"closes_at_ms", kT0 + 3 * kHour},
                               {"time_zone", "Europe/Madrid"}, {"contact", "Ms. Rivera, room 12"}});
  REQUIRE(set.status == 200);
  CHECK(set.body["schedule"] == json{{"opens_at_ms", kT0 + kHour}, {"closes_at_ms", kT0 + 3 * kHour},
                                     {"time_zone", "Europe/Madrid"}, {"contact", "Ms. Rivera, room 12"}});

  // Before the opening: still a draft; voters see its title and times, not its ballot.
  f.api().ActOnSchedule();
  f.worker().Drain();
  CHECK(State(f) == "draft");
  Answer early = f.Call(http::verb::get, kSchoolPath + "/ballot", "", false);
  REQUIRE(early.status == 200);
  CHECK(early.body["state"] == "draft");
  CHECK(early.body["title"] == "Roosevelt High PB");
  CHECK(early.body["schedule"]["opens_at_ms"] == kT0 + kHour);
  CHECK_FALSE(early.body.contains("budgets"));
  CHECK(f.Vote(codes[0], {"a"}).status == 409);
  Answer listed = f.Call(http::verb::get, "/api/v1/votes", "", false);
  REQUIRE(listed.body["votes"].size() == 1);
  CHECK(listed.body["votes"][0]["slug"] == "school");
  CHECK(listed.body["votes"][0]["state"] == "draft");

  clock.Set(kT0 + kHour);
  f.api().ActOnSchedule();
  CHECK(WaitForState(f, "open").body["state"] == "open");
  CHECK(f.Vote(codes[0], {"a"}).status == 201);
  Answer ballot = f.Call(http::verb::get, kSchoolPath + "/ballot", "", false);
  CHECK(ballot.body["state"] == "open");
  CHECK(ballot.body["schedule"]["closes_at_ms"] == kT0 + 3 * kHour);
  CHECK(ballot.body["schedule"]["contact"] == "Ms. Rivera, room 12");
  // Opened: its opening time is history.
  CHECK(PutSchedule(f, {{"opens_at_ms", kT0 + 2 * kHour}}).status == 422);

  // One millisecond before the close a ballot counts; at the closing time none
  // does, even before the scheduler has acted (a late timer).
  clock.Set(kT0 + 3 * kHour - 1);
  CHECK(f.Vote(codes[1], {"b"}).status == 201);
  clock.Set(kT0 + 3 * kHour);
  Answer late = f.Vote(codes[2], {"c"});
  CHECK(late.status == 409);
  CHECK(late.body["error"]["code"] == "election_closed");
  Answer check = f.Call(http::verb::post, kSchoolPath + "/codes/check", json{{"code", codes[2]}}.dump(), false);
  CHECK(check.body["can_vote"] == false);
  // Past its closing time it no longer reads open (the late vote woke the
  // scheduler: it may already be closing or counting).
  CHECK(f.Call(http::verb::get, kSchoolPath + "/ballot", "", false).body["state"] != "open");

  f.api().ActOnSchedule();
  Answer closed = WaitForState(f, "closed");
  REQUIRE(closed.body["state"] == "closed");
  CHECK(closed.body["turnout"]["ballots"] == 2);
  // Counted as the organizer's close counts: results for the organizer, then publishable.
  Answer results = f.Call(http::verb::get, kSchoolPath + "/results");
  REQUIRE(results.status == 200);
  CHECK(results.body["budgets"].size() == 1);
  CHECK(f.Call(http::verb::post, kSchoolPath + "/publish").status == 200);
  // After the close the times stay; the contact may still change.
  CHECK(PutSchedule(f, {{"closes_at_ms", kT0 + 5 * kHour}}).status == 409);
  CHECK(PutSchedule(f, {{"contact", "pb@school.example"}}).status == 200);
  CHECK(f.Call(http::verb::get, "/api/v1/votes", "", false).body["votes"].empty());
}

TEST_CASE("schedule: stored, a window that passed while the server was down acts at start") {
  FakeClock clock;
  Fixture f(clock.fn());
  auto codes = DraftSchool(f);
  REQUIRE(PutSchedule(f, {{"opens_at_ms", kT0 + kHour}, {"closes_at_ms", kT0 + 2 * kHour},
                          {"time_zone", "America/New_York"}, {"contact", "Ms. Rivera"}})
              .status == 200);
  clock.Set(kT0 + 10);
  f.RestartApi();
  CHECK(State(f) == "draft");
  CHECK(f.Call(http::verb::get, kSchoolPath).body["schedule"]["time_zone"] == "America/New_York");

  // Down over the whole window: at start it opens, then closes (nobody voted).
  clock.Set(kT0 + 5 * kHour);
  f.RestartApi();
  Answer closed = WaitForState(f, "closed");
  CHECK(closed.body["state"] == "closed");
  CHECK(closed.body["turnout"]["ballots"] == 0);
  CHECK(closed.body["schedule"]["contact"] == "Ms. Rivera");
}

TEST_CASE("schedule: an open process whose closing time passed while down closes at start with its ballots") {
  FakeClock clock;
  Fixture f(clock.fn());
  auto codes = f.OpenSchool(3);
  REQUIRE(PutSchedule(f, {{"closes_at_ms", kT0 + kHour}}).status == 200);
  CHECK(f.Vote(codes[0], {"a", "c"}).status == 201);
  clock.Set(kT0 + kHour + 1);
  f.RestartApi();
  CHECK(f.Vote(codes[1], {"a"}).status == 409);
  Answer closed = WaitForState(f, "closed");
  CHECK(closed.body["state"] == "closed");
  CHECK(closed.body["turnout"]["ballots"] == 1);
}

TEST_CASE("schedule: acting twice on one closing time closes once") {
  FakeClock clock;
  Fixture f(clock.fn());
  auto codes = f.OpenSchool(2);
  REQUIRE(PutSchedule(f, {{"closes_at_ms", kT0 + kHour}}).status == 200);
  clock.Set(kT0 + kHour);
  // The scheduler thread and a late call may both act on one time: one close, no error.
  f.api().ActOnSchedule();
  f.api().ActOnSchedule();
  CHECK(WaitForState(f, "closed").body["state"] == "closed");
  CHECK(f.Call(http::verb::post, kSchoolPath + "/close").status == 409);  // already closed, once
}

TEST_CASE("schedule: the scheduler thread closes by itself on the system clock") {
  Fixture f;  // the real clock
  auto codes = f.OpenSchool(2);
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  REQUIRE(PutSchedule(f, {{"closes_at_ms", now + 300}}).status == 200);
  CHECK(f.Vote(codes[0], {"a"}).status == 201);
  CHECK(WaitForState(f, "closed").body["state"] == "closed");
}

}  // namespace
}  // namespace psephos::test
