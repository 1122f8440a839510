// Several budgets voted online, at a kiosk and on paper, counted together:
// eligibility by area, headings, kiosk one-time codes, check-in, double entry.
#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "../support/api_fixture.h"
#include "../support/cli_runner.h"
#include "../support/shared_data.h"
#include "psephos/ballots/pabulib.h"
#include "psephos/server/bundle.h"
#include "psephos/server/paper.h"

namespace psephos::test {
namespace {

// A school district: every voter votes in the district budget and in their
// own school's. Six voters: k = 1 shows every count (privacy_test.cc hides them).
const char* kDistrict = R"({
  "slug": "district",
  "title": "Maple Unified PB 2026",
  "languages": ["en", "es"],
  "groups": ["student", "family"],
  "areas": ["lincoln", "washington"],
  "min_group_size": 1,
  "budgets": [
    {"id": "district", "title": "District-wide", "amount": 100, "rule": "greedy",
     "ballot": {"type": "approval", "min_projects": 1, "max_projects": 2},
     "projects": [{"id": "d1", "name": "Buses", "cost": 60}, {"id": "d2", "name": "Library", "cost": 50},
                  {"id": "d3", "name": "Solar", "cost": 40}]},
    {"id": "lincoln", "title": "Lincoln Elementary", "area": "lincoln", "amount": 30, "rule": "mes",
     "ballot": {"type": "approval", "max_projects": 1},
     "projects": [{"id": "l1", "name": "Garden", "cost": 20}, {"id": "l2", "name": "Murals", "cost": 25}]},
    {"id": "washington", "title": "Washington Middle", "area": "washington", "amount": 30, "rule": "greedy",
     "ballot": {"type": "approval", "max_projects": 1},
     "projects": [{"id": "w1", "name": "Benches", "cost": 10}, {"id": "w2", "name": "Lab", "cost": 30}]}
  ]
})";

const std::string kBase = "/api/v1/processes/district";

json Ballot(const std::string& district, const std::string& school_budget, const std::string& school_project) {
  json b{{"district", {{"projects", {district}}}}};
  if (!school_budget.empty()) b[school_budget] = {{"projects", {school_project}}};
  return b;
}

class District {
 public:
  explicit District(Fixture& f) : f_(f) {
    REQUIRE(f.Call(http::verb::post, "/api/v1/processes", kDistrict).status == 201);
    lincoln = Codes(4, "lincoln");
    washington = Codes(2, "washington");
    REQUIRE(f.Call(http::verb::post, kBase + "/open").status == 200);
  }

  std::vector<std::string> Codes(int n, const std::string& area) {
    auto batch = f_.Call(http::verb::post, kBase + "/codes", json{{"count", n}, {"group", "student"}, {"area", area}}.dump());
    REQUIRE(batch.status == 201);
    auto csv = f_.Call(http::verb::get, batch.body["download"]);
    REQUIRE(csv.status == 200);
    CHECK(csv.text.starts_with("code,group,area,language\n"));
    std::vector<std::string> out;
    std::istringstream lines(csv.text);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      CHECK(line.ends_with(",student," + area + ",en"));
      out.push_back(line.substr(0, line.find(',')));
    }
    return out;
  }

  Answer Vote(const std::string& code, const json& ballots) {
    return f_.Call(http::verb::post, kBase + "/ballots", json{{"code", code}, {"ballots", ballots}}.dump(), false);
  }

  // Signs a device in (with `extra` fields: a kiosk's limits); returns its "Device <token>" header.
  std::string Device(const std::string& role, const std::string& name, json extra = json::object()) {
    extra["role"] = role;
    extra["name"] = name;
    auto made = f_.Call(http::verb::post, kBase + "/devices", extra.dump());
    REQUIRE(made.status == 201);
    CHECK(made.body["sign_in"].get<std::string>().starts_with("/" + role + "#p=district&t="));
    return "Device " + made.body["token"].get<std::string>();
  }

  Answer As(const std::string& device, const std::string& path, const json& body) {
    return f_.Send(http::verb::post, kBase + path, body.dump(), device);
  }

  std::vector<std::string> lincoln, washington;

 private:
  Fixture& f_;
};

}  // namespace

