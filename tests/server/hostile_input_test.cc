// What one hostile client can send: JSON nested past any sane depth, repeated
// keys, numbers past 64 bits, odd Authorization spellings, and wrong codes by
// the hundred from one shared address. Each attack first, then what it gets.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "../support/api_fixture.h"
#include "psephos/ballots/json_reader.h"
#include "psephos/ballots/validation.h"
#include "psephos/server/crash_log.h"
#include "psephos/server/wrong_code_limiter.h"

using namespace psephos;
using namespace psephos::test;
using ballots::ParseJson;

namespace {

const std::string kBase = "/api/v1/processes/school";

// `depth` arrays inside each other: "[[[...]]]".
std::string DeepArray(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// An object whose `field` holds `depth` nested arrays, the rest as in `base`.
std::string DeepBody(json base, const std::string& field, std::size_t depth) {
  base[field] = "@@DEEP@@";
  std::string text = base.dump();
  text.replace(text.find("\"@@DEEP@@\""), 10, DeepArray(depth));
  return text;
}

std::string ErrorCode(const Answer& a) { return a.body.is_object() ? a.body["error"].value("code", "") : ""; }
std::string ErrorMessage(const Answer& a) {
  return a.body.is_object() ? a.body["error"].value("message", "") : "";
}

}  // namespace

TEST_CASE("json reader: depth, repeated keys and out-of-range numbers are refused with where") {
  CHECK(ParseJson(DeepArray(64)).ok());
  auto too_deep = ParseJson(DeepArray(65));
  REQUIRE_FALSE(too_deep.ok());
  CHECK(too_deep.status().message().find("deeper than 64 levels") != std::string::npos);

  // 150,000 levels: refused at level 65, without recursion anywhere.
  auto attack = ParseJson(R"({"code": "x", "ballots": {"main": {"projects": )" + DeepArray(150000) + "}}}");
  REQUIRE_FALSE(attack.ok());
  CHECK(attack.status().message().find("deeper than 64 levels at ballots.main.projects[0][0]") != std::string::npos);

  ballots::JsonLimits shallow;
  shallow.max_depth = 2;
  CHECK(ParseJson(R"({"a": [1]})", shallow).ok());
  CHECK_FALSE(ParseJson(R"({"a": [[1]]})", shallow).ok());

  auto twice = ParseJson(R"({"code": "A", "ballots": {}, "code": "B"})");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().message() == "key \"code\" appears twice");
  auto nested_twice = ParseJson(R"({"ballots": {"main": {"projects": [], "projects": ["a"]}}})");
  REQUIRE_FALSE(nested_twice.ok());
  CHECK(nested_twice.status().message() == "key \"projects\" appears twice at ballots.main");
  CHECK(ParseJson(R"([{"a": 1}, {"a": 2}])").ok());  // the same key in two objects is fine

  auto huge = ParseJson(R"({"points": [1, 18446744073709551615]})");
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.status().message().find("18446744073709551615 is out of range") != std::string::npos);
  CHECK(huge.status().message().find("at points[1]") != std::string::npos);
  CHECK_FALSE(ParseJson(R"({"n": 100000000000000000000000})").ok());  // past 2^64: not silently a double
  CHECK_FALSE(ParseJson(R"({"n": 9223372036854775808})").ok());
  auto largest = ParseJson(R"({"n": 9223372036854775807, "m": -9223372036854775808, "f": 1.5e300})");
  REQUIRE(largest.ok());
  CHECK((*largest)["n"].get<std::int64_t>() == 9223372036854775807);
  CHECK((*largest)["f"].is_number_float());

  auto broken = ParseJson(R"({"a": tru})");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.status().message().find("byte") != std::string::npos);
  CHECK_FALSE(ParseJson("").ok());
  CHECK_FALSE(ParseJson("{} {}").ok());
}

