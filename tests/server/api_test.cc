// The API without sockets: requests go straight to Api::Handle.
#include <doctest/doctest.h>

#include <future>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "../support/api_fixture.h"

using namespace psephos;
using namespace psephos::server;
using nlohmann::json;

using psephos::test::Fixture;
using psephos::test::kSchool;
using psephos::test::kToken;

TEST_CASE("api: health, routing and the organizer token") {
  Fixture f;
  CHECK(f.Call(http::verb::get, "/healthz", "", false).status == 200);
  CHECK(f.Call(http::verb::get, "/nowhere").status == 404);
  auto denied = f.Call(http::verb::post, "/api/v1/processes", kSchool, false);
  CHECK(denied.status == 401);
  CHECK(denied.body["error"]["code"] == "unauthorized");
  CHECK(f.Call(http::verb::get, "/api/v1/processes").status == 200);
}

TEST_CASE("api: definitions are checked field by field") {
  Fixture f;
  auto bad = f.Call(http::verb::post, "/api/v1/processes", R"({"slug":"x","title":"X","budgets":[{"id":"m","amount":10,"projects":[{"id":"a","name":"A","cost":-5}]}]})");
  CHECK(bad.status == 422);
  CHECK(bad.body["error"]["code"] == "invalid_definition");
  CHECK(bad.body["error"]["message"] == "budgets[0].projects[0].cost: must not be negative");
  // A rule that cannot count the ballot type is refused now, not at the close.
  auto ranked_greedy = f.Call(http::verb::post, "/api/v1/processes", R"({"slug":"x","title":"X","budgets":[{"id":"m","amount":10,
      "rule":"greedy","ballot":{"type":"ranked"},"projects":[{"id":"a","name":"A","cost":5}]}]})");
  CHECK(ranked_greedy.status == 422);
  CHECK(ranked_greedy.body["error"]["message"].get<std::string>().starts_with(
      "budgets[0].rule: rule 'greedy' does not count ordinal ballots; rules that do: greedy-score"));
  CHECK(f.Call(http::verb::post, "/api/v1/processes", "{not json").body["error"]["code"] == "malformed_json");
  CHECK(f.Call(http::verb::post, "/api/v1/processes", kSchool, true, "text/plain").status == 415);
  CHECK(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  CHECK(f.Call(http::verb::post, "/api/v1/processes", kSchool).body["error"]["code"] == "slug_taken");
}

TEST_CASE_TEMPLATE("api: the whole flow from codes to published results", B, test::Sqlite,
                   test::Postgres) {
  Fixture f(B::kBackend);
  auto codes = f.OpenSchool();
  REQUIRE(codes.size() == 5);
  // The CSV is kept until the organizer confirms they have it.
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/codes/1.csv").status == 200);
  CHECK(f.Call(http::verb::delete_, "/api/v1/processes/school/codes/1.csv").status == 200);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/codes/1.csv").status == 410);
  // While open only texts may be corrected (corrections_test.cc): a cost is refused now.
  json dearer = json::parse(kSchool);
  dearer["budgets"][0]["projects"][0]["cost"] = 70;
  CHECK(f.Call(http::verb::put, "/api/v1/processes/school", dearer.dump()).body["error"]["code"] == "not_correctable");

  auto check = f.Call(http::verb::post, "/api/v1/processes/school/codes/check", json{{"code", codes[0]}}.dump(), false);
  CHECK(check.status == 200);
  CHECK(check.body["can_vote"] == true);

  auto ok = f.Vote(codes[0], {"a", "c"});
  REQUIRE(ok.status == 201);
  CHECK(ok.body["receipt"].get<std::string>().size() == 64);
  // Codes are typed loosely: lower case and spaces work.
  std::string typed = codes[1];
  for (auto& ch : typed) ch = static_cast<char>(std::tolower(ch));
  CHECK(f.Vote(typed, {"a"}).status == 201);
  CHECK(f.Vote(codes[2], {"b", "c"}).status == 201);

  auto again = f.Vote(codes[0], {"b"});
  CHECK(again.status == 409);
  CHECK(again.body["error"]["code"] == "used_code");

  auto invalid = f.Vote(codes[3], {"a", "b", "c"});
  CHECK(invalid.status == 422);
  CHECK(invalid.body["error"]["problems"][0]["code"] == "too_many_projects");
  auto unknown_project = f.Vote(codes[3], {"zz"});
  CHECK(unknown_project.body["error"]["problems"][0]["code"] == "unknown_project");
  auto wrong_code = f.Vote("AAAA-BBBB-CCCC-DDDD", {"a"});
  CHECK(wrong_code.status == 403);
  CHECK(wrong_code.body["error"]["code"] == "unknown_code");
  auto extra = f.Call(http::verb::post, "/api/v1/processes/school/ballots",
                      json{{"code", codes[3]}, {"ballots", json::object()}, {"hack", 1}}.dump(), false);
  CHECK(extra.body["error"]["code"] == "unknown_field");

  auto turnout = f.Call(http::verb::get, "/api/v1/processes/school/turnout");
  CHECK(turnout.body["by_group"]["student"]["voted"] == 3);
  CHECK(turnout.body["by_group"]["student"]["codes"] == 5);

  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/results", "", false).status == 409);
  auto closed = f.Call(http::verb::post, "/api/v1/processes/school/close");
  REQUIRE(closed.status == 200);
  auto late = f.Vote(codes[4], {"a"});
  CHECK(late.status == 409);
  CHECK(late.body["error"]["code"] == "election_closed");
  // Closed but not published: organizers see results, the public does not.
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/results", "", false).status == 409);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/results").status == 200);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/publish").status == 200);
  auto results = f.Call(http::verb::get, "/api/v1/processes/school/results", "", false);
  REQUIRE(results.status == 200);
  const json& budget = results.body["budgets"][0];
  // Votes a 2, c 2, b 1: greedy funds a (60), then c (40) by id.
  CHECK(budget["votes"]["a"] == 2);
  CHECK(budget["outcome"]["selected"] == json::array({"a", "c"}));
  // 3 ballots, fewer than k = 5: the public turnout hides them, the organizer's does not.
  CHECK(results.body["turnout"]["ballots"] == "<5");
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/turnout").body["ballots"] == 3);
}