TEST_CASE_TEMPLATE("in person: two budgets voted online, at a kiosk and on paper, each voter counted once, audited", B, Sqlite,
                   Postgres) {
  Fixture f(B::kBackend);
  District d(f);

  // Online: a code votes in the district budget and its own school's only.
  auto check = f.Call(http::verb::post, kBase + "/codes/check", json{{"code", d.washington[0]}}.dump(), false);
  CHECK(check.body["area"] == "washington");
  CHECK(check.body["budgets"] == json::array({"district", "washington"}));
  auto wrong_school = d.Vote(d.washington[0], Ballot("d1", "lincoln", "l1"));
  CHECK(wrong_school.status == 422);
  CHECK(wrong_school.body["error"]["problems"][0]["code"] == "not_eligible");
  CHECK(d.Vote(d.washington[0], Ballot("d1", "", "")).body["error"]["problems"][0]["code"] == "missing_budget");
  REQUIRE(d.Vote(d.washington[0], Ballot("d1", "washington", "w1")).status == 201);
  REQUIRE(d.Vote(d.lincoln[0], Ballot("d2", "lincoln", "l1")).status == 201);

  // Kiosk: a walk-in the volunteer vouched for, then a voter with a code (walk-ins
  // allowed, no wait between sessions: kiosk_test.cc tests the limits).
  const std::string kiosk = d.Device("kiosk", "Gym tablet", {{"walk_in_allowance", 10}, {"session_seconds", 0}});
  auto walk_in = d.As(kiosk, "/kiosk/session", {{"area", "lincoln"}, {"group", "family"}});
  REQUIRE(walk_in.status == 201);
  CHECK(walk_in.body["budgets"] == json::array({"district", "lincoln"}));
  REQUIRE(d.Vote(walk_in.body["code"], Ballot("d1", "lincoln", "l2")).status == 201);
  CHECK(d.Vote(walk_in.body["code"], Ballot("d1", "lincoln", "l2")).status == 409);  // one time
  auto with_code = d.As(kiosk, "/kiosk/session", {{"code", d.lincoln[1]}});
  REQUIRE(with_code.status == 201);
  CHECK(with_code.body["area"] == "lincoln");
  // The voter's own code is spent by the check-in: it cannot vote online too.
  CHECK(d.Vote(d.lincoln[1], Ballot("d1", "lincoln", "l1")).body["error"]["code"] == "used_code");
  auto kiosk_vote = d.Vote(with_code.body["code"], Ballot("d3", "lincoln", "l1"));
  REQUIRE(kiosk_vote.status == 201);
  const std::string kiosk_receipt = kiosk_vote.body["receipt"];
  // A code that voted online gets no kiosk session.
  CHECK(d.As(kiosk, "/kiosk/session", {{"code", d.lincoln[0]}}).body["error"]["code"] == "used_code");
  // A new session voids the kiosk's earlier one-time code nobody used.
  auto abandoned = d.As(kiosk, "/kiosk/session", {{"area", "washington"}});
  REQUIRE(abandoned.status == 201);
  REQUIRE(d.As(kiosk, "/kiosk/session", {{"area", "washington"}}).status == 201);
  CHECK(d.Vote(abandoned.body["code"], Ballot("d1", "washington", "w1")).status == 409);

  // Paper: a clerk checks a voter in (their code is then spent online), two
  // clerks enter every sheet.
  const std::string clerk_a = d.Device("clerk", "Table A");
  const std::string clerk_b = d.Device("clerk", "Table B");
  CHECK(d.As(kiosk, "/checkin", {{"code", d.lincoln[2]}}).status == 401);  // kiosks do not check in
  auto checked = d.As(clerk_a, "/checkin", {{"code", d.lincoln[2]}});
  REQUIRE(checked.status == 200);
  CHECK(checked.body["area"] == "lincoln");
  CHECK(d.Vote(d.lincoln[2], Ballot("d1", "lincoln", "l1")).body["error"]["code"] == "used_code");
  CHECK(d.As(clerk_a, "/checkin", {{"code", d.washington[0]}}).body["error"]["code"] == "used_code");  // voted online
  CHECK(d.As(clerk_b, "/checkin", {{"code", d.lincoln[2]}}).body["error"]["code"] == "used_code");  // no second sheet

  auto batch = f.Call(http::verb::post, kBase + "/paper/batches", json{{"count", 4}, {"area", "lincoln"}, {"language", "es"}}.dump());
  REQUIRE(batch.status == 201);
  const std::int64_t b = batch.body["batch"];
  auto sheets = f.Call(http::verb::get, kBase + "/paper/batches/" + std::to_string(b));
  REQUIRE(sheets.body["serials"].size() == 4);
  const std::string s1 = sheets.body["serials"][0], s2 = sheets.body["serials"][1], s3 = sheets.body["serials"][2];
  CHECK(s1 == PaperSerial(b, 1));
  // A clerk looks a sheet up: which area's budgets it holds (never its readings).
  auto sheet = f.Send(http::verb::get, kBase + "/paper/sheets/" + s1, "", clerk_b);
  CHECK(sheet.body == json{{"serial", s1}, {"batch", b}, {"area", "lincoln"},
                           {"budgets", {"district", "lincoln"}}, {"state", "printed"}});
  CHECK(f.Send(http::verb::get, kBase + "/paper/sheets/" + s1, "", kiosk).status == 401);
  std::string typo = s1;
  typo.back() = typo.back() == 'A' ? 'B' : 'A';
  CHECK(d.As(clerk_a, "/paper/entries", {{"serial", typo}, {"spoiled", true}}).body["error"]["code"] == "unknown_serial");
  CHECK(d.As(clerk_a, "/paper/entries", {{"serial", s1}, {"ballots", Ballot("d1", "washington", "w1")}}).status == 422);

  const auto enter = [&](const std::string& clerk, const std::string& serial, const json& ballots) {
    return d.As(clerk, "/paper/entries", {{"serial", serial}, {"ballots", ballots}});
  };
  // Sheet 1: both clerks read the same: it counts. A retry changes nothing.
  CHECK(enter(clerk_a, s1, Ballot("d2", "lincoln", "l2")).body["state"] == "entered_once");
  CHECK(enter(clerk_a, s1, Ballot("d2", "lincoln", "l2")).body["retry"] == true);
  CHECK(enter(clerk_b, s1, Ballot("d2", "lincoln", "l2")).body["state"] == "counted");
  // Sheet 2: the clerks disagree: held back.
  CHECK(enter(clerk_a, s2, Ballot("d1", "lincoln", "l1")).body["state"] == "entered_once");
  CHECK(enter(clerk_b, s2, Ballot("d3", "lincoln", "l1")).body["state"] == "mismatch");
  // Sheet 3: one clerk enters two different sheets with the same serial: a copy.
  CHECK(d.As(clerk_a, "/paper/entries", {{"serial", s3}, {"spoiled", true}}).body["state"] == "entered_once");
  CHECK(enter(clerk_a, s3, Ballot("d1", "lincoln", "l1")).body["state"] == "duplicate");
  // Sheet 1 again, from a third reader: a copied sheet, listed, the first reading stays counted.
  CHECK(f.Call(http::verb::post, kBase + "/paper/entries", json{{"serial", s1}, {"ballots", Ballot("d1", "lincoln", "l1")}}.dump())
            .body["state"] == "duplicate");

  auto attention = f.Call(http::verb::get, kBase + "/paper/sheets");
  CHECK(attention.body["counts"]["mismatch"] == 1);
  CHECK(attention.body["counts"]["duplicate"] == 2);
  CHECK(attention.body["counts"]["printed"] == 1);
  auto mismatched = f.Call(http::verb::get, kBase + "/paper/sheets?state=mismatch");
  REQUIRE(mismatched.body["sheets"].size() == 1);
  CHECK(mismatched.body["sheets"][0]["entries"][1]["by"] == "Table B");
  CHECK(mismatched.body["sheets"][0]["entries"][1]["ballots"]["district"]["projects"] == json::array({"d3"}));

  // Nothing unresolved is counted, and the close waits for it.
  CHECK(f.Call(http::verb::get, kBase + "/turnout").body["by_channel"]["paper"] == 1);
  auto early = f.Call(http::verb::post, kBase + "/close");
  CHECK(early.status == 409);
  CHECK(early.body["error"]["code"] == "paper_unresolved");
  CHECK(early.body["error"]["serials"].size() == 3);
  CHECK(d.As(clerk_a, "/paper/sheets/" + s2 + "/resolve", {{"spoiled", true}}).status == 401);  // organizers only
  const auto resolve = [&](const std::string& serial, const json& body) {
    return f.Call(http::verb::post, kBase + "/paper/sheets/" + serial + "/resolve", body.dump());
  };
  CHECK(resolve(s1, {{"spoiled", true}}).body["error"]["code"] == "cannot_resolve");  // counted already: keep
  CHECK(resolve(s1, {{"keep", true}}).body["state"] == "counted");
  CHECK(resolve(s2, {{"ballots", Ballot("d3", "lincoln", "l1")}}).body["state"] == "counted");
  CHECK(resolve(s3, {{"spoiled", true}}).body["state"] == "spoiled");

  // Turnout: per channel, budget, area and group; codes count voters, not kiosk one-time codes.
  auto turnout = f.Call(http::verb::get, kBase + "/turnout").body;
  CHECK(turnout["by_channel"] == json{{"online", 2}, {"kiosk", 2}, {"paper", 2}});
  CHECK(turnout["ballots"] == 6);
  CHECK(turnout["by_budget"] == json{{"district", 6}, {"lincoln", 5}, {"washington", 1}});
  CHECK(turnout["codes"] == 6);
  CHECK(turnout["voted"] == 4);  // two online, one kiosk check-in, one paper check-in
  CHECK(turnout["by_area"]["lincoln"] == json{{"codes", 4}, {"voted", 3}, {"ballots", 5}});

  // The state survives a restart, sheets included.
  const json devices = f.Call(http::verb::get, kBase + "/devices").body;
  CHECK(devices["devices"][1]["checkins"] == 1);  // Table A
  CHECK(devices["devices"][1]["entries"] == 4);
  CHECK(devices["devices"][0]["sessions"] == 4);  // the kiosk
  f.RestartApi();
  CHECK(f.Call(http::verb::get, kBase + "/devices").body == devices);
  CHECK(f.Call(http::verb::get, kBase + "/turnout").body == turnout);
  CHECK(f.Call(http::verb::get, kBase + "/paper/sheets").body == f.Call(http::verb::get, kBase + "/paper/sheets").body);
  CHECK(f.Call(http::verb::get, kBase + "/paper/sheets?state=spoiled").body["sheets"].size() == 1);
  CHECK(d.Vote(d.lincoln[1], Ballot("d1", "lincoln", "l1")).body["error"]["code"] == "used_code");

  REQUIRE(f.Call(http::verb::post, kBase + "/close").status == 200);
  REQUIRE(f.Call(http::verb::post, kBase + "/publish").status == 200);
  auto results = f.Call(http::verb::get, kBase + "/results", "", false).body;
  REQUIRE(results["budgets"].size() == 3);
  CHECK(results["budgets"][0]["by_channel"] == json{{"online", 2}, {"kiosk", 2}, {"paper", 2}});
  CHECK(results["budgets"][1]["by_channel"] == json{{"online", 1}, {"kiosk", 2}, {"paper", 2}});
  CHECK(results["budgets"][2]["ballots"] == 1);
  // District votes: d1 online+kiosk (2), d2 online+paper (2), d3 kiosk+paper (2).
  CHECK(results["budgets"][0]["votes"] == json{{"d1", 2}, {"d2", 2}, {"d3", 2}});

  auto bundle = f.Call(http::verb::get, kBase + "/bundle", "", false).body;
  CHECK(bundle["channels"] == json{{"online", 2}, {"kiosk", 2}, {"paper", 2}});
  const AuditReport report = AuditBundle(bundle);
  std::string failures;
  for (const auto& line : report.failed) failures += line + "\n";
  CHECK_MESSAGE(report.ok(), failures);
  // An auditor's `psephos audit` on the downloaded bundle, with a kiosk voter's receipt.
  TempDir dir;
  { std::ofstream(dir.file("bundle.json")) << bundle.dump(); }
  const CliRun audit = RunPsephos("audit " + dir.file("bundle.json") + " --receipt " + kiosk_receipt);
  CHECK_MESSAGE(audit.exit_code == 0, (audit.out + audit.err));
  CHECK(audit.out.find("AUDIT PASSED") != std::string::npos);
  CHECK(audit.out.find("\"kiosk\":2") != std::string::npos);
  // A paper ballot moved to "online" in the published counts is caught.
  json tampered = bundle;
  tampered["channels"]["paper"] = 1;
  tampered["channels"]["online"] = 3;
  CHECK_FALSE(AuditBundle(tampered).ok());
  { std::ofstream(dir.file("tampered.json")) << tampered.dump(); }
  const CliRun caught = RunPsephos("audit " + dir.file("tampered.json"));
  CHECK(caught.exit_code == 1);
  CHECK(caught.out.find("MISMATCH channels") != std::string::npos);
}

