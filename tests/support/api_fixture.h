// An Api over a fresh store (SQLite unless told), called without sockets.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <optional>
#include <future>
#include <sstream>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

#include "psephos/server/api.h"
#include "psephos/server/secrets.h"
#include "test_storage.h"

namespace psephos::test {

using namespace psephos::server;
using nlohmann::json;

inline const std::string kToken = "organizer-secret";

inline const char* kSchool = R"({
  "slug": "school",
  "title": "Roosevelt High PB",
  "groups": ["student", "family"],
  "budgets": [{
    "id": "main", "amount": 100, "currency": "USD", "rule": "greedy",
    "ballot": {"type": "approval", "min_projects": 1, "max_projects": 2},
    "projects": [
      {"id": "a", "name": "Shade trees", "cost": 60},
      {"id": "b", "name": "Bike racks", "cost": 50},
      {"id": "c", "name": "Books", "cost": 40}
    ]
  }]
})";

struct Answer {
  int status;
  json body;
  std::string text;
};

// SQLite, or PostgreSQL when PSEPHOS_TEST_BACKEND=postgresql: ctest runs the
// API suites once more that way (tests/CMakeLists.txt).
inline Backend DefaultBackend() {
  const char* chosen = std::getenv("PSEPHOS_TEST_BACKEND");
  return chosen != nullptr && std::string_view(chosen) == "postgresql" ? Backend::kPostgres : Backend::kSqlite;
}

class Fixture {
 public:
  explicit Fixture(Backend backend = DefaultBackend()) : Fixture(DefaultOptions({}), backend) {}
  // `clock`: the wall clock the Api reads voting windows against (empty: the system's).
  explicit Fixture(std::function<std::int64_t()> clock) : Fixture(DefaultOptions(std::move(clock))) {}
  // With the given options (accounts_test.cc: cheap password hashes, a test clock).
  explicit Fixture(const ApiOptions& options, Backend backend = DefaultBackend()) : store_(backend), options_(options) {
    auto opened = store_.Open();
    REQUIRE_MESSAGE(opened.ok(), opened.status().message());
    Start(std::move(opened).value());
  }
  // Over a store opened elsewhere (a copy, another node).
  explicit Fixture(std::unique_ptr<Storage> storage, std::optional<ApiOptions> options = std::nullopt)
      : store_(Backend::kSqlite), options_(options ? *options : DefaultOptions({})) {
    Start(std::move(storage));
  }

  Answer Call(http::verb verb, const std::string& target, const std::string& body = "", bool admin = true,
              const std::string& type = "application/json", const std::string& client = "10.0.0.1") {
    return Send(verb, target, body, admin ? "Bearer " + kToken : "", type, client);
  }

  // With any Authorization header ("Device <token>", or none when empty).
  Answer Send(http::verb verb, const std::string& target, const std::string& body, const std::string& authorization,
              const std::string& type = "application/json", const std::string& client = "10.0.0.1") {
    Request request{verb, target, 11};
    if (!authorization.empty()) request.set(http::field::authorization, authorization);
    if (!body.empty()) request.set(http::field::content_type, type);
    request.body() = body;
    request.prepare_payload();
    auto promise = std::make_shared<std::promise<Response>>();
    auto future = promise->get_future();
    api_->Handle(std::move(request), client, [promise](Response r) { promise->set_value(std::move(r)); });
    Response r = future.get();
    Answer a{static_cast<int>(r.result_int()), json::parse(r.body(), nullptr, false), r.body()};
    return a;
  }

  // A batch of `count` codes of `group` for the school process; the codes.
  std::vector<std::string> MakeCodes(int count, const std::string& group) {
    auto batch = Call(http::verb::post, "/api/v1/processes/school/codes", json{{"count", count}, {"group", group}}.dump());
    REQUIRE(batch.status == 201);
    auto csv = Call(http::verb::get, batch.body["download"]);
    REQUIRE(csv.status == 200);
    std::vector<std::string> out;
    std::istringstream lines(csv.text);
    std::string line;
    std::getline(lines, line);  // header
    while (std::getline(lines, line)) out.push_back(line.substr(0, line.find(',')));
    return out;
  }

  // Creates the school process, codes for students, and opens it; returns the codes.
  std::vector<std::string> OpenSchool(int codes = 5) {
    REQUIRE(Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
    std::vector<std::string> out = MakeCodes(codes, "student");
    REQUIRE(Call(http::verb::post, "/api/v1/processes/school/open").status == 200);
    return out;
  }

  Answer Vote(const std::string& code, const json& projects, const std::string& client = "10.0.0.1") {
    json body{{"code", code}, {"ballots", {{"main", {{"projects", projects}}}}}};
    return Call(http::verb::post, "/api/v1/processes/school/ballots", body.dump(), false, "application/json", client);
  }

  // A new Api and database worker over the same store, as after a server
  // restart: the old ones stop as psephos-server stops them (the Api, then the
  // worker, which ends the jobs still queued), so none of the old Api's jobs
  // runs after it is gone.
  void RestartApi() {
    api_->Stop();
    worker_->Stop();
    api_.reset();
    worker_ = std::make_unique<DbWorker>(*storage_);
    api_ = std::move(Api::Create(*worker_, Sha256Hex(kToken), *SigningKey::Generate(), options_)).value();
  }

  // Polls the process until it is no longer being counted; its summary.
  Answer WaitUntilCounted(const std::string& slug) {
    for (;;) {
      Answer a = Call(http::verb::get, "/api/v1/processes/" + slug);
      if (a.status != 200 || a.body.value("state", "") != "tallying") return a;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  Api& api() { return *api_; }
  Storage& storage() { return *storage_; }
  const TestStore& store() const { return store_; }
  DbWorker& worker() { return *worker_; }

 private:
  static ApiOptions DefaultOptions(std::function<std::int64_t()> clock) {
    ApiOptions options;
    options.wrong_codes.burst = 5;
    options.now_ms = std::move(clock);
    return options;
  }
  void Start(std::unique_ptr<Storage> storage) {
    storage_ = std::move(storage);
    worker_ = std::make_unique<DbWorker>(*storage_);
    api_ = std::move(Api::Create(*worker_, Sha256Hex(kToken), *SigningKey::Generate(), options_)).value();
  }

  TestStore store_;
  ApiOptions options_;  // what RestartApi starts with
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<DbWorker> worker_;
  std::unique_ptr<Api> api_;
};

}  // namespace psephos::test
