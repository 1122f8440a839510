// The cycle's phases (#19 item 1): ideas, review, vote, results and
// implementation open and close at their dates (read against an injected
// clock, ApiOptions::now_ms) or by the organizer's hand; the vote phase is
// the voting window itself.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "../support/committee.h"

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

Answer PutPhases(Fixture& f, const json& body) { return f.Call(http::verb::put, kSchoolPath + "/phases", body.dump()); }
Answer Move(Fixture& f, const std::string& phase, const std::string& how) {
  return f.Call(http::verb::post, kSchoolPath + "/phases/" + phase + "/" + how);
}

// The public's view of the timeline: phase name -> its entry.
std::map<std::string, json> Timeline(Fixture& f) {
  Answer a = f.Call(http::verb::get, kSchoolPath + "/phases", "", false);
  REQUIRE_MESSAGE(a.status == 200, a.text);
  std::map<std::string, json> out;
  for (const json& p : a.body["phases"]) out[p["phase"]] = p;
  return out;
}
std::string StateOf(Fixture& f, const std::string& phase) { return Timeline(f)[phase]["state"]; }

// Polls (at most ~10 s) until the process reads `state`: the scheduler's acts are stored on the database thread.
std::string WaitForState(Fixture& f, const std::string& state) {
  std::string now;
  for (int i = 0; i < 2000; ++i) {
    now = f.Call(http::verb::get, kSchoolPath).body.value("state", "");
    if (now == state) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return now;
}

std::vector<std::string> Codes(Fixture& f, int n) { return f.MakeCodes(n, "student"); }

TEST_CASE("phases: names read back as they are written: every other word is refused") {
  for (CyclePhase p : kCyclePhases) CHECK(ParseCyclePhase(CyclePhaseName(p)) == p);
  for (PhaseState s : {PhaseState::kUpcoming, PhaseState::kOpen, PhaseState::kClosed}) {
    CHECK(ParsePhaseState(PhaseStateName(s)) == s);
  }
  CHECK_FALSE(ParseCyclePhase("Ideas").has_value());
  CHECK_FALSE(ParseCyclePhase("").has_value());
  CHECK(DatedPhaseState({kT0, kT0 + kHour}, kT0 - 1) == PhaseState::kUpcoming);
  CHECK(DatedPhaseState({kT0, kT0 + kHour}, kT0) == PhaseState::kOpen);  // opening inclusive
  CHECK(DatedPhaseState({kT0, kT0 + kHour}, kT0 + kHour) == PhaseState::kClosed);  // closing exclusive
  CHECK(DatedPhaseState({0, 0}, kT0) == PhaseState::kUpcoming);
}

TEST_CASE("phases: ideas and review open and close by themselves at their dates, shown to the public") {
  FakeClock clock;
  Fixture f(clock.fn());
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  // A draft without dates has no public timeline yet.
  CHECK(f.Call(http::verb::get, kSchoolPath + "/phases", "", false).status == 404);
  Answer set = PutPhases(f, {{"ideas", {{"opens_at_ms", kT0 + kHour}, {"closes_at_ms", kT0 + 2 * kHour}}},
                             {"review", {{"opens_at_ms", kT0 + 2 * kHour}, {"closes_at_ms", kT0 + 3 * kHour}}},
                             {"implementation", {{"opens_at_ms", kT0 + 9 * kHour}}}});
  REQUIRE_MESSAGE(set.status == 200, set.text);
  auto t = Timeline(f);
  CHECK(t["ideas"]["state"] == "upcoming");
  CHECK(t["ideas"]["opens_at_ms"] == kT0 + kHour);
  CHECK(t["review"]["closes_at_ms"] == kT0 + 3 * kHour);
  CHECK(t["implementation"]["closes_at_ms"].is_null());
  CHECK(t["vote"]["state"] == "upcoming");
  CHECK_FALSE(f.api().IsPhaseOpen("school", CyclePhase::kIdeas));

  clock.Set(kT0 + kHour);
  CHECK(StateOf(f, "ideas") == "open");
  CHECK(f.api().IsPhaseOpen("school", CyclePhase::kIdeas));
  CHECK_FALSE(f.api().IsPhaseOpen("school", CyclePhase::kReview));
  CHECK(f.Call(http::verb::get, kSchoolPath + "/phases", "", false).body["current"] == "ideas");

  clock.Set(kT0 + 2 * kHour);
  CHECK(StateOf(f, "ideas") == "closed");
  CHECK(StateOf(f, "review") == "open");
  CHECK(f.api().IsPhaseOpen("school", CyclePhase::kReview));
  clock.Set(kT0 + 3 * kHour);
  CHECK(StateOf(f, "review") == "closed");
  CHECK(f.Call(http::verb::get, kSchoolPath + "/phases", "", false).body["current"].is_null());
  CHECK_FALSE(f.api().IsPhaseOpen("no-such-process", CyclePhase::kReview));

  // The dates outlive a restart.
  f.RestartApi();
  CHECK(Timeline(f)["ideas"]["closes_at_ms"] == kT0 + 2 * kHour);
  CHECK(StateOf(f, "review") == "closed");
}

TEST_CASE("phases: the vote phase is the voting window: one set of times, one notion of open") {
  FakeClock clock;
  Fixture f(clock.fn());
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  auto codes = Codes(f, 3);
  // Set through the phases: the schedule reads the same times.
  REQUIRE(PutPhases(f, {{"vote", {{"opens_at_ms", kT0 + kHour}, {"closes_at_ms", kT0 + 2 * kHour}}}}).status == 200);
  Answer summary = f.Call(http::verb::get, kSchoolPath);
  CHECK(summary.body["schedule"]["opens_at_ms"] == kT0 + kHour);
  CHECK(summary.body["schedule"]["closes_at_ms"] == kT0 + 2 * kHour);
  // Set through the schedule: the timeline reads the same times.
  REQUIRE(f.Call(http::verb::put, kSchoolPath + "/schedule", json{{"closes_at_ms", kT0 + 3 * kHour}}.dump()).status == 200);
  CHECK(Timeline(f)["vote"]["closes_at_ms"] == kT0 + 3 * kHour);
  CHECK(StateOf(f, "vote") == "upcoming");

  clock.Set(kT0 + kHour);
  f.api().ActOnSchedule();  // the scheduler's own opening
  CHECK(WaitForState(f, "open") == "open");
  CHECK(StateOf(f, "vote") == "open");
  CHECK(f.api().IsPhaseOpen("school", CyclePhase::kVote));
  CHECK(f.Vote(codes[0], {"a"}).status == 201);

  // Past the closing time, before the scheduler acts: the phase is closed exactly when ballots are refused.
  clock.Set(kT0 + 3 * kHour);
  CHECK(StateOf(f, "vote") == "closed");
  CHECK_FALSE(f.api().IsPhaseOpen("school", CyclePhase::kVote));
  CHECK(f.Vote(codes[1], {"b"}).status == 409);
  // Once closed, the vote's times are history, through either door.
  f.api().ActOnSchedule();
  REQUIRE(WaitForState(f, "closed") == "closed");
  Answer moved = PutPhases(f, {{"vote", {{"closes_at_ms", kT0 + 5 * kHour}}}});
  CHECK(moved.status == 409);
  CHECK(moved.body["error"]["code"] == "wrong_state");
}

TEST_CASE("phases: the organizer opens and closes each phase by hand: the vote and results by the process's own doors") {
  FakeClock clock;
  Fixture f(clock.fn());
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  auto codes = Codes(f, 2);
  Answer opened = Move(f, "ideas", "open");
  REQUIRE_MESSAGE(opened.status == 200, opened.text);
  CHECK(StateOf(f, "ideas") == "open");
  CHECK(Timeline(f)["ideas"]["opens_at_ms"] == kT0);
  CHECK(Move(f, "ideas", "open").body["error"]["code"] == "wrong_state");
  CHECK(Move(f, "review", "close").status == 409);  // not open
  clock.Set(kT0 + kHour);
  REQUIRE(Move(f, "ideas", "close").status == 200);
  CHECK(StateOf(f, "ideas") == "closed");
  CHECK(Timeline(f)["ideas"]["closes_at_ms"] == kT0 + kHour);
  // Reopened by hand: its past close is dropped.
  REQUIRE(Move(f, "ideas", "open").status == 200);
  CHECK(StateOf(f, "ideas") == "open");
  CHECK(Timeline(f)["ideas"]["closes_at_ms"].is_null());
  REQUIRE(Move(f, "ideas", "close").status == 200);  // opened and closed at the same instant
  CHECK(StateOf(f, "ideas") == "closed");
  f.RestartApi();  // and still stored as a valid plan
  CHECK(StateOf(f, "ideas") == "closed");

  // The vote: the process opens and closes.
  CHECK(Move(f, "results", "open").status == 409);  // nothing counted yet
  REQUIRE(Move(f, "vote", "open").status == 200);
  CHECK(f.Call(http::verb::get, kSchoolPath).body["state"] == "open");
  CHECK(f.Vote(codes[0], {"a"}).status == 201);
  Answer closed = Move(f, "vote", "close");
  REQUIRE_MESSAGE(closed.status == 200, closed.text);
  CHECK(closed.body["state"] == "closed");
  CHECK(StateOf(f, "vote") == "closed");
  CHECK(StateOf(f, "results") == "upcoming");
  // The results: published by hand, then closed on the timeline (still readable).
  REQUIRE(Move(f, "results", "open").status == 200);
  CHECK(f.Call(http::verb::get, kSchoolPath).body["state"] == "published");
  CHECK(StateOf(f, "results") == "open");
  REQUIRE(Move(f, "implementation", "open").status == 200);
  CHECK(Timeline(f)["implementation"]["state"] == "open");
  clock.Set(kT0 + 2 * kHour);
  REQUIRE(Move(f, "results", "close").status == 200);
  CHECK(StateOf(f, "results") == "closed");
  CHECK(f.Call(http::verb::get, kSchoolPath + "/results", "", false).status == 200);
  CHECK(f.Call(http::verb::get, kSchoolPath + "/phases", "", false).body["current"] == "implementation");
}

TEST_CASE("phases: times in refusals read in UTC, whole minutes") {
  CHECK(UtcMinute(kT0) == "2026-03-15 16:00 UTC");
  CHECK(UtcMinute(kT0 + kHour + 59999) == "2026-03-15 17:00 UTC");  // seconds are dropped, not rounded
  CHECK(UtcMinute(1) == "1970-01-01 00:00 UTC");
  CHECK(UtcMinute(951782400000) == "2000-02-29 00:00 UTC");  // a leap day of a century year
  CHECK(UtcMinute(4107542400000) == "2100-03-01 00:00 UTC");  // 2100 is not a leap year
  CHECK(UtcMinute(253402300799999) == "9999-12-31 23:59 UTC");  // the latest time a phase takes
}

// Ideas follow the ideas phase as well as the organizer's switch: with dates,
// the phase decides when ideas and supports are taken; the switch still
// closes early; without dates the switch alone decides (as before phases).
TEST_CASE("phases: ideas and supports are taken only while the ideas phase is open, and the switch is on") {
  FakeClock clock;
  Fixture f(clock.fn());
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  auto codes = Codes(f, 4);
  const std::string ideas = kSchoolPath + "/ideas";
  const auto send = [&](const std::string& code, const std::string& title) {
    return f.Call(http::verb::post, ideas, json{{"code", code}, {"title", title}, {"description", "Why: " + title}}.dump(), false);
  };
  const auto support = [&](std::int64_t idea, const std::string& code) {
    return f.Call(http::verb::post, ideas + "/" + std::to_string(idea) + "/supports", json{{"code", code}}.dump(), false);
  };
  const auto switch_ideas = [&](bool on) {
    REQUIRE(f.Call(http::verb::put, ideas + "/settings", json{{"accepting", on}}.dump()).status == 200);
  };
  const auto taking = [&] {
    Answer a = f.Call(http::verb::get, ideas, "", false);
    REQUIRE_MESSAGE(a.status == 200, a.text);
    return a.body;
  };

  // No dates: the switch alone, as before phases.
  CHECK(send(codes[0], "Too early").body["error"]["code"] == "ideas_closed");
  switch_ideas(true);
  Answer first = send(codes[0], "Water fountain");
  REQUIRE_MESSAGE(first.status == 201, first.text);
  const std::int64_t fountain = first.body["id"];
  CHECK(taking()["taking"] == true);
  CHECK(taking()["phase"]["state"] == "upcoming");

  // Dates set, not yet open: nothing is taken, and the refusal says when it opens.
  REQUIRE(PutPhases(f, {{"ideas", {{"opens_at_ms", kT0 + kHour}, {"closes_at_ms", kT0 + 2 * kHour}}}}).status == 200);
  Answer early = send(codes[1], "Bike racks");
  CHECK(early.status == 409);
  CHECK(early.body["error"]["code"] == "ideas_closed");
  CHECK(early.body["error"]["message"] ==
        "the ideas phase opens at 2026-03-15 17:00 UTC: ideas are taken and supported while it is open");
  CHECK(early.body["error"]["opens_at_ms"] == kT0 + kHour);
  CHECK(early.body["error"]["phase"] == "upcoming");
  Answer early_support = support(fountain, codes[1]);
  CHECK(early_support.status == 409);
  CHECK(early_support.body["error"]["code"] == "ideas_closed");
  CHECK(f.Send(http::verb::post, ideas + "/images", "not a picture", "Code " + codes[1], "image/jpeg").status == 409);
  json page = taking();
  CHECK(page["taking"] == false);
  CHECK(page["phase"] == json{{"state", "upcoming"}, {"opens_at_ms", kT0 + kHour}, {"closes_at_ms", kT0 + 2 * kHour}});

  // Open at its date: taken and supported.
  clock.Set(kT0 + kHour);
  CHECK(taking()["taking"] == true);
  Answer racks = send(codes[1], "Bike racks");
  REQUIRE_MESSAGE(racks.status == 201, racks.text);
  CHECK(support(fountain, codes[1]).status == 201);
  // The switch still closes early, while the phase is open.
  switch_ideas(false);
  CHECK(send(codes[2], "Benches").body["error"]["message"] == "ideas are not being taken now");
  CHECK(support(fountain, codes[2]).body["error"]["code"] == "ideas_closed");
  CHECK(taking()["taking"] == false);
  switch_ideas(true);
  CHECK(support(fountain, codes[2]).status == 201);

  // Closed at its date: refused, saying when it closed; the ideas stay readable.
  clock.Set(kT0 + 2 * kHour);
  Answer late = send(codes[3], "Benches");
  CHECK(late.status == 409);
  CHECK(late.body["error"]["message"] ==
        "the ideas phase closed at 2026-03-15 18:00 UTC: ideas are taken and supported while it is open");
  CHECK(late.body["error"]["phase"] == "closed");
  CHECK(late.body["error"]["closes_at_ms"] == kT0 + 2 * kHour);
  CHECK(support(fountain, codes[3]).body["error"]["code"] == "ideas_closed");
  page = taking();
  CHECK(page["taking"] == false);
  CHECK(page["ideas"].size() == 2);
  CHECK(page["ideas"][0]["supports"] == 2);

  // The organizer reopens by hand (its past close dropped), then closes by hand.
  REQUIRE(Move(f, "ideas", "open").status == 200);
  CHECK(send(codes[3], "Benches").status == 201);
  clock.Set(kT0 + 3 * kHour);
  REQUIRE(Move(f, "ideas", "close").status == 200);
  Answer shut = send(codes[2], "Shade");
  CHECK(shut.body["error"]["message"] ==
        "the ideas phase closed at 2026-03-15 19:00 UTC: ideas are taken and supported while it is open");
  // Only a closing date: the phase waits to be opened by hand, and so do ideas.
  REQUIRE(PutPhases(f, {{"ideas", {{"opens_at_ms", nullptr}, {"closes_at_ms", kT0 + 9 * kHour}}}}).status == 200);
  CHECK(send(codes[2], "Shade").body["error"]["message"] ==
        "the ideas phase has not opened yet: ideas are taken and supported while it is open");
  // Dates cleared: the switch alone again.
  REQUIRE(PutPhases(f, {{"ideas", {{"closes_at_ms", nullptr}}}}).status == 200);
  CHECK(send(codes[2], "Shade").status == 201);

  // Stored: after a restart the dates still decide.
  REQUIRE(PutPhases(f, {{"ideas", {{"closes_at_ms", kT0 + 4 * kHour}}}}).status == 200);
  REQUIRE(Move(f, "ideas", "open").status == 200);
  clock.Set(kT0 + 4 * kHour);
  f.RestartApi();
  CHECK(send(codes[2], "After the restart").body["error"]["phase"] == "closed");
  CHECK(taking()["ideas"].size() == 4);
}

TEST_CASE("phases: the results open by themselves at their date once counted") {
  FakeClock clock;
  Fixture f(clock.fn());
  auto codes = f.OpenSchool(2);
  REQUIRE(f.Vote(codes[0], {"a", "c"}).status == 201);
  REQUIRE(PutPhases(f, {{"results", {{"opens_at_ms", kT0 + 5 * kHour}}}}).status == 200);
  REQUIRE(f.Call(http::verb::post, kSchoolPath + "/close").status == 200);
  f.api().ActOnSchedule();
  CHECK(f.Call(http::verb::get, kSchoolPath).body["state"] == "closed");  // not yet its date
  CHECK(f.Call(http::verb::get, kSchoolPath + "/results", "", false).status == 409);
  clock.Set(kT0 + 5 * kHour);
  f.api().ActOnSchedule();
  CHECK(WaitForState(f, "published") == "published");
  CHECK(StateOf(f, "results") == "open");
  CHECK(f.Call(http::verb::get, kSchoolPath + "/results", "", false).status == 200);
}

TEST_CASE("attack: phases refused with the field named, and only the owner moves them") {
  FakeClock clock;
  Fixture f(clock.fn());
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  auto check = [&](const json& body, const std::string& field) {
    Answer a = PutPhases(f, body);
    CHECK_MESSAGE(a.status == 422, a.text);
    CHECK(a.body["error"].value("field", "") == field);
  };
  check({{"ideas", {{"opens_at_ms", kT0 + 2 * kHour}, {"closes_at_ms", kT0 + kHour}}}}, "ideas.closes_at_ms");
  check({{"review", {{"opens_at_ms", "tomorrow"}}}}, "review.opens_at_ms");
  check({{"review", {{"opens_at_ms", -5}}}}, "review.opens_at_ms");
  check({{"review", {{"opens_at_ms", 1e300}}}}, "review.opens_at_ms");
  check({{"review", {{"opens_at_ms", 253402300800000}}}}, "review.opens_at_ms");  // after year 9999
  check({{"review", {{"starts", kT0}}}}, "review.starts");
  check({{"review", 7}}, "review");
  check({{"voting", {{"opens_at_ms", kT0}}}}, "voting");
  check({{"vote", {{"opens_at_ms", kT0 - 1}}}}, "vote.opens_at_ms");  // the window's own rule: not in the past
  check({{"vote", {{"opens_at_ms", kT0 + 2 * kHour}, {"closes_at_ms", kT0 + kHour}}}}, "vote.closes_at_ms");
  check({{"vote", {{"contact", "x"}}}}, "vote.contact");  // the window's times only
  // A refusal stores nothing, not even its valid parts.
  Answer mixed = PutPhases(f, {{"ideas", {{"opens_at_ms", kT0 + kHour}}}, {"vote", {{"opens_at_ms", kT0 - 1}}}});
  CHECK(mixed.status == 422);
  CHECK(f.Call(http::verb::get, kSchoolPath + "/phases").body["phases"][0]["opens_at_ms"].is_null());
  CHECK(f.Call(http::verb::put, kSchoolPath + "/phases", "[1,2]").status == 400);
  CHECK(f.Call(http::verb::post, kSchoolPath + "/phases/bogus/open").status == 404);
  CHECK(f.Call(http::verb::post, kSchoolPath + "/phases/ideas/toggle").status == 404);
  // Nobody but an organizer.
  CHECK(f.Call(http::verb::put, kSchoolPath + "/phases", json{{"ideas", {{"opens_at_ms", kT0}}}}.dump(), false).status == 401);
  CHECK(f.Call(http::verb::post, kSchoolPath + "/phases/ideas/open", "", false).status == 401);
}

TEST_CASE("attack: an editor or observer does not move phases: both read the timeline") {
  Committee c;
  const std::string phases = "/api/v1/processes/school/phases";
  const std::string body = json{{"ideas", {{"opens_at_ms", 4000000000000}}}}.dump();
  CHECK(Do(c.f, c.cai, http::verb::put, phases, body).status == 403);
  CHECK(Do(c.f, c.ben, http::verb::put, phases, body).status == 403);
  CHECK(Do(c.f, c.ben, http::verb::post, phases + "/ideas/open").status == 403);
  CHECK(Do(c.f, c.cai, http::verb::get, phases).status == 200);
  Answer owner = Do(c.f, c.ana, http::verb::put, phases, body);
  CHECK_MESSAGE(owner.status == 200, owner.text);
  Answer log = Do(c.f, c.ana, http::verb::get, "/api/v1/processes/school/log");
  REQUIRE(log.status == 200);
  CHECK(log.body["entries"][0]["action"] == "PUT /processes/school/phases");
}

}  // namespace
}  // namespace psephos::test
