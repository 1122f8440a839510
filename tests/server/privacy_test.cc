// Receipts and privacy (server/AUDIT.md "Receipt modes" and "Small groups"):
// each attack of issue #15 item 4 as a test.
#include <doctest/doctest.h>

#include <algorithm>

#include "../support/api_fixture.h"
#include "../support/cli_runner.h"
#include "psephos/server/ballot_log.h"
#include "psephos/server/bundle.h"
#include "psephos/server/disclosure.h"

using namespace psephos::server;
using nlohmann::json;
using psephos::test::Fixture;

namespace {

const std::string kBase = "/api/v1/processes/school";

// The school process with `changes` applied, open, with `codes` student codes.
std::vector<std::string> OpenSchoolWith(Fixture& f, const json& changes, int codes = 6) {
  json school = json::parse(psephos::test::kSchool);
  school.merge_patch(changes);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", school.dump()).status == 201);
  auto batch = f.Call(http::verb::post, kBase + "/codes", json{{"count", codes}, {"group", "student"}}.dump());
  REQUIRE(batch.status == 201);
  auto csv = f.Call(http::verb::get, batch.body["download"]);
  std::vector<std::string> out;
  std::size_t at = csv.text.find('\n') + 1;
  while (at < csv.text.size()) {
    const std::size_t end = csv.text.find('\n', at);
    out.push_back(csv.text.substr(at, csv.text.find(',', at) - at));
    at = end == std::string::npos ? csv.text.size() : end + 1;
  }
  REQUIRE(f.Call(http::verb::post, kBase + "/open").status == 200);
  return out;
}

void CloseAndPublish(Fixture& f) {
  REQUIRE(f.Call(http::verb::post, kBase + "/close").status == 200);
  REQUIRE(f.Call(http::verb::post, kBase + "/publish").status == 200);
}

psephos::test::Answer LookUp(Fixture& f, const std::string& receipt) {
  return f.Call(http::verb::get, kBase + "/board/receipts/" + receipt, "", false);
}

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool Mentions(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("privacy: the receipt mode and k are part of the definition, checked by name") {
  Fixture f;
  json school = json::parse(psephos::test::kSchool);
  school["receipts"] = "secret";
  auto bad = f.Call(http::verb::post, "/api/v1/processes", school.dump());
  CHECK(bad.status == 422);
  CHECK(bad.body["error"]["message"].get<std::string>().starts_with("receipts: must be verifiable"));
  school["receipts"] = "private";
  school["min_group_size"] = 0;
  bad = f.Call(http::verb::post, "/api/v1/processes", school.dump());
  CHECK(bad.status == 422);
  CHECK(bad.body["error"]["message"] == "min_group_size: must be from 1 to 1000");
  school["min_group_size"] = 10;
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", school.dump()).status == 201);
  auto stored = f.Call(http::verb::get, kBase);
  CHECK(stored.body["definition"]["receipts"] == "private");
  CHECK(stored.body["definition"]["min_group_size"] == 10);
  // Voters see the mode before voting; an old definition reads as verifiable, k 5.
  auto parsed = ParseProcessDefinition(json::parse(psephos::test::kSchool));
  REQUIRE(parsed.ok());
  CHECK(parsed->receipts == ReceiptMode::kVerifiable);
  CHECK(parsed->min_group_size == 5);
}

TEST_CASE("privacy: a private receipt's lookup shows neither the ballot nor whether it counted") {
  Fixture f;
  auto codes = OpenSchoolWith(f, {{"receipts", "private"}, {"revoting", "latest"}});
  // The voter changes their mind: the old receipt must not tell a coercer so.
  auto first = f.Vote(codes[0], {"a"});
  REQUIRE(first.status == 201);
  auto second = f.Vote(codes[0], {"b", "c"});
  REQUIRE(second.status == 201);
  REQUIRE(f.Vote(codes[1], {"c"}).status == 201);
  // The voter's device gets the opening of its receipt, and only it.
  const std::string entry = first.body["entry"];
  CHECK(LeafHash(entry) == first.body["receipt"]);
  CHECK(json::parse(entry)["ballot"]["main"]["projects"] == json::array({"a"}));
  CloseAndPublish(f);
  for (const auto* answer : {&first, &second}) {
    auto r = LookUp(f, answer->body["receipt"]);
    REQUIRE(r.status == 200);
    CHECK(r.body["receipts"] == "private");
    CHECK_FALSE(r.body.contains("ballot"));
    CHECK_FALSE(r.body.contains("entry"));
    CHECK_FALSE(r.body.contains("counted"));
    CHECK(r.text.find("\"projects\"") == std::string::npos);
    // It still proves the ballot is in the log the bundle publishes.
    CHECK(VerifyInclusion(answer->body["receipt"], r.body["index"], r.body["size"],
                          r.body["proof"].get<std::vector<std::string>>(), r.body["head"]));
  }
}

TEST_CASE("privacy: verifiable receipts show the ballot and a replaced ballot (the documented trade-off)") {
  Fixture f;
  auto codes = OpenSchoolWith(f, {{"revoting", "latest"}});
  auto first = f.Vote(codes[0], {"a"});
  REQUIRE(first.status == 201);
  CHECK_FALSE(first.body.contains("entry"));  // the board shows it after the close
  REQUIRE(f.Vote(codes[0], {"b"}).status == 201);
  CloseAndPublish(f);
  auto r = LookUp(f, first.body["receipt"]);
  REQUIRE(r.status == 200);
  CHECK(r.body["receipts"] == "verifiable");
  CHECK(r.body["ballot"]["main"]["projects"] == json::array({"a"}));
  CHECK(r.body["counted"] == false);
  auto bundle = f.Call(http::verb::get, kBase + "/bundle", "", false).body;
  CHECK(bundle["log"]["entries"][0]["superseded"] == true);
}

TEST_CASE("privacy: a private bundle links no leaf to a ballot, and still passes its audit") {
  Fixture f;
  auto codes = OpenSchoolWith(f, {{"receipts", "private"}});
  const std::vector<json> votes{{"c"}, {"a", "c"}, {"b"}, {"a"}, {"a", "c"}};
  std::vector<std::string> receipts, salts;
  for (std::size_t i = 0; i < votes.size(); ++i) {
    auto r = f.Vote(codes[i], votes[i]);
    REQUIRE(r.status == 201);
    receipts.push_back(r.body["receipt"]);
    salts.push_back(json::parse(r.body["entry"].get<std::string>())["salt"]);
  }
  CloseAndPublish(f);
  auto answer = f.Call(http::verb::get, kBase + "/bundle", "", false);
  REQUIRE(answer.status == 200);
  const json bundle = answer.body;
  CHECK(bundle["log"]["leaves"].get<std::vector<std::string>>() == receipts);  // arrival order: commitments only
  CHECK_FALSE(bundle["log"].contains("entries"));
  for (const auto& salt : salts) CHECK(answer.text.find(salt) == std::string::npos);
  CHECK(answer.text.find("superseded") == std::string::npos);
  // The counted ballots, sorted: their order is not the order of arrival.
  std::vector<std::string> published;
  for (const json& b : bundle["ballots"]) published.push_back(b.dump());
  CHECK(published == std::vector<std::string>{R"({"main":{"projects":["a","c"]}})", R"({"main":{"projects":["a","c"]}})",
                                               R"({"main":{"projects":["a"]}})", R"({"main":{"projects":["b"]}})",
                                               R"({"main":{"projects":["c"]}})"});
  const std::string key = f.Call(http::verb::get, "/api/v1/key", "", false).body["public_key"];
  const AuditReport report = AuditBundle(bundle, key);
  CHECK_MESSAGE(report.ok(), Lines(report.failed));
  CHECK(Mentions(report.passed, "5 leaves hash to head"));
  CHECK(Mentions(report.passed, "recount gives the same"));
  CHECK(Mentions(report.not_checked, "the ones the log's leaves commit to"));
  const ReceiptCheck check = CheckReceipt(bundle, receipts[3]);
  CHECK(check.found);
  CHECK(check.proof_ok);
  CHECK(check.entry.empty());

  // Tampering is still caught: the recount, the leaves and the count of ballots.
  json changed = bundle;
  changed["ballots"][0]["main"]["projects"] = json::array({"b"});
  CHECK(Mentions(AuditBundle(changed).failed, "the .pb file does not hold exactly"));
  json extra = bundle;
  extra["ballots"].push_back(json::parse(R"({"main":{"projects":["c"]}})"));
  CHECK(Mentions(AuditBundle(extra).failed, "6 counted ballots, but only 5 in the log"));
  json dropped = bundle;
  dropped["log"]["leaves"].erase(dropped["log"]["leaves"].begin());
  CHECK(Mentions(AuditBundle(dropped).failed, "leaves hash to head"));
  json arrival = bundle;  // published in arrival order: the audit says it could link them
  std::swap(arrival["ballots"][0], arrival["ballots"][4]);
  CHECK(Mentions(AuditBundle(arrival).failed, "not in sorted order"));
  json tagged = bundle;
  tagged["ballots"][4]["_channel"] = "paper";
  CHECK(Mentions(AuditBundle(tagged).failed, "some name their channel"));
}

TEST_CASE("privacy: public counts hide any group, area or channel below k, and what would give it away") {
  auto hide = [](std::vector<std::int64_t> values, bool show_zero) {
    std::vector<json> cells(values.begin(), values.end());
    std::vector<json*> ptrs;
    for (auto& c : cells) ptrs.push_back(&c);
    HideSmallCounts(ptrs, 5, show_zero);
    return json(cells).dump();
  };
  CHECK(hide({10, 7, 6}, false) == "[10,7,6]");
  // One small count alone could be worked out from the total: the next smallest goes too.
  CHECK(hide({10, 7, 1}, false) == R"([10,"hidden","<5"])");
  // Two small ones adding up to k or more are enough.
  CHECK(hide({10, 3, 2}, false) == R"([10,"<5","<5"])");
  // Two small ones adding up to less than k: one more.
  CHECK(hide({10, 6, 1, 1}, false) == R"([10,"hidden","<5","<5"])");
  CHECK(hide({3}, false) == R"(["<5"])");
  // Zero voters in a group says its members did not vote; zero paper ballots is about nobody.
  CHECK(hide({12, 0}, false) == R"(["hidden","<5"])");
  CHECK(hide({12, 0, 0}, true) == "[12,0,0]");
  CHECK(hide({12, 2, 0}, true) == R"(["hidden","<5",0])");

  Fixture f;
  json school = json::parse(psephos::test::kSchool);
  school["groups"] = {"student", "family", "educator"};
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", school.dump()).status == 201);
  std::vector<std::string> codes;
  for (const auto& [group, n] : std::vector<std::pair<std::string, int>>{{"student", 6}, {"family", 5}, {"educator", 1}}) {
    auto batch = f.Call(http::verb::post, kBase + "/codes", json{{"count", n}, {"group", group}}.dump());
    auto csv = f.Call(http::verb::get, batch.body["download"]).text;
    for (std::size_t at = csv.find('\n') + 1; at < csv.size(); at = csv.find('\n', at) + 1) {
      codes.push_back(csv.substr(at, csv.find(',', at) - at));
    }
  }
  REQUIRE(codes.size() == 12);
  REQUIRE(f.Call(http::verb::post, kBase + "/open").status == 200);
  for (const auto& code : codes) REQUIRE(f.Vote(code, {"a"}).status == 201);  // the lone educator too
  CloseAndPublish(f);
  auto results = f.Call(http::verb::get, kBase + "/results", "", false);
  REQUIRE(results.status == 200);
  const json turnout = results.body["turnout"];
  CHECK(turnout["min_group_size"] == 5);
  CHECK(turnout["by_group"]["educator"]["voted"] == "<5");
  CHECK(turnout["by_group"]["educator"]["ballots"] == "<5");
  CHECK(turnout["by_group"]["family"]["voted"] == "hidden");  // else 12 - 6 - 5 = 1
  CHECK(turnout["by_group"]["student"]["voted"] == 6);
  CHECK(turnout["by_group"]["educator"]["codes"] == 1);
  CHECK(turnout["voted"] == 12);
  CHECK(turnout["by_channel"] == json{{"online", 12}, {"kiosk", 0}, {"paper", 0}});
  // The organizer's own turnout keeps exact numbers.
  auto exact = f.Call(http::verb::get, kBase + "/turnout");
  CHECK(exact.body["by_group"]["educator"]["voted"] == 1);
  CHECK(f.Call(http::verb::get, kBase + "/turnout", "", false).status == 401);
}

TEST_CASE("privacy: below k, the totals and the bundle's channel counts are hidden too, and the audit agrees") {
  Fixture f;
  auto codes = OpenSchoolWith(f, {{"min_group_size", 3}});
  REQUIRE(f.Vote(codes[0], {"a"}).status == 201);
  REQUIRE(f.Vote(codes[1], {"b"}).status == 201);
  CloseAndPublish(f);
  auto results = f.Call(http::verb::get, kBase + "/results", "", false);
  CHECK(results.body["turnout"]["voted"] == "<3");
  CHECK(results.body["turnout"]["by_group"]["student"]["voted"] == "<3");
  CHECK(results.body["budgets"][0]["by_channel"]["online"] == "<3");
  auto bundle = f.Call(http::verb::get, kBase + "/bundle", "", false).body;
  CHECK(bundle["channels"]["online"] == "<3");
  CHECK(bundle["results"][0]["by_channel"]["online"] == "<3");
  const AuditReport report = AuditBundle(bundle);
  CHECK_MESSAGE(report.ok(), Lines(report.failed));
  // A hidden count that hides the wrong number is still a mismatch.
  bundle["channels"]["online"] = 7;
  CHECK(Mentions(AuditBundle(bundle).failed, "channels: the bundle says"));
}

TEST_CASE("privacy: psephos audit of a private bundle says what it checked and what it could not") {
  Fixture f;
  auto codes = OpenSchoolWith(f, {{"receipts", "private"}, {"revoting", "latest"}});
  std::vector<std::string> receipts;
  for (std::size_t i = 0; i < 5; ++i) {
    auto r = f.Vote(codes[i], i % 2 ? json{"a"} : json{"b", "c"});
    REQUIRE(r.status == 201);
    receipts.push_back(r.body["receipt"]);
  }
  REQUIRE(f.Vote(codes[0], {"c"}).status == 201);  // a re-vote: 6 leaves, 5 counted
  CloseAndPublish(f);
  const json bundle = f.Call(http::verb::get, kBase + "/bundle", "", false).body;
  CHECK(bundle.dump().find("superseded") == std::string::npos);  // no trace of who voted again
  CHECK(bundle["ballots"].size() == 5);
  psephos::test::TempDir dir;
  const std::string file = dir.file("bundle.json");
  std::ofstream(file) << bundle.dump();
  auto run = psephos::test::RunPsephos("audit " + file + " --receipt " + receipts[0]);
  CAPTURE(run.out);
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("ok       log: 6 leaves hash to head") != std::string::npos);
  CHECK(run.out.find("ok       ballots: 5 counted of 6 in the log") != std::string::npos);
  CHECK(run.out.find("n/a      cannot check ballots: that the published ballots are the ones") != std::string::npos);
  CHECK(run.out.find("n/a      cannot check revoting: which entries of the log were replaced") != std::string::npos);
  // The replaced ballot's receipt still proves its leaf, and nothing more.
  CHECK(run.out.find("receipt " + receipts[0] + ": ballot 1 of the log, inclusion proof") != std::string::npos);
  CHECK(run.out.find("private receipts: this proves the ballot is in the log") != std::string::npos);
  CHECK(run.out.find("entry:") == std::string::npos);
  CHECK(run.out.find("AUDIT PASSED") != std::string::npos);
}

TEST_CASE("privacy: with private receipts a kiosk gets the receipt only (it is not the voter's device)") {
  Fixture f;
  auto codes = OpenSchoolWith(f, {{"receipts", "private"}});
  auto device = f.Call(http::verb::post, kBase + "/devices",
                       R"({"role": "kiosk", "name": "Library tablet", "walk_in_allowance": 1})");
  REQUIRE(device.status == 201);
  const std::string auth = "Device " + device.body["token"].get<std::string>();
  // A kiosk stands in a public place: its "who am I" carries the public turnout.
  auto me = f.Send(http::verb::get, kBase + "/device", "", auth);
  REQUIRE(me.status == 200);
  CHECK(me.body["process"]["turnout"]["by_group"]["student"]["voted"] == "<5");
  CHECK(me.body["process"]["turnout"]["by_group"]["student"]["codes"] == 6);
  auto session = f.Send(http::verb::post, kBase + "/kiosk/session", "{}", auth);
  REQUIRE(session.status == 201);
  json body{{"code", session.body["code"]}, {"ballots", {{"main", {{"projects", {"a"}}}}}}};
  auto kiosk = f.Call(http::verb::post, kBase + "/ballots", body.dump(), false);
  REQUIRE(kiosk.status == 201);
  CHECK(kiosk.body.contains("receipt"));
  CHECK_FALSE(kiosk.body.contains("entry"));
  auto online = f.Vote(codes[0], {"b"});
  REQUIRE(online.status == 201);
  CHECK(online.body.contains("entry"));
}