TEST_CASE("attack: 150,000-deep JSON to every route that takes JSON gets 400 and spends nothing") {
  Fixture f;
  const auto codes = f.OpenSchool(3);
  auto kiosk = f.Call(http::verb::post, kBase + "/devices", json{{"role", "kiosk"}, {"name", "Hall"}}.dump());
  REQUIRE(kiosk.status == 201);
  auto clerk = f.Call(http::verb::post, kBase + "/devices", json{{"role", "clerk"}, {"name", "Desk"}}.dump());
  REQUIRE(clerk.status == 201);
  const std::string kiosk_auth = "Device " + kiosk.body["token"].get<std::string>();
  const std::string clerk_auth = "Device " + clerk.body["token"].get<std::string>();
  const std::string admin_auth = "Bearer " + kToken;
  constexpr std::size_t kDepth = 150000;

  struct Route {
    http::verb verb;
    std::string target;
    std::string authorization;
    std::string body;
  };
  const json vote{{"code", codes[0]}};
  const std::vector<Route> routes{
      {http::verb::post, kBase + "/ballots", "", DeepBody(vote, "ballots", kDepth)},
      {http::verb::post, kBase + "/ballots", "",
       R"({"code": ")" + codes[0] + R"(", "ballots": {"main": {"projects": )" + DeepArray(kDepth) + "}}}"},
      {http::verb::post, kBase + "/codes/check", "", DeepBody(vote, "extra", kDepth)},
      {http::verb::post, "/api/v1/processes", admin_auth, DeepBody(json::object(), "budgets", kDepth)},
      {http::verb::post, "/api/v1/processes/import?slug=deep", admin_auth, DeepBody(json::object(), "files", kDepth)},
      {http::verb::put, kBase, admin_auth, DeepBody(json::object(), "budgets", kDepth)},
      {http::verb::post, kBase + "/codes", admin_auth, DeepBody(json::object(), "group", kDepth)},
      {http::verb::post, kBase + "/devices", admin_auth, DeepBody(json::object(), "name", kDepth)},
      {http::verb::post, kBase + "/kiosk/session", kiosk_auth, DeepBody(vote, "area", kDepth)},
      {http::verb::post, kBase + "/checkin", clerk_auth, DeepBody(vote, "extra", kDepth)},
      {http::verb::post, kBase + "/paper/batches", admin_auth, DeepBody(json::object(), "area", kDepth)},
      {http::verb::post, kBase + "/paper/entries", clerk_auth, DeepBody(json{{"serial", "P1-0001-AA"}}, "ballots", kDepth)},
      {http::verb::post, kBase + "/paper/sheets/P1-0001-AA/resolve", admin_auth, DeepBody(json::object(), "ballots", kDepth)},
      {http::verb::post, kBase + "/ballots", "", DeepArray(kDepth)},  // the body itself
  };
  for (const Route& r : routes) {
    CAPTURE(r.target);
    const Answer a = f.Send(r.verb, r.target, r.body, r.authorization);
    CHECK(a.status == 400);
    CHECK(ErrorCode(a) == "malformed_json");
    CHECK(ErrorMessage(a).find("deeper than 64 levels") != std::string::npos);
  }
  // The voter whose code was sent with the attack can still vote, once.
  auto check = f.Call(http::verb::post, kBase + "/codes/check", json{{"code", codes[0]}}.dump(), false);
  CHECK(check.body["used"] == false);
  CHECK(f.Vote(codes[0], {"a"}).status == 201);
  CHECK(f.Vote(codes[0], {"b"}).status == 409);
}

TEST_CASE("attack: a repeated key or a 64-bit overflow in a ballot is refused, naming it") {
  Fixture f;
  const auto codes = f.OpenSchool(2);
  const std::string twice = R"({"code": ")" + codes[0] + R"(", "ballots": {"main": {"projects": ["a"]}}, "code": ")" +
                            codes[1] + R"("})";
  auto a = f.Call(http::verb::post, kBase + "/ballots", twice, false);
  CHECK(a.status == 400);
  CHECK(ErrorCode(a) == "malformed_json");
  CHECK(ErrorMessage(a).find("key \"code\" appears twice") != std::string::npos);

  const std::string overflow = R"({"code": ")" + codes[0] +
                               R"(", "ballots": {"main": {"projects": ["a"], "points": [18446744073709551615]}}})";
  auto b = f.Call(http::verb::post, kBase + "/ballots", overflow, false);
  CHECK(b.status == 400);
  CHECK(ErrorMessage(b).find("18446744073709551615 is out of range") != std::string::npos);
  // Neither spent a code.
  CHECK(f.Vote(codes[0], {"a"}).status == 201);
  CHECK(f.Vote(codes[1], {"b"}).status == 201);
}

TEST_CASE("points far past any vote are refused before they can overflow a count") {
  engine::Election e;
  e.ballot_type = engine::BallotType::kCumulative;
  e.budget = 100;
  e.projects.resize(2);
  e.projects[0].id = "a";
  e.projects[0].cost = 10;
  e.projects[1].id = "b";
  e.projects[1].cost = 10;
  ballots::BallotInput input;
  input.projects = {"a", "b"};
  input.points = {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max()};
  const auto problems = ballots::ValidateBallot(e, input);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].code == "points_out_of_range");
}