TEST_CASE("api: wrong codes are rate limited per client address") {
  Fixture f;
  auto codes = f.OpenSchool();
  for (int i = 0; i < 5; ++i) CHECK(f.Vote("AAAA-BBBB-CCCC-DDD" + std::to_string(i), {"a"}, "10.9.9.9").status == 403);
  auto limited = f.Vote(codes[0], {"a"}, "10.9.9.9");
  CHECK(limited.status == 429);
  CHECK(limited.body["error"]["code"] == "too_many_attempts");
  CHECK(f.Vote(codes[0], {"a"}, "10.0.0.2").status == 201);  // another address is not affected
}

TEST_CASE_TEMPLATE("api: one code sent by 100 concurrent clients counts once", B, test::Sqlite,
                   test::Postgres) {
  Fixture f(B::kBackend);
  auto codes = f.OpenSchool(1);
  std::vector<std::thread> clients;
  std::atomic<int> created{0}, refused{0};
  for (int i = 0; i < 100; ++i) {
    clients.emplace_back([&] {
      auto a = f.Vote(codes[0], {"a"});
      if (a.status == 201) ++created;
      if (a.status == 409) ++refused;
    });
  }
  for (auto& t : clients) t.join();
  CHECK(created == 1);
  CHECK(refused == 99);
  auto ballots = f.storage().LoadBallots(1);
  REQUIRE(ballots.ok());
  CHECK(ballots->size() == 1);
}

TEST_CASE("api: a close racing with submissions leaves no ballot accepted after it and counts every one before") {
  Fixture f;
  auto codes = f.OpenSchool(400);
  std::atomic<bool> closed{false};
  std::atomic<int> accepted{0}, accepted_after_close{0}, refused_closed{0}, other{0};
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> voters;
  for (int t = 0; t < 8; ++t) {
    voters.emplace_back([&] {
      for (std::size_t i; (i = next++) < codes.size();) {
        const bool sent_after_close = closed;
        auto a = f.Vote(codes[i], {"a"});
        if (a.status == 201) {
          ++accepted;
          if (sent_after_close) ++accepted_after_close;
        } else if (a.status == 409 && a.body["error"]["code"] == "election_closed") {
          ++refused_closed;
        } else {
          ++other;
        }
      }
    });
  }
  while (next < 100) std::this_thread::yield();
  auto close = f.Call(http::verb::post, "/api/v1/processes/school/close");
  closed = true;
  for (auto& t : voters) t.join();
  REQUIRE(close.status == 200);
  CHECK(other == 0);
  CHECK(accepted_after_close == 0);
  CHECK(accepted + refused_closed == static_cast<int>(codes.size()));
  WARN(refused_closed > 0);  // the race happened (it always does here; no failure if a machine outruns it)
  // The tally holds exactly the acknowledged ballots, and the store nothing more.
  auto results = f.Call(http::verb::get, "/api/v1/processes/school/results");
  CHECK(results.body["turnout"]["ballots"] == accepted.load());
  CHECK(results.body["budgets"][0]["votes"]["a"] == accepted.load());
  auto stored = f.storage().LoadBallots(1);
  REQUIRE(stored.ok());
  CHECK(stored->size() == static_cast<std::size_t>(accepted.load()));
}