TEST_CASE("api: Warsaw 2026 imports as one process from its .pb files, and each budget exports back") {
  Fixture f;
  json files = json::object();
  for (const char* name : {"Poland_Warszawa_2026.pb", "Poland_Warszawa_2026_Wlochy.pb",
                           "Poland_Warszawa_2026_Szczesliwice.pb", "Poland_Warszawa_2026_Sady_Zoliborskie.pb"}) {
    std::ifstream in(SharedPabulib() / name, std::ios::binary);
    files[name] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  auto made = f.Call(http::verb::post, "/api/v1/processes/import?slug=warszawa-2026",
                     json{{"title", "Warszawa 2026"}, {"files", files}}.dump());
  REQUIRE_MESSAGE(made.status == 201, made.text);
  auto got = f.Call(http::verb::get, "/api/v1/processes/warszawa-2026").body["definition"];
  REQUIRE(got["budgets"].size() == 4);
  CHECK(got["budgets"][0]["id"] == "Poland_Warszawa_2026");  // name order: the city-wide file first
  CHECK(got["budgets"][0]["min_score"] == 3000);
  CHECK_FALSE(got["budgets"][0].contains("heading"));
  CHECK(got["budgets"][1]["heading"] == got["headings"][0]["id"]);
  // Each budget exports as a .pb file that reads back with its projects and amount.
  auto pb = f.Call(http::verb::get, "/api/v1/processes/warszawa-2026/budgets/Poland_Warszawa_2026.pb");
  REQUIRE(pb.status == 200);
  auto election = ballots::ParsePabulib(pb.text, "export.pb");
  REQUIRE_MESSAGE(election.ok(), election.status().message());
  CHECK(election->budget == 24186815);
  CHECK(election->projects.size() == 83);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/warszawa-2026/budgets/nope.pb").status == 404);
  // By area instead, and errors that name the file.
  auto by_area = f.Call(http::verb::post, "/api/v1/processes/import?slug=warszawa-areas",
                        json{{"files", files}, {"local_budgets", "area"}}.dump());
  REQUIRE(by_area.status == 201);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/warszawa-areas").body["definition"]["areas"].size() == 3);
  auto broken = f.Call(http::verb::post, "/api/v1/processes/import?slug=broken",
                       json{{"files", {{"a.pb", "META\nkey;value\nbudget;x\n"}}}}.dump());
  CHECK(broken.status == 422);
  CHECK(broken.body["error"]["message"].get<std::string>().starts_with("a.pb:"));
  CHECK(f.Call(http::verb::post, "/api/v1/processes/import?slug=broken", json{{"files", 5}}.dump()).status == 422);
}

TEST_CASE_TEMPLATE("in person: one code raced through every channel at once is used once", B, Sqlite,
                   Postgres) {
  Fixture f(B::kBackend);
  District d(f);
  const std::string kiosk = d.Device("kiosk", "Gym tablet", {{"session_seconds", 0}});
  const std::string clerk = d.Device("clerk", "Table A");
  for (const std::string& code : d.lincoln) {
    std::atomic<int> online{0}, kiosk_sessions{0}, checkins{0}, refused{0}, other{0};
    std::vector<std::thread> racers;
    for (int i = 0; i < 30; ++i) {
      racers.emplace_back([&, i] {
        Answer a = i % 3 == 0   ? d.Vote(code, Ballot("d1", "lincoln", "l1"))
                   : i % 3 == 1 ? d.As(kiosk, "/kiosk/session", {{"code", code}})
                                : d.As(clerk, "/checkin", {{"code", code}});
        if (a.status == 201 && i % 3 == 0) ++online;
        else if (a.status == 201) ++kiosk_sessions;
        else if (a.status == 200) ++checkins;
        else if (a.status == 409) ++refused;
        else ++other;
      });
    }
    for (auto& t : racers) t.join();
    CHECK(online + kiosk_sessions + checkins == 1);
    CHECK(refused == 29);
    CHECK(other == 0);
  }
  // Four codes, four uses; one ballot for each that voted online.
  auto turnout = f.Call(http::verb::get, kBase + "/turnout").body;
  CHECK(turnout["by_area"]["lincoln"]["voted"] == 4);
  auto stored = f.storage().LoadBallots(1);
  REQUIRE(stored.ok());
  CHECK(stored->size() == static_cast<std::size_t>(turnout["by_channel"]["online"].get<int>()));
}

TEST_CASE("in person: headings let a voter vote in one budget of a group") {
  Fixture f;
  const char* parks = R"({"slug": "parks", "title": "Parks", "headings": [{"id": "park", "title": "Your park"}],
    "budgets": [
      {"id": "city", "amount": 10, "projects": [{"id": "c1", "name": "Trees", "cost": 5}]},
      {"id": "north", "heading": "park", "amount": 10, "projects": [{"id": "n1", "name": "Pond", "cost": 5}]},
      {"id": "south", "heading": "park", "amount": 10, "ballot": {"min_projects": 0}, "projects": [{"id": "s1", "name": "Swings", "cost": 5}]}]})";
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", parks).status == 201);
  auto batch = f.Call(http::verb::post, "/api/v1/processes/parks/codes", json{{"count", 3}}.dump());
  auto csv = f.Call(http::verb::get, batch.body["download"]).text;
  std::vector<std::string> codes;
  for (std::size_t at = csv.find('\n'); at + 1 < csv.size(); at = csv.find('\n', at + 1)) codes.push_back(csv.substr(at + 1, 19));
  REQUIRE(codes.size() == 3);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/parks/open").status == 200);
  const auto vote = [&](const std::string& code, const json& ballots) {
    return f.Call(http::verb::post, "/api/v1/processes/parks/ballots", json{{"code", code}, {"ballots", ballots}}.dump(), false);
  };
  const json city{{"projects", {"c1"}}};
  auto both = vote(codes[0], {{"city", city}, {"north", {{"projects", {"n1"}}}}, {"south", {{"projects", {"s1"}}}}});
  CHECK(both.body["error"]["problems"][0]["code"] == "one_per_heading");
  CHECK(vote(codes[0], {{"city", city}}).body["error"]["problems"][0]["code"] == "missing_heading");
  CHECK(vote(codes[0], {{"city", city}, {"north", {{"projects", {"n1"}}}}}).status == 201);
  CHECK(vote(codes[1], {{"city", city}, {"south", {{"projects", {"s1"}}}}}).status == 201);
  CHECK(vote(codes[2], {{"city", city}, {"south", {{"projects", json::array()}}}}).status == 201);
  auto turnout = f.Call(http::verb::get, "/api/v1/processes/parks/turnout").body;
  CHECK(turnout["by_heading"]["park"] == 3);
  CHECK(turnout["by_budget"] == json{{"city", 3}, {"north", 1}, {"south", 2}});
}