TEST_CASE("auth schemes are case-insensitive: bearer, BEARER, device") {
  Fixture f;
  f.OpenSchool(1);
  for (const std::string scheme : {"Bearer ", "bearer ", "BEARER ", "Bearer   "}) {
    CAPTURE(scheme);
    CHECK(f.Send(http::verb::get, "/api/v1/processes", "", scheme + kToken).status == 200);
  }
  CHECK(f.Send(http::verb::get, "/api/v1/processes", "", "Bearer" + kToken).status == 401);
  CHECK(f.Send(http::verb::get, "/api/v1/processes", "", "Basic " + kToken).status == 401);
  auto clerk = f.Call(http::verb::post, kBase + "/devices", json{{"role", "clerk"}, {"name", "Desk"}}.dump());
  REQUIRE(clerk.status == 201);
  const std::string token = clerk.body["token"];
  CHECK(f.Send(http::verb::get, kBase + "/device", "", "device " + token).status == 200);
  CHECK(f.Send(http::verb::get, kBase + "/device", "", "DEVICE " + token).status == 200);
}

namespace {
// A limiter with a small bucket (3), one back a second, waits up to 8 s; and a start time.
server::WrongCodeLimits SmallLimits() {
  server::WrongCodeLimits limits;
  limits.burst = 3;
  limits.refill_every = std::chrono::seconds(1);
  limits.max_wait = std::chrono::seconds(8);
  return limits;
}
const auto kLimiterStart = server::WrongCodeLimiter::Clock::time_point{} + std::chrono::hours(1);
}  // namespace

TEST_CASE("wrong-code limiter: a burst, one back per interval, doubling waits, no lockout") {
  server::WrongCodeLimiter limiter(SmallLimits());
  const auto t0 = kLimiterStart;
  using std::chrono::seconds;

  CHECK_FALSE(limiter.Wait("a", t0));
  for (int i = 0; i < 3; ++i) limiter.Failed("a", t0);
  REQUIRE(limiter.Wait("a", t0));
  CHECK(*limiter.Wait("a", t0) == seconds(1));
  CHECK_FALSE(limiter.Wait("b", t0));  // another key is not touched
  CHECK_FALSE(limiter.Wait("a", t0 + seconds(1)));  // one back after a second

  // Guessing on after emptying it: waits of 2, 4, 8, 8 seconds.
  auto now = t0 + seconds(1);
  limiter.Failed("a", now);
  for (int expected : {2, 4, 8, 8}) {
    const auto wait = limiter.Wait("a", now);
    REQUIRE(wait);
    CHECK(*wait == seconds(expected));
    now += *wait;
    CHECK_FALSE(limiter.Wait("a", now));
    limiter.Failed("a", now);
  }
  // Left alone until the bucket is full again, the key starts afresh.
  now += seconds(60);
  CHECK_FALSE(limiter.Wait("a", now));
  limiter.Failed("a", now);
  CHECK_FALSE(limiter.Wait("a", now));
}