TEST_CASE_TEMPLATE("api: with revoting, the latest ballot of a code counts", B, test::Sqlite,
                   test::Postgres) {
  Fixture f(B::kBackend);
  json school = json::parse(kSchool);
  school["revoting"] = "latest";
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", school.dump()).status == 201);
  auto batch = f.Call(http::verb::post, "/api/v1/processes/school/codes", R"({"count": 1, "group": "family"})");
  auto csv = f.Call(http::verb::get, batch.body["download"]);
  const std::string code = csv.text.substr(csv.text.find('\n') + 1, 19);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/open").status == 200);
  CHECK(f.Vote(code, {"a"}).status == 201);
  CHECK(f.Vote(code, {"b"}).status == 201);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/close").status == 200);
  auto results = f.Call(http::verb::get, "/api/v1/processes/school/results");
  CHECK(results.body["budgets"][0]["votes"]["b"] == 1);
  CHECK(results.body["budgets"][0]["votes"]["a"] == 0);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/turnout").body["by_group"]["family"]["voted"] == 1);
}

// The voting page's retry after a lost answer (API.md, "submission"): the same
// submission id reads "already stored", another id or none "used_code" as before.
TEST_CASE_TEMPLATE("api: a retry of a stored ballot with its submission id reads already stored", B, test::Sqlite,
                   test::Postgres) {
  Fixture f(B::kBackend);
  auto codes = f.OpenSchool(3);
  auto vote = [&](const std::string& code, const json& projects, const std::string& submission) {
    json body{{"code", code}, {"ballots", {{"main", {{"projects", projects}}}}}};
    if (!submission.empty()) body["submission"] = submission;
    return f.Call(http::verb::post, "/api/v1/processes/school/ballots", body.dump(), false);
  };
  const std::string id = "0123456789abcdef0123456789abcdef";
  const std::string other = "fedcba9876543210fedcba9876543210";
  auto stored = vote(codes[0], {"a"}, id);
  REQUIRE(stored.status == 201);
  CHECK(stored.body.value("receipt", std::string()).size() == 64);
  // Same id: recorded, nothing stored again, no receipt (it went with the lost answer).
  auto retry = vote(codes[0], {"a"}, id);
  CHECK(retry.status == 200);
  CHECK(retry.body == json{{"stored", true}, {"already_stored", true}});
  // Another id, or none: a second ballot of a spent code, refused as before.
  auto second = vote(codes[0], {"b"}, other);
  CHECK(second.status == 409);
  CHECK(second.body["error"]["code"] == "used_code");
  CHECK(vote(codes[0], {"a"}, "").body["error"]["code"] == "used_code");
  // Old clients (no id): unchanged; an id sent later matches nothing stored.
  CHECK(vote(codes[1], {"b"}, "").status == 201);
  CHECK(vote(codes[1], {"b"}, "").body["error"]["code"] == "used_code");
  CHECK(vote(codes[1], {"b"}, id).body["error"]["code"] == "used_code");
  // An id not of 32 lowercase hex digits is refused at its field, before anything is spent.
  for (const std::string bad : {"0123", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdeg"}) {
    auto refused = vote(codes[2], {"a"}, bad);
    CHECK(refused.status == 400);
    CHECK(refused.body["error"]["code"] == "invalid_submission");
  }
  auto number = f.Call(http::verb::post, "/api/v1/processes/school/ballots",
                       json{{"code", codes[2]}, {"ballots", {{"main", {{"projects", {"a"}}}}}}, {"submission", 7}}.dump(), false);
  CHECK(number.body["error"]["code"] == "invalid_submission");
  // Two ballots stored in all, two codes voted: the retries added nothing.
  auto board = f.Call(http::verb::get, "/api/v1/processes/school/board", "", false);
  CHECK(board.body["ballots"] == 2);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/turnout").body["by_group"]["student"]["voted"] == 2);
  // After a restart the store still knows the id.
  f.RestartApi();
  CHECK(vote(codes[0], {"a"}, id).body == json{{"stored", true}, {"already_stored", true}});
  CHECK(vote(codes[0], {"a"}, other).body["error"]["code"] == "used_code");
  CHECK(vote(codes[2], {"c"}, other).status == 201);
}

TEST_CASE("api: a .pb file imports as a one-budget process") {
  Fixture f;
  const std::string pb =
      "META\nkey;value\ndescription;Imported\nbudget;300\nvote_type;approval\nmax_length;2\ncurrency;PLN\n"
      "PROJECTS\nproject_id;cost;name\np1;100;Park\np2;250;Pool\n";
  auto created = f.Call(http::verb::post, "/api/v1/processes/import?slug=imported", pb, true, "text/plain");
  REQUIRE(created.status == 201);
  auto got = f.Call(http::verb::get, "/api/v1/processes/imported");
  CHECK(got.body["definition"]["budgets"][0]["projects"][1]["name"] == "Pool");
  CHECK(got.body["definition"]["budgets"][0]["ballot"]["max_projects"] == 2);
  auto broken = f.Call(http::verb::post, "/api/v1/processes/import?slug=broken", "META\nkey;value\n", true, "text/plain");
  CHECK(broken.status == 422);
  // Found by http_request_fuzz: a Latin-1 name gave a 500 and left the slug reserved.
  const std::string latin1 = "META\nkey;value\nbudget;300\nvote_type;approval\nPROJECTS\nproject_id;cost;name\np1;100;Ogr\xf3" "d\n";
  auto refused = f.Call(http::verb::post, "/api/v1/processes/import?slug=latin", latin1, true, "text/plain");
  CHECK(refused.status == 422);
  CHECK(refused.body["error"]["message"].get<std::string>().find(":7: byte \\xf3 is not UTF-8") != std::string::npos);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/latin").status == 404);
  CHECK(f.Call(http::verb::post, "/api/v1/processes/import?slug=latin", pb, true, "text/plain").status == 201);
}

TEST_CASE("api: amounts keep their scale through storage (\"1000.00\" stays at cents)") {
  // Found by process_json_fuzz: "1000.00" was stored as "1000", so the published .pb lost the scale.
  Fixture f;
  const std::string def = R"({"slug":"cents","title":"C","budgets":[{"id":"m","amount":"1000.00","projects":[
      {"id":"a","name":"A","cost":"250.50"},{"id":"b","name":"B","cost":"300"}]}]})";
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", def).status == 201);
  auto got = f.Call(http::verb::get, "/api/v1/processes/cents");
  CHECK(got.body["definition"]["budgets"][0]["amount"] == "1000.00");
  CHECK(got.body["definition"]["budgets"][0]["projects"][0]["cost"] == "250.50");
  CHECK(got.body["definition"]["budgets"][0]["projects"][1]["cost"] == "300.00");
}

