// Two server nodes (two Apis, each with its own database worker) on one
// PostgreSQL database (#17 item 2): what decides lives in the database, not
// in a node's memory.
#include <doctest/doctest.h>

#include "../support/api_fixture.h"
#include "../support/committee.h"

namespace psephos::test {
namespace {

Answer Check(Fixture& node, const std::string& code) {
  return node.Call(http::verb::post, "/api/v1/processes/school/codes/check", json{{"code", code}}.dump(), false);
}

// Asks `node` for `target` until `done` holds of the answer (another node's
// change is followed within ApiOptions::follow_interval), at most 5 s.
Answer Eventually(Fixture& node, const std::string& target, const std::function<bool(const Answer&)>& done) {
  Answer a = node.Call(http::verb::get, target);
  for (int i = 0; i < 500 && !done(a); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    a = node.Call(http::verb::get, target);
  }
  return a;
}

ApiOptions Following() {
  ApiOptions options = Options();
  options.follow_interval = std::chrono::milliseconds(20);
  options.follow_codes_interval = std::chrono::milliseconds(20);
  return options;
}

// A node that follows nothing after its start (its first look would be an hour on):
// what it decides on then is the database's, never a copy it reloaded.
ApiOptions NeverFollows() {
  ApiOptions options = Options();
  options.follow_interval = std::chrono::hours(1);
  return options;
}

}  // namespace

TEST_CASE("nodes: a code made on one node votes on the other, once: a close on one node stops ballots on both") {
  Fixture a(Backend::kPostgres);
  a.OpenSchool(1);
  auto opened = a.store().Open();
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture b(std::move(opened).value());  // started after the process exists, before these codes
  const std::vector<std::string> codes = a.MakeCodes(4, "family");
  REQUIRE(codes.size() == 4);

  // B never saw codes[0] made: the database knows it.
  auto check = Check(b, codes[0]);
  REQUIRE(check.status == 200);
  CHECK(check.body["used"] == false);
  auto on_b = b.Vote(codes[0], {"a"});
  CHECK(on_b.status == 201);
  // A's memory still says unused; the database refuses it as spent, and A says so.
  auto again = a.Vote(codes[0], {"b"});
  CHECK(again.status == 409);
  CHECK(again.body["error"]["code"] == "used_code");
  // A code voted on A reads as used on B.
  CHECK(a.Vote(codes[1], {"b"}).status == 201);
  auto used = Check(b, codes[1]);
  REQUIRE(used.status == 200);
  CHECK(used.body["used"] == true);
  CHECK(used.body["can_vote"] == false);
  // Both nodes read one ballot log: the same size and Merkle head.
  auto board_a = a.Call(http::verb::get, "/api/v1/processes/school/board", "", false);
  auto board_b = b.Call(http::verb::get, "/api/v1/processes/school/board", "", false);
  REQUIRE(board_a.status == 200);
  REQUIRE(board_b.status == 200);
  CHECK(board_a.body["ballots"] == 2);
  CHECK(board_b.body["ballots"] == 2);
  CHECK(board_a.body["head"] == board_b.body["head"]);
  // A made-up code is still unknown on both.
  CHECK(b.Vote("XXXX-XXXX-XXXX", {"a"}).status == 403);

  // Closed on A: B still believes the process open; the database refuses its ballot.
  REQUIRE(a.Call(http::verb::post, "/api/v1/processes/school/close").status / 100 == 2);
  auto late = b.Vote(codes[2], {"a"});
  CHECK(late.status == 409);
  CHECK(late.body["error"]["code"] == "election_closed");
  // ...and B learns the state from the database.
  std::string state;
  for (int i = 0; i < 500 && state != "closed"; ++i) {
    state = b.Call(http::verb::get, "/api/v1/processes/school").body.value("state", "");
    if (state != "closed") std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(state == "closed");
  // A's count holds both nodes' ballots, and nothing after the close.
  auto counted = a.WaitUntilCounted("school");
  REQUIRE(counted.status == 200);
  auto ballots = a.storage().LoadBallots(1);
  REQUIRE(ballots.ok());
  CHECK(ballots->size() == 2);
  CHECK(a.Vote(codes[3], {"a"}).status == 409);
  // A ballot taken by B is on A's board, with its proof.
  CHECK(a.Call(http::verb::get, "/api/v1/processes/school/board/receipts/" + on_b.body["receipt"].get<std::string>(),
               "", false).status == 200);
}

TEST_CASE("nodes: a process made, edited, opened and given codes on one node is served by the other") {
  Fixture a(Following(), Backend::kPostgres);
  auto opened = a.store().Open();
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture b(std::move(opened).value(), Following());  // started on the empty database

  REQUIRE(a.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  auto seen = Eventually(b, "/api/v1/processes/school", [](const Answer& x) { return x.status == 200; });
  REQUIRE(seen.status == 200);
  CHECK(seen.body["state"] == "draft");

  // Edited on A: B serves the new title.
  json edited = json::parse(kSchool);
  edited["title"] = "Roosevelt High PB 2027";
  REQUIRE(a.Call(http::verb::put, "/api/v1/processes/school", edited.dump()).status == 200);
  seen = Eventually(b, "/api/v1/processes/school",
                    [](const Answer& x) { return x.body["definition"].value("title", "") == "Roosevelt High PB 2027"; });
  CHECK(seen.body["definition"]["title"] == "Roosevelt High PB 2027");

  // Codes made and the process opened on A: B takes their ballots and counts them in its turnout.
  const std::vector<std::string> codes = a.MakeCodes(3, "student");
  REQUIRE(a.Call(http::verb::post, "/api/v1/processes/school/open").status == 200);
  seen = Eventually(b, "/api/v1/processes/school", [](const Answer& x) { return x.body["state"] == "open"; });
  REQUIRE(seen.body["state"] == "open");
  CHECK(b.Vote(codes[0], {"a"}).status == 201);
  auto turnout = Eventually(b, "/api/v1/processes/school/turnout",
                            [](const Answer& x) { return x.body["by_group"]["student"]["codes"] == 3; });
  CHECK(turnout.body["by_group"]["student"]["codes"] == 3);
  CHECK(turnout.body["by_group"]["student"]["voted"] == 1);
  // A ballot stored by A is in B's turnout at once (read from the log), and B's in A's.
  CHECK(a.Vote(codes[1], {"b"}).status == 201);
  for (Fixture* node : {&a, &b}) {
    turnout = node->Call(http::verb::get, "/api/v1/processes/school/turnout");
    CHECK(turnout.body["by_group"]["student"]["voted"] == 2);
    CHECK(turnout.body["by_group"]["student"]["ballots"] == 2);
    CHECK(turnout.body["ballots"] == 2);
  }

  // A voting window set on A is B's too.
  REQUIRE(a.Call(http::verb::put, "/api/v1/processes/school/schedule",
                 json{{"closes_at_ms", 4084452000000}}.dump()).status == 200);
  seen = Eventually(b, "/api/v1/processes/school",
                    [](const Answer& x) { return x.body["schedule"].value("closes_at_ms", json()) == 4084452000000; });
  CHECK(seen.body["schedule"]["closes_at_ms"] == 4084452000000);
}

TEST_CASE("nodes: an organizer signed in on one node is signed in on the other, and signed out on both") {
  Fixture a(Following(), Backend::kPostgres);
  auto opened = a.store().Open();
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture b(std::move(opened).value(), Following());
  REQUIRE(MakeFirstAccount(a).status == 201);
  Browser ana;
  REQUIRE(SignIn(a, ana, "ana@example.org", kPassword).status == 200);
  Answer on_b = Do(b, ana, http::verb::get, "/api/v1/session");
  for (int i = 0; i < 500 && on_b.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    on_b = Do(b, ana, http::verb::get, "/api/v1/session");
  }
  REQUIRE(on_b.status == 200);
  CHECK(on_b.body["account"]["email"] == "ana@example.org");
  // A process made through B by the account A knows.
  CHECK(Do(b, ana, http::verb::post, "/api/v1/processes", kSchool).status == 201);

  REQUIRE(Do(a, ana, http::verb::delete_, "/api/v1/session").status / 100 == 2);
  Browser same = ana;  // the cookie as the browser had it, replayed on B
  Answer after = Do(b, same, http::verb::get, "/api/v1/session");
  for (int i = 0; i < 500 && after.status == 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    after = Do(b, same, http::verb::get, "/api/v1/session");
  }
  CHECK(after.status != 200);
}

TEST_CASE("nodes: one node per database runs the schedule: another takes over when its connection ends") {
  test::TestStore store(Backend::kPostgres);
  auto first = store.Open();
  REQUIRE_MESSAGE(first.ok(), first.status().message());
  auto second = store.Open();
  REQUIRE_MESSAGE(second.ok(), second.status().message());
  auto leads = (*first)->LeadScheduler();
  REQUIRE(leads.ok());
  CHECK(*leads);
  CHECK(*(*first)->LeadScheduler());  // asked again: still it
  CHECK_FALSE(*(*second)->LeadScheduler());
  first->reset();  // its connection ends (a node killed: the server ends its session)
  bool took = false;
  for (int i = 0; i < 500 && !took; ++i) {
    auto now = (*second)->LeadScheduler();
    REQUIRE(now.ok());
    took = *now;
    if (!took) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(took);
}

}  // namespace psephos::test

namespace psephos::test {

TEST_CASE("nodes: a device revoked on one node is refused at once on the other, which has not reloaded its devices") {
  Fixture a(Backend::kPostgres);
  a.OpenSchool(1);
  const std::vector<std::string> codes = a.MakeCodes(2, "family");
  auto made = a.Call(http::verb::post, "/api/v1/processes/school/devices", json{{"role", "clerk"}, {"name", "Hall"}}.dump());
  REQUIRE(made.status == 201);
  const std::string clerk = "Device " + made.body["token"].get<std::string>();
  auto hall = a.Call(http::verb::post, "/api/v1/processes/school/devices", json{{"role", "kiosk"}, {"name", "Hall 2"}}.dump());
  REQUIRE(hall.status == 201);
  const std::string kiosk = "Device " + hall.body["token"].get<std::string>();
  auto opened = a.store().Open();
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture b(std::move(opened).value(), NeverFollows());  // its copy of the devices: as at its start
  const auto check_in = [&](Fixture& node, const std::string& code) {
    return node.Send(http::verb::post, "/api/v1/processes/school/checkin", json{{"code", code}}.dump(), clerk);
  };
  REQUIRE(check_in(b, codes[0]).status == 200);
  REQUIRE(b.Send(http::verb::get, "/api/v1/processes/school/device", "", kiosk).status == 200);
  for (const auto& device : {made, hall}) {
    REQUIRE(a.Call(http::verb::post, "/api/v1/processes/school/devices/" +
                                         std::to_string(device.body["id"].get<int>()) + "/revoke").status == 200);
  }
  // B's copy still lists both as signed in; the database refuses them, and B learns it.
  auto who = b.Send(http::verb::get, "/api/v1/processes/school/device", "", kiosk);
  CHECK(who.status == 401);
  CHECK(who.body["error"]["code"] == "device_revoked");
  auto refused = check_in(b, codes[1]);
  CHECK(refused.status == 401);
  CHECK(refused.body["error"]["code"] == "device_revoked");
  CHECK(check_in(b, codes[1]).status == 401);
  // Nothing was spent: the code still votes.
  CHECK(b.Vote(codes[1], {"a"}).status == 201);
}

}  // namespace psephos::test

namespace psephos::test {
namespace {

// Limits a guesser meets after a few tries, and that do not refill during a test.
ApiOptions Guarded() {
  ApiOptions options = Following();
  options.wrong_codes.burst = 5;
  options.wrong_codes.refill_every = std::chrono::seconds(60);
  return options;
}

// Asks `node` with `ask` (which must not count as a wrong attempt) until it is
// refused with 429, at most 5 s; the last answer.
Answer UntilRefused(const std::function<Answer()>& ask) {
  Answer a = ask();
  for (int i = 0; i < 500 && a.status != 429; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    a = ask();
  }
  return a;
}

}  // namespace

TEST_CASE("nodes: a guesser spread over two nodes meets the wait after as many wrong codes as on one") {
  Fixture a(Guarded(), Backend::kPostgres);
  a.OpenSchool(1);
  const std::vector<std::string> codes = a.MakeCodes(1, "family");
  auto opened = a.store().Open();
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture b(std::move(opened).value(), Guarded());
  const auto check = [&](Fixture& node, const std::string& code, const std::string& client) {
    return node.Call(http::verb::post, "/api/v1/processes/school/codes/check", json{{"code", code}}.dump(), false,
                     "application/json", client);
  };
  // The burst (5) spent 3 on A, 2 on B, from one address.
  for (int i = 0; i < 3; ++i) REQUIRE(check(a, "WRONG-A" + std::to_string(i), "203.0.113.7").status == 404);
  for (int i = 0; i < 2; ++i) REQUIRE(check(b, "WRONG-B" + std::to_string(i), "203.0.113.7").status == 404);
  // Both nodes now make it wait, even for a right code; another address is served.
  for (Fixture* node : {&a, &b}) {
    Answer refused = UntilRefused([&] { return check(*node, codes[0], "203.0.113.7"); });
    CHECK(refused.status == 429);
    CHECK(refused.body["error"]["code"] == "too_many_attempts");
  }
  CHECK(check(b, codes[0], "203.0.113.8").status == 200);
  CHECK(check(a, codes[0], "203.0.113.8").status == 200);
}

TEST_CASE("nodes: wrong passwords on two nodes count against one address, and one account, on both") {
  Fixture a(Guarded(), Backend::kPostgres);
  auto opened = a.store().Open();
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture b(std::move(opened).value(), Guarded());
  REQUIRE(MakeFirstAccount(a).status == 201);
  // One address guessing three accounts (the limit), split over the nodes.
  Browser guesser;
  REQUIRE(SignIn(b, guesser, "bo@example.org", "x", "198.51.100.9").status == 401);
  REQUIRE(SignIn(a, guesser, "cy@example.org", "x", "198.51.100.9").status == 401);
  REQUIRE(SignIn(b, guesser, "di@example.org", "x", "198.51.100.9").status == 401);
  // A refuses that address even Ana's right password (a probe that is no wrong attempt).
  Browser ana;
  Answer by_address = UntilRefused([&] { return SignIn(a, ana, "ana@example.org", kPassword, "198.51.100.9"); });
  CHECK(by_address.status == 429);
  CHECK(by_address.body["error"]["code"] == "too_many_attempts");

  // Three wrong passwords for Ana's account from three addresses, on both nodes.
  REQUIRE(SignIn(a, guesser, "ana@example.org", "wrong one", "198.51.100.1").status == 401);
  REQUIRE(SignIn(b, guesser, "ana@example.org", "wrong two", "198.51.100.2").status == 401);
  REQUIRE(SignIn(a, guesser, "ana@example.org", "wrong three", "198.51.100.3").status == 401);
  // B refuses even her right password from a fourth address until the account's wait is over.
  Answer by_account = UntilRefused([&] { return SignIn(b, ana, "ana@example.org", kPassword, "198.51.100.4"); });
  CHECK(by_account.status == 429);
  CHECK(by_account.body["error"]["code"] == "too_many_attempts");
}

}  // namespace psephos::test

namespace psephos::test {

TEST_CASE("nodes: a kiosk's limits and open sessions are the database's: a kiosk moving between nodes gains nothing") {
  Fixture a(Backend::kPostgres);
  a.OpenSchool(1);
  const std::vector<std::string> codes = a.MakeCodes(4, "family");
  const auto make_kiosk = [&](const std::string& name, int allowance, int seconds) {
    auto made = a.Call(http::verb::post, "/api/v1/processes/school/devices",
                       json{{"role", "kiosk"}, {"name", name}, {"walk_in_allowance", allowance},
                            {"session_seconds", seconds}}.dump());
    REQUIRE(made.status == 201);
    return std::make_pair("Device " + made.body["token"].get<std::string>(), made.body["id"].get<std::int64_t>());
  };
  const auto [spaced, spaced_id] = make_kiosk("Gym", 1, 60);
  const auto [quick, quick_id] = make_kiosk("Library", 0, 0);
  auto opened = a.store().Open();
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture b(std::move(opened).value(), NeverFollows());  // its copy of the codes and devices: as at its start
  const auto session = [](Fixture& node, const std::string& kiosk, const json& body) {
    return node.Send(http::verb::post, "/api/v1/processes/school/kiosk/session", body.dump(), kiosk);
  };

  // The Gym kiosk's one walk-in, on A; on B, whose copy has none, it is used up, and
  // a session with a code comes too soon.
  REQUIRE(session(a, spaced, json::object()).status == 201);
  auto walk_in = session(b, spaced, json::object());
  CHECK(walk_in.status == 403);
  CHECK(walk_in.body["error"]["code"] == "walk_ins_used_up");
  CHECK(walk_in.body["error"]["walk_ins"] == 1);
  auto soon = session(b, spaced, json{{"code", codes[0]}});
  CHECK(soon.status == 429);
  CHECK(soon.body["error"]["code"] == "session_too_soon");
  CHECK(soon.body["error"]["retry_after"].get<int>() > 50);
  // Nothing was spent: the code still votes.
  CHECK(b.Vote(codes[0], {"a"}).status == 201);

  // The Library kiosk's next session on B voids its open one from A ...
  auto first = session(a, quick, json{{"code", codes[1]}});
  REQUIRE(first.status == 201);
  REQUIRE(session(b, quick, json{{"code", codes[2]}}).status == 201);
  CHECK(a.Vote(first.body["code"], {"a"}).status == 409);
  // ... and the organizer's "void open sessions" on B voids one made on A.
  auto left_open = session(a, quick, json{{"code", codes[3]}});
  REQUIRE(left_open.status == 201);
  auto voided = b.Call(http::verb::post, "/api/v1/processes/school/devices/" + std::to_string(quick_id) + "/void");
  REQUIRE(voided.status == 200);
  CHECK(voided.body["voided"] == 1);  // A's (its session voided the one B made)
  CHECK(a.Vote(left_open.body["code"], {"a"}).status == 409);

  // One limit changed on A, the other on B, whose copy has the old first: both kept.
  const std::string limits = "/api/v1/processes/school/devices/" + std::to_string(spaced_id) + "/limits";
  REQUIRE(a.Call(http::verb::post, limits, json{{"walk_in_allowance", 3}}.dump()).status == 200);
  auto both = b.Call(http::verb::post, limits, json{{"session_seconds", 0}}.dump());
  REQUIRE(both.status == 200);
  CHECK(both.body["walk_in_allowance"] == 3);
  CHECK(both.body["session_seconds"] == 0);
  CHECK(session(b, spaced, json::object()).status == 201);  // the second of three walk-ins
}

}  // namespace psephos::test

namespace psephos::test {

TEST_CASE("nodes: two clerks on two nodes enter one paper sheet: the second entry sees the first, the sheet counts once") {
  Fixture a(Backend::kPostgres);
  a.OpenSchool(1);
  auto batch = a.Call(http::verb::post, "/api/v1/processes/school/paper/batches", json{{"count", 2}, {"language", "en"}}.dump());
  REQUIRE_MESSAGE(batch.status == 201, batch.text);
  auto sheets = a.Call(http::verb::get, "/api/v1/processes/school/paper/batches/" + std::to_string(batch.body["batch"].get<int>()));
  REQUIRE(sheets.body["serials"].size() == 2);
  const std::string s1 = sheets.body["serials"][0], s2 = sheets.body["serials"][1];
  const auto clerk = [&](const std::string& name) {
    auto made = a.Call(http::verb::post, "/api/v1/processes/school/devices", json{{"role", "clerk"}, {"name", name}}.dump());
    REQUIRE(made.status == 201);
    return "Device " + made.body["token"].get<std::string>();
  };
  const std::string first = clerk("Table 1"), second = clerk("Table 2");
  auto opened = a.store().Open();
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture b(std::move(opened).value(), NeverFollows());  // its copy of the sheets: as at its start
  const auto enter = [](Fixture& node, const std::string& by, const std::string& serial, const json& projects) {
    return node.Send(http::verb::post, "/api/v1/processes/school/paper/entries",
                     json{{"serial", serial}, {"ballots", {{"main", {{"projects", projects}}}}}}.dump(), by);
  };
  // The same reading on A then on B: counted, once.
  auto once = enter(a, first, s1, {"a"});
  REQUIRE(once.status == 201);
  CHECK(once.body["state"] == "entered_once");
  auto twice = enter(b, second, s1, {"a"});
  REQUIRE(twice.status == 201);
  CHECK(twice.body["state"] == "counted");
  CHECK(twice.body["counted"] == true);
  // Readings that differ, on B then on A: a mismatch, nothing counted.
  REQUIRE(enter(b, first, s2, {"a"}).status == 201);
  auto differ = enter(a, second, s2, {"b"});
  REQUIRE(differ.status == 201);
  CHECK(differ.body["state"] == "mismatch");
  CHECK(differ.body["counted"] == false);
  // One ballot in the log, whichever node is asked.
  for (Fixture* node : {&a, &b}) {
    auto board = node->Call(http::verb::get, "/api/v1/processes/school/board", "", false);
    REQUIRE(board.status == 200);
    CHECK(board.body["ballots"] == 1);
  }
}

}  // namespace psephos::test

namespace psephos::test {

TEST_CASE("nodes: one code's ideas sent on two nodes stop at the limit (20), and a title sent twice is refused") {
  Fixture a(Backend::kPostgres);
  REQUIRE(a.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  const std::vector<std::string> codes = a.MakeCodes(1, "student");
  REQUIRE(a.Call(http::verb::put, "/api/v1/processes/school/ideas/settings",
                 json{{"accepting", true}, {"open_to_all", true}, {"categories", {"Playground"}}}.dump())
              .status == 200);
  auto opened = a.store().Open();
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture b(std::move(opened).value(), NeverFollows());  // its copy of the ideas: as at its start
  const auto send = [&](Fixture& node, const std::string& title) {
    json idea{{"code", codes[0]}, {"title", title}, {"description", "Why: " + title}, {"category", "Playground"}};
    return node.Call(http::verb::post, "/api/v1/processes/school/ideas", idea.dump(), false);
  };
  for (int i = 1; i <= 19; ++i) REQUIRE(send(a, "Idea " + std::to_string(i)).status == 201);
  // B has none of them in memory: the store tells it, it decides from all 19.
  CHECK(send(b, "Idea 3").body["error"]["code"] == "duplicate_idea");
  CHECK(send(b, "Idea 20").status == 201);
  CHECK(send(b, "Idea 21").body["error"]["code"] == "too_many_ideas");
  CHECK(send(a, "Idea 22").body["error"]["code"] == "too_many_ideas");  // A did not know B's 20th
}

}  // namespace psephos::test