TEST_CASE("wrong-code limiter: another node's batch, read a moment later, counts as of when it was written") {
  server::WrongCodeLimiter limiter(SmallLimits());
  const auto t0 = kLimiterStart;
  using std::chrono::milliseconds;
  using std::chrono::seconds;

  // Three at once (a batch of three): the burst is spent, as by three one at a time.
  limiter.Failed("a", t0, 3);
  REQUIRE(limiter.Wait("a", t0));
  CHECK(*limiter.Wait("a", t0) == seconds(1));
  // Two more, written half a second ago and read now: waits of 2 then 4 s, from then.
  const auto now = t0 + seconds(2);
  limiter.Failed("a", now - milliseconds(500), 2);
  REQUIRE(limiter.Wait("a", now));
  CHECK(*limiter.Wait("a", now) == seconds(4));  // 3.5 s left, rounded up
  // One more, written at t0 and read only now: the next doubled wait (8 s), from t0.
  limiter.Failed("a", t0);
  CHECK(*limiter.Wait("a", now) == seconds(6));
  // A huge batch is the longest wait, nothing worse.
  limiter.Failed("b", now, 1'000'000'000);
  REQUIRE(limiter.Wait("b", now));
  CHECK(*limiter.Wait("b", now) == seconds(8));
}

TEST_CASE("attack: wrong codes from one address slow that address, not devices or other addresses") {
  Fixture f;  // burst of 5 wrong codes
  const auto codes = f.OpenSchool(3);
  auto kiosk = f.Call(http::verb::post, kBase + "/devices", json{{"role", "kiosk"}, {"name", "Hall"}}.dump());
  REQUIRE(kiosk.status == 201);
  const std::string kiosk_auth = "Device " + kiosk.body["token"].get<std::string>();
  const std::string school_nat = "203.0.113.7";
  for (int i = 0; i < 5; ++i) {
    CHECK(f.Vote("WRONG-CODE-" + std::to_string(i), {"a"}, school_nat).status == 403);
  }
  auto limited = f.Vote(codes[0], {"a"}, school_nat);
  CHECK(limited.status == 429);
  CHECK(ErrorCode(limited) == "too_many_attempts");
  CHECK(ErrorMessage(limited).find("try again in 1 second") != std::string::npos);

  // The kiosk behind the same address is limited as a device, not by the address.
  auto session = f.Send(http::verb::post, kBase + "/kiosk/session", json{{"code", codes[1]}}.dump(), kiosk_auth,
                        "application/json", school_nat);
  CHECK(session.status == 201);
  // Another address votes as usual.
  CHECK(f.Vote(codes[2], {"b"}, "198.51.100.1").status == 201);

  // IPv6: one /64 is one client.
  for (int i = 0; i < 5; ++i) f.Vote("WRONG-" + std::to_string(i), {"a"}, "2001:db8:1:2::" + std::to_string(i + 1));
  CHECK(f.Vote("WRONG", {"a"}, "2001:db8:1:2:ffff::9").status == 429);
  CHECK(f.Vote("WRONG", {"a"}, "2001:db8:1:3::1").status == 403);
}

TEST_CASE("voter-code CSVs can be downloaded again until confirmed, then are forgotten") {
  Fixture f;
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  auto batch = f.Call(http::verb::post, kBase + "/codes", json{{"count", 3}, {"group", "student"}}.dump());
  REQUIRE(batch.status == 201);
  CHECK(batch.body["kept_until_ms"].is_number_integer());
  const std::string download = batch.body["download"];
  auto first = f.Call(http::verb::get, download);
  REQUIRE(first.status == 200);
  // The first download broke: the organizer asks again and gets the same codes.
  auto second = f.Call(http::verb::get, download);
  REQUIRE(second.status == 200);
  CHECK(second.text == first.text);
  CHECK(f.Call(http::verb::get, download, "", false).status == 401);
  CHECK(f.Call(http::verb::delete_, download, "", false).status == 401);

  auto confirmed = f.Call(http::verb::delete_, download);
  CHECK(confirmed.status == 200);
  CHECK(confirmed.body["forgotten"] == true);
  auto gone = f.Call(http::verb::get, download);
  CHECK(gone.status == 410);
  CHECK(ErrorCode(gone) == "codes_forgotten");
  CHECK(f.Call(http::verb::delete_, download).status == 410);
  CHECK(f.Call(http::verb::get, kBase + "/codes/x.csv").status == 404);
}

TEST_CASE("crash log: a route is logged with its values starred, never a code") {
  using server::RouteForLog;
  CHECK(RouteForLog("POST", "/api/v1/processes/school/ballots") == "POST /api/v1/processes/school/ballots");
  CHECK(RouteForLog("GET", "/api/v1/processes/school/board/receipts/" + std::string(64, 'a')) ==
        "GET /api/v1/processes/school/board/receipts/*");
  CHECK(RouteForLog("GET", "/vote/school?code=ABCD-EFGH-JKLM-NPQR") == "GET /vote/school");
  CHECK(RouteForLog("GET", "/api/v1/processes/school/codes/12.csv") == "GET /api/v1/processes/school/codes/*");
  CHECK(RouteForLog("POST", "/api/v1/processes/school/paper/sheets/P3-0007-K4/resolve") ==
        "POST /api/v1/processes/school/paper/sheets/*/resolve");
  CHECK(RouteForLog("GET", "/") == "GET /");

  // A child process crashes inside a request: one line names the signal and the route.
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(pipe_fds[1], STDERR_FILENO);
    server::InstallCrashLog();
    const server::CrashLogScope scope("POST", "/api/v1/processes/school/codes/check?code=ABCD-EFGH-JKLM-NPQR");
    std::raise(SIGSEGV);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string logged;
  char buffer[256];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) logged.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGSEGV);
  CHECK(logged == "psephos-server: crashed with SIGSEGV while handling POST /api/v1/processes/school/codes/check\n");
}