TEST_CASE("api: unknown fields inside a budget, its ballot or a project are refused") {
  Fixture f;
  const auto refused = [&](const std::string& def) {
    auto r = f.Call(http::verb::post, "/api/v1/processes", def);
    CHECK(r.status == 422);
    return r.body["error"]["message"].get<std::string>();
  };
  CHECK(refused(R"({"slug":"t","title":"T","budgets":[{"id":"m","amount":10,"balot":{"max_projects":1},
      "projects":[{"id":"a","name":"A","cost":5}]}]})") == "budgets[0].balot: unknown field");
  CHECK(refused(R"({"slug":"t","title":"T","budgets":[{"id":"m","amount":10,"ballot":{"max_project":1},
      "projects":[{"id":"a","name":"A","cost":5}]}]})") == "budgets[0].ballot.max_project: unknown field");
  CHECK(refused(R"({"slug":"t","title":"T","budgets":[{"id":"m","amount":10,
      "projects":[{"id":"a","name":"A","cost":5,"costs":6}]}]})") == "budgets[0].projects[0].costs: unknown field");
}

TEST_CASE_TEMPLATE("api: state survives a restart of the api over the same storage", B, test::Sqlite,
                   test::Postgres) {
  Fixture f(B::kBackend);
  auto codes = f.OpenSchool(2);
  REQUIRE(f.Vote(codes[0], {"a"}).status == 201);
  // A second Api over the same store sees the spent code.
  auto api2 = std::move(Api::Create(f.worker(), Sha256Hex(kToken), *SigningKey::Generate())).value();
  Request request{http::verb::post, "/api/v1/processes/school/ballots", 11};
  request.set(http::field::content_type, "application/json");
  request.body() = json{{"code", codes[0]}, {"ballots", {{"main", {{"projects", {"b"}}}}}}}.dump();
  request.prepare_payload();
  std::promise<Response> p;
  api2->Handle(std::move(request), "10.0.0.1", [&](Response r) { p.set_value(std::move(r)); });
  CHECK(p.get_future().get().result_int() == 409);
}

TEST_CASE("api: a process closed without results (a crash mid-close) is tallied at the next start") {
  Fixture f;
  auto codes = f.OpenSchool(2);
  REQUIRE(f.Vote(codes[0], {"a"}).status == 201);
  // What a kill between writing the close and writing its tally leaves behind.
  std::promise<void> closed;
  f.worker().Post([&](Storage& storage) {
    CHECK(storage.SetState(1, ProcessState::kClosed).ok());
    closed.set_value();
  });
  closed.get_future().wait();
  f.RestartApi();  // counts it in the background
  CHECK(f.WaitUntilCounted("school").body["state"] == "closed");
  auto r = f.Call(http::verb::get, "/api/v1/processes/school/results");
  REQUIRE(r.status == 200);
  CHECK(r.body["budgets"][0]["votes"]["a"] == 1);
}