TEST_CASE("in person: devices are signed in, scoped to their role, and revoked") {
  Fixture f;
  District d(f);
  CHECK(f.Call(http::verb::post, kBase + "/devices", json{{"role", "admin"}, {"name", "x"}}.dump()).status == 422);
  CHECK(f.Call(http::verb::post, kBase + "/devices", json{{"role", "kiosk"}}.dump()).status == 422);
  CHECK(f.Send(http::verb::post, kBase + "/devices", json{{"role", "kiosk"}, {"name", "x"}}.dump(), "").status == 401);
  const std::string kiosk = d.Device("kiosk", "Library tablet");
  const std::string clerk = d.Device("clerk", "Front desk");
  auto me = f.Send(http::verb::get, kBase + "/device", "", kiosk);
  CHECK(me.body["role"] == "kiosk");
  CHECK(me.body["process"]["slug"] == "district");
  // A device is not an organizer, a clerk not a kiosk, and a token not almost-right.
  CHECK(f.Send(http::verb::get, kBase + "/turnout", "", kiosk).status == 401);
  CHECK(d.As(clerk, "/kiosk/session", {{"area", "lincoln"}}).status == 401);
  CHECK(d.As(kiosk.substr(0, kiosk.size() - 1), "/kiosk/session", {{"area", "lincoln"}}).status == 401);
  CHECK(d.As("", "/checkin", {{"code", d.lincoln[0]}}).status == 401);
  CHECK(d.As(kiosk, "/kiosk/session", {{"area", "mars"}}).body["error"]["code"] == "invalid_area");
  auto list = f.Call(http::verb::get, kBase + "/devices").body["devices"];
  REQUIRE(list.size() == 2);
  CHECK(list[0].dump().find("token") == std::string::npos);  // shown once, at sign-in
  const std::string id = std::to_string(list[0]["id"].get<std::int64_t>());
  REQUIRE(f.Call(http::verb::post, kBase + "/devices/" + id + "/revoke").status == 200);
  CHECK(d.As(kiosk, "/kiosk/session", {{"area", "lincoln"}}).status == 401);
  f.RestartApi();
  CHECK(d.As(kiosk, "/kiosk/session", {{"area", "lincoln"}}).status == 401);
  CHECK(f.Send(http::verb::get, kBase + "/device", "", clerk).status == 200);
}

