// Closing counts on its own thread: the close is on disk at once, the process
// reads "tallying" while its ballots are counted, and every other process keeps
// voting meanwhile. A large process makes the count last long enough to see.
#include <doctest/doctest.h>

#include <future>
#include <random>

#include "../support/api_fixture.h"
#include "psephos/server/ballot_log.h"
#include "psephos/server/process_phase.h"

namespace psephos::test {
namespace {

constexpr const char* kCity = "/api/v1/processes/city";
constexpr int kCityBallots = 60000;

// Stores the open process "city" with `n` ballots as if cast (through the
// storage, in a few transactions: casting them over the API would take the
// test minutes), then restarts the Api so that it loads them.
void StoreLargeProcess(Fixture& f, int n) {
  json definition_json = {{"slug", "city"},
                          {"title", "City PB"},
                          {"budgets", {{{"id", "city"},
                                        {"amount", 1000000},
                                        {"currency", "EUR"},
                                        {"rule", "greedy"},
                                        {"ballot", {{"type", "approval"}, {"min_projects", 1}, {"max_projects", 5}}},
                                        {"projects", json::array()}}}}};
  for (int i = 0; i < 20; ++i) {
    definition_json["budgets"][0]["projects"].push_back(
        {{"id", std::string("p").append(std::to_string(i))},
         {"name", std::string("Project ").append(std::to_string(i))},
         {"cost", 50000 + 7000 * i}});
  }
  const ProcessDefinition definition = ParseProcessDefinition(definition_json).value();
  std::promise<void> stored;
  f.worker().Post([&](Storage& storage) {
    const ProcessId id = storage.CreateProcess("city", ProcessDefinitionJson(definition).dump()).value();
    std::vector<std::string> hashes;
    for (int i = 0; i < n; ++i) hashes.push_back(std::string("code-").append(std::to_string(i)));
    REQUIRE(storage.AddCodeBatch(id, "", "", hashes, "").ok());
    REQUIRE(storage.SetState(id, ProcessState::kOpen).ok());
    std::minstd_rand rng(7);
    std::vector<BallotToStore> batch;
    for (int i = 0; i < n; ++i) {
      json projects = json::array();
      for (int k = 0; k < 20 && projects.size() < 5; ++k) {
        if (rng() % 4 == 0) projects.push_back(std::string("p").append(std::to_string(k)));
      }
      if (projects.empty()) projects.push_back(std::string("p").append(std::to_string(i % 20)));
      std::vector<ballots::BallotProblem> problems;
      BallotToStore b;
      b.process = id;
      b.code_hash = hashes[static_cast<std::size_t>(i)];
      b.ballot = CheckProcessBallot(definition, {{"ballots", {{"city", {{"projects", projects}}}}}}, &problems);
      if (!problems.empty()) FAIL("generated ballot " << i << " breaks the rules");
      b.salt = std::to_string(i);
      b.receipt = LeafHash(LogEntry("city", b.ballot, b.salt));
      batch.push_back(std::move(b));
      if (batch.size() == 5000 || i + 1 == n) {
        auto results = storage.AppendBallots(batch);
        REQUIRE(results.ok());
        batch.clear();
      }
    }
    stored.set_value();
  });
  stored.get_future().wait();
  f.RestartApi();
}

// POST …/close with "Prefer: respond-async".
Answer CloseAsync(Fixture& f, const std::string& path) {
  Request request{http::verb::post, path + "/close", 11};
  request.set(http::field::authorization, "Bearer " + kToken);
  request.set(http::field::prefer, "respond-async");
  std::promise<Response> answered;
  f.api().Handle(std::move(request), "10.0.0.1", [&](Response r) { answered.set_value(std::move(r)); });
  Response r = answered.get_future().get();
  return Answer{static_cast<int>(r.result_int()), json::parse(r.body(), nullptr, false), r.body()};
}

std::string StateOf(Fixture& f, const std::string& path) { return f.Call(http::verb::get, path).body.value("state", ""); }

}  // namespace

TEST_CASE("phase: every state's name parses back, unknown names do not") {
  for (auto p : {ProcessPhase::kDraft, ProcessPhase::kOpen, ProcessPhase::kClosing, ProcessPhase::kTallying,
                 ProcessPhase::kClosed, ProcessPhase::kPublished}) {
    CHECK(ParseProcessPhase(ProcessPhaseName(p)) == p);
  }
  CHECK_FALSE(ParseProcessPhase("counting").has_value());
  CHECK_FALSE(ParseProcessPhase("").has_value());
}

TEST_CASE("close: while a large process is counted, another keeps voting, it reads tallying, then closed") {
  Fixture f;
  StoreLargeProcess(f, kCityBallots);
  auto codes = f.OpenSchool(3);
  REQUIRE(StateOf(f, kCity) == "open");

  auto accepted = CloseAsync(f, kCity);
  REQUIRE(accepted.status == 202);
  CHECK(accepted.body["state"] == "tallying");
  CHECK(accepted.body["turnout"]["ballots"] == kCityBallots);

  // The school's ballots are answered while the city is still being counted.
  REQUIRE(f.Vote(codes[0], {"a"}).status == 201);
  REQUIRE(f.Vote(codes[1], {"b", "c"}).status == 201);
  CHECK(StateOf(f, kCity) == "tallying");

  // Meanwhile the city is closed for good, and nothing reads it as counted.
  auto ballot_page = f.Call(http::verb::get, std::string(kCity) + "/ballot", "", false);
  CHECK(ballot_page.body["state"] == "tallying");
  auto board = f.Call(http::verb::get, std::string(kCity) + "/board", "", false);
  CHECK(board.body["state"] == "tallying");
  CHECK(board.body["ballots"] == kCityBallots);
  bool listed = false;
  const Answer list = f.Call(http::verb::get, "/api/v1/processes");
  for (const auto& p : list.body["processes"]) {
    if (p["slug"] == "city") listed = p["state"] == "tallying";
  }
  CHECK(listed);
  auto results = f.Call(http::verb::get, std::string(kCity) + "/results");
  CHECK(results.status == 409);
  CHECK(results.body["error"]["code"] == "tallying");
  auto bundle = f.Call(http::verb::get, std::string(kCity) + "/bundle");
  CHECK(bundle.status == 409);
  CHECK(bundle.body["error"]["code"] == "tallying");
  auto publish = f.Call(http::verb::post, std::string(kCity) + "/publish");
  CHECK(publish.status == 409);
  CHECK(publish.body["error"]["code"] == "tallying");
  auto again = f.Call(http::verb::post, std::string(kCity) + "/close");
  CHECK(again.status == 409);
  CHECK(again.body["error"]["code"] == "wrong_state");
  auto late = f.Call(http::verb::post, std::string(kCity) + "/ballots",
                     json{{"code", "anything"}, {"ballots", {{"city", {{"projects", {"p1"}}}}}}}.dump(), false);
  CHECK(late.status == 409);
  CHECK(late.body["error"]["code"] == "election_closed");
  CHECK(StateOf(f, kCity) == "tallying");  // all of the above happened during the count

  auto counted = f.WaitUntilCounted("city");
  CHECK(counted.body["state"] == "closed");
  auto final_results = f.Call(http::verb::get, std::string(kCity) + "/results");
  REQUIRE(final_results.status == 200);
  std::int64_t approvals = 0;
  for (const auto& [project, votes] : final_results.body["budgets"][0]["votes"].items()) approvals += votes.get<std::int64_t>();
  CHECK(approvals >= kCityBallots);  // every ballot approves at least one project
  CHECK(f.Call(http::verb::post, std::string(kCity) + "/publish").status == 200);
  CHECK(StateOf(f, "/api/v1/processes/school") == "open");  // untouched
}

TEST_CASE("close: without Prefer the close answers once counted, with the results") {
  Fixture f;
  auto codes = f.OpenSchool(2);
  REQUIRE(f.Vote(codes[0], {"a"}).status == 201);
  auto closed = f.Call(http::verb::post, "/api/v1/processes/school/close");
  REQUIRE(closed.status == 200);
  CHECK(closed.body["state"] == "closed");
  CHECK(closed.body["results"][0]["votes"]["a"] == 1);
  CHECK(f.Call(http::verb::post, "/api/v1/processes/school/close").status == 409);
}

TEST_CASE("close: a restart while counting leaves the process closed, it is counted again at the start, "
          "in the background") {
  Fixture f;
  StoreLargeProcess(f, kCityBallots);
  REQUIRE(CloseAsync(f, kCity).status == 202);
  f.RestartApi();  // as after a crash or a stop mid-count: the results were never stored
  // The start did not wait for the count.
  CHECK(StateOf(f, kCity) == "tallying");
  CHECK(f.Call(http::verb::post, std::string(kCity) + "/ballots",
               json{{"code", "code-1"}, {"ballots", {{"city", {{"projects", {"p1"}}}}}}}.dump(), false)
            .status == 409);
  CHECK(f.WaitUntilCounted("city").body["state"] == "closed");
  CHECK(f.Call(http::verb::get, std::string(kCity) + "/results").status == 200);
  f.RestartApi();  // counted once: nothing to redo
  CHECK(StateOf(f, kCity) == "closed");
}

TEST_CASE("close: a stop while a close waits for its count answers 202 tallying") {
  Fixture f;
  StoreLargeProcess(f, kCityBallots);
  Request request{http::verb::post, std::string(kCity) + "/close", 11};
  request.set(http::field::authorization, "Bearer " + kToken);
  std::promise<Response> answered;
  auto future = answered.get_future();
  f.api().Handle(std::move(request), "10.0.0.1", [&](Response r) { answered.set_value(std::move(r)); });
  // Once the close is on disk (tallying), stop as the server does on SIGTERM.
  while (StateOf(f, kCity) != "tallying") std::this_thread::sleep_for(std::chrono::milliseconds(1));
  f.api().Stop();
  Response r = future.get();
  CHECK(r.result_int() == 202);
  CHECK(json::parse(r.body())["state"] == "tallying");
  f.RestartApi();
  CHECK(f.WaitUntilCounted("city").body["state"] == "closed");
}


TEST_CASE("close: a city's bundle and .pb export are read in slices and built off the database thread, "
          "another process votes meanwhile") {
  Fixture f;
  auto codes = f.OpenSchool(4);
  StoreLargeProcess(f, kCityBallots);
  REQUIRE(f.Call(http::verb::post, std::string(kCity) + "/close").status == 200);
  auto ask = [&](const std::string& path) {
    Request request{http::verb::get, path, 11};
    request.set(http::field::authorization, "Bearer " + kToken);
    auto answered = std::make_shared<std::promise<Response>>();
    auto future = answered->get_future();
    f.api().Handle(std::move(request), "10.0.0.1", [answered](Response r) { answered->set_value(std::move(r)); });
    return future;
  };
  auto bundle = ask(std::string(kCity) + "/bundle");
  auto exported = ask(std::string(kCity) + "/budgets/city.pb");
  // Both read 60,000 ballots and write megabytes; a voter of another process
  // is answered first, between their slices.
  CHECK(f.Vote(codes[0], {"a"}).status == 201);
  CHECK(bundle.wait_for(std::chrono::seconds(0)) != std::future_status::ready);
  CHECK(f.Vote(codes[1], {"b"}).status == 201);

  const Response answer = bundle.get();
  REQUIRE(answer.result_int() == 200);
  const json published = json::parse(answer.body());
  CHECK(published["log"]["entries"].size() == static_cast<std::size_t>(kCityBallots));
  const Response pb = exported.get();
  REQUIRE(pb.result_int() == 200);
  const std::string& text = pb.body();
  CHECK(text.find("num_votes;" + std::to_string(kCityBallots)) != std::string::npos);
  // Built once: asked again, the same text.
  CHECK(f.Call(http::verb::get, std::string(kCity) + "/bundle").text == answer.body());
}

}  // namespace psephos::test