TEST_CASE("paper: serials carry check characters and double entry follows its rules") {
  CHECK(PaperSerial(3, 7).starts_with("P3-0007-"));
  CHECK(PaperSerial(3, 7).size() == 10);
  auto parsed = ParsePaperSerial(" p3-0007-" + PaperSerial(3, 7).substr(8) + " ");
  REQUIRE(parsed);
  CHECK(parsed->batch == 3);
  CHECK(parsed->number == 7);
  CHECK(ParsePaperSerial("P3-0007-00").has_value() == (PaperSerial(3, 7) == "P3-0007-00"));
  CHECK_FALSE(ParsePaperSerial("P3-7-" + PaperSerial(3, 7).substr(8)));  // not the printed form
  CHECK_FALSE(ParsePaperSerial("garbage"));
  int caught = 0;
  for (int n = 1; n <= 200; ++n) caught += ParsePaperSerial(PaperSerial(4, n + 1).substr(0, 8) + PaperSerial(4, n).substr(8)) ? 0 : 1;
  CHECK(caught >= 190);  // a wrong sheet number with another's check characters is refused

  const PaperEntryRecord a{1, R"({"x":1})", false, std::nullopt, 0}, a2{1, R"({"x":2})", false, std::nullopt, 0},
      b{2, R"({"x":1})", false, std::nullopt, 0}, c{2, R"({"x":2})", false, std::nullopt, 0},
      spoiled_a{1, "", true, std::nullopt, 0}, spoiled_b{2, "", true, std::nullopt, 0};
  CHECK(ReplayPaperEntries({a}).state == PaperSheetState::kEnteredOnce);
  CHECK(ReplayPaperEntries({a, b}).state == PaperSheetState::kCounted);
  CHECK(ReplayPaperEntries({a, b}).counted);
  CHECK(ReplayPaperEntries({a, a, b}).state == PaperSheetState::kCounted);  // a retry
  CHECK(ReplayPaperEntries({a, c}).state == PaperSheetState::kMismatch);
  CHECK(ReplayPaperEntries({a, a2}).state == PaperSheetState::kDuplicate);
  CHECK(ReplayPaperEntries({spoiled_a, spoiled_b}).state == PaperSheetState::kSpoiled);
  CHECK_FALSE(ReplayPaperEntries({spoiled_a, spoiled_b}).counted);
  const PaperSheetStatus copied = ReplayPaperEntries({a, b, c});
  CHECK(copied.state == PaperSheetState::kDuplicate);
  CHECK(copied.counted);
  const PaperEntryRecord count{0, R"({"x":2})", false, PaperResolution::kCount, 0},
      keep{0, "", false, PaperResolution::kKeep, 0};
  CHECK(DecidePaperEntry(copied, {a, b, c}, count).refused != "");
  CHECK(DecidePaperEntry(copied, {a, b, c}, keep).after.state == PaperSheetState::kCounted);
  const PaperDecision resolved = DecidePaperEntry(ReplayPaperEntries({a, c}), {a, c}, count);
  CHECK(resolved.count);
  CHECK(resolved.after.state == PaperSheetState::kCounted);
  CHECK(DecidePaperEntry(ReplayPaperEntries({a}), {a}, count).refused != "");  // waits for a second clerk
}

}  // namespace psephos::test
