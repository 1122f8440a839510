// What an organizer saves: amounts that cannot be misread, the slips of a
// steering committee refused at their field, and the exports.
#include <doctest/doctest.h>

#include <fstream>

#include "../support/api_fixture.h"
#include "../support/cli_runner.h"
#include "psephos/server/exports.h"

namespace psephos::test {
namespace {

json School() { return json::parse(kSchool); }

Answer Save(Fixture& f, const json& definition) {
  return f.Call(http::verb::post, "/api/v1/processes", definition.dump());
}

void RequireRefused(const Answer& a, const std::string& field, const std::string& words) {
  CHECK(a.status == 422);
  CHECK(a.body["error"]["code"] == "invalid_definition");
  CHECK(a.body["error"]["field"] == field);
  CHECK(a.body["error"]["message"].get<std::string>().find(words) != std::string::npos);
}

TEST_CASE("a comma in an amount is refused at its field, never read as a decimal point") {
  Fixture f;
  json d = School();
  d["budgets"][0]["amount"] = "50,000";
  RequireRefused(Save(f, d), "budgets[0].amount", "comma is ambiguous");
  d = School();
  d["budgets"][0]["projects"][1]["cost"] = "50,5";
  RequireRefused(Save(f, d), "budgets[0].projects[1].cost", "comma is ambiguous");
  d = School();
  d["budgets"][0]["amount"] = "$20000";
  RequireRefused(Save(f, d), "budgets[0].amount", "not an amount");
  // Nothing was stored by the refusals.
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school").status == 404);
  d = School();
  d["budgets"][0]["amount"] = "100.00";
  REQUIRE(Save(f, d).status == 201);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school").body["definition"]["budgets"][0]["amount"] == "100.00");
}

TEST_CASE("a project dearer than its budget, or free, is refused at save") {
  Fixture f;
  json d = School();
  d["budgets"][0]["projects"][2]["cost"] = 101;
  RequireRefused(Save(f, d), "budgets[0].projects[2].cost", "more than the whole budget");
  d["budgets"][0]["projects"][2]["cost"] = 0;
  RequireRefused(Save(f, d), "budgets[0].projects[2].cost", "more than 0");
  d["budgets"][0]["projects"][2]["cost"] = 100;  // exactly the budget is fine
  CHECK(Save(f, d).status == 201);
  // And an edit of the draft is checked the same way.
  d["budgets"][0]["projects"][0]["cost"] = 1000;
  RequireRefused(f.Call(http::verb::put, "/api/v1/processes/school", d.dump()), "budgets[0].projects[0].cost",
                 "more than the whole budget");
}

TEST_CASE("the other slips of a steering committee are refused, each naming its field") {
  Fixture f;
  json d = School();
  d["budgets"][0]["amount"] = 0;
  d["budgets"][0]["projects"] = json::array({{{"id", "a"}, {"name", "A"}, {"cost", 0}}});
  RequireRefused(Save(f, d), "budgets[0].amount", "no money");
  d = School();
  d["budgets"][0]["projects"][1]["name"] = "  shade TREES ";
  RequireRefused(Save(f, d), "budgets[0].projects[1].name", "also the name of project 1");
  d = School();
  d["budgets"][0]["projects"][1]["id"] = "a";
  RequireRefused(Save(f, d), "budgets[0].projects[1].id", "used twice");
  d = School();
  d["budgets"][0]["ballot"] = {{"type", "approval"}, {"min_projects", 2}, {"max_projects", 1}};
  RequireRefused(Save(f, d), "budgets[0].ballot.min_projects", "more than max_projects");
  d["budgets"][0]["ballot"] = {{"type", "approval"}, {"max_projects", 0}};
  RequireRefused(Save(f, d), "budgets[0].ballot.max_projects", "choose nothing");
  d["budgets"][0]["ballot"] = {{"type", "knapsack"}, {"max_cost", 30}};
  RequireRefused(Save(f, d), "budgets[0].ballot.max_cost", "cheapest project");
  d = School();
  d["budgets"][0]["projects"] = json::array();
  RequireRefused(Save(f, d), "budgets[0].projects", "at least one project");
  d = School();
  d["budgets"][0]["ballot"] = {{"type", "cumulative"}, {"min_total_points", 5}, {"max_total_points", 3}};
  RequireRefused(Save(f, d), "budgets[0].ballot.min_total_points", "more than max_total_points");
}

TEST_CASE("a blank minimum means one project per ballot, an explicit 0 allows an empty ballot") {
  Fixture f;
  json d = School();
  d["budgets"][0]["ballot"] = {{"type", "approval"}};
  REQUIRE(Save(f, d).status == 201);
  auto stored = f.Call(http::verb::get, "/api/v1/processes/school").body["definition"]["budgets"][0]["ballot"];
  CHECK(stored["min_projects"] == 1);
  auto batch = f.Call(http::verb::post, "/api/v1/processes/school/codes", json{{"count", 2}, {"group", "student"}}.dump());
  auto csv = f.Call(http::verb::get, batch.body["download"]);
  const std::string code = csv.text.substr(csv.text.find('\n') + 1, csv.text.find(',', csv.text.find('\n')) - csv.text.find('\n') - 1);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/open").status == 200);
  auto empty = f.Vote(code, json::array());
  CHECK(empty.status == 422);
  CHECK(empty.body["error"]["problems"][0]["code"] == "too_few_projects");

  Fixture g;
  d["budgets"][0]["ballot"] = {{"type", "approval"}, {"min_projects", 0}};
  REQUIRE(Save(g, d).status == 201);
  CHECK(g.Call(http::verb::get, "/api/v1/processes/school").body["definition"]["budgets"][0]["ballot"]["min_projects"] == 0);
}

TEST_CASE("results.csv: one row per budget and project, turnout.csv: one row per group") {
  Fixture f;
  auto codes = f.OpenSchool(4);
  REQUIRE(f.Vote(codes[0], {"a", "c"}).status == 201);
  REQUIRE(f.Vote(codes[1], {"a"}).status == 201);
  REQUIRE(f.Vote(codes[2], {"b"}).status == 201);
  // The public sees nothing before publication; the organizer's turnout is live.
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/results.csv", "", false).status == 409);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/turnout.csv", "", false).status == 409);
  auto live = f.Call(http::verb::get, "/api/v1/processes/school/turnout.csv");
  CHECK(live.status == 200);
  CHECK(live.text == "group,codes,voted,percent,ballots\nstudent,4,3,75.0,3\n(all),4,3,75.0,3\n");
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/close").status == 200);
  auto csv = f.Call(http::verb::get, "/api/v1/processes/school/results.csv");
  REQUIRE(csv.status == 200);
  // greedy, budget 100: a (2 votes, 60) funded in round 1; b and c (1 vote) tie, b first by id: 50 no longer fits.
  CHECK(csv.text ==
        "budget,project,name,cost,votes,score,funded,round\n"
        "main,a,Shade trees,60,2,2,yes,1\n"
        "main,b,Bike racks,50,1,1,no,\n"
        "main,c,Books,40,1,1,yes,3\n");
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/publish").status == 200);
  auto pub = f.Call(http::verb::get, "/api/v1/processes/school/results.csv", "", false);
  CHECK(pub.status == 200);
  CHECK(pub.text == csv.text);
  // The public turnout hides groups below the smallest group size (5): 3 voters show as "<5".
  auto turnout = f.Call(http::verb::get, "/api/v1/processes/school/turnout.csv", "", false);
  CHECK(turnout.status == 200);
  CHECK(turnout.text.find("student,4,<5") != std::string::npos);
}

TEST_CASE("a CSV field is quoted when needed and never runs as a spreadsheet formula") {
  CHECK(CsvField("Bike racks") == "Bike racks");
  CHECK(CsvField("Trees, shade") == "\"Trees, shade\"");
  CHECK(CsvField("The \"big\" one") == "\"The \"\"big\"\" one\"");
  CHECK(CsvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
  CHECK(CsvField("-5") == "'-5");
}

TEST_CASE("psephos audit without --key warns that it trusts the bundle's own key, and prints it") {
  Fixture f;
  auto codes = f.OpenSchool(2);
  REQUIRE(f.Vote(codes[0], {"a"}).status == 201);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/close").status == 200);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/publish").status == 200);
  auto bundle = f.Call(http::verb::get, "/api/v1/processes/school/bundle", "", false);
  REQUIRE(bundle.status == 200);
  const std::string key = f.Call(http::verb::get, "/api/v1/key", "", false).body["public_key"];
  TempDir dir;
  const std::string file = dir.file("bundle.json");
  std::ofstream(file) << bundle.text;
  auto trusting = RunPsephos("audit " + file);
  CHECK(trusting.exit_code == 0);
  CHECK(trusting.out.find("WARNING  no --key given: trusting the key inside the bundle itself, " + key) != std::string::npos);
  auto published = RunPsephos("audit " + file + " --key " + key);
  CHECK(published.exit_code == 0);
  CHECK(published.out.find("WARNING") == std::string::npos);
}

TEST_CASE("--help on every psephos command prints that command's usage") {
  for (const std::string command : {"tally", "explain", "check", "audit"}) {
    auto help = RunPsephos(command + " --help");
    CHECK_MESSAGE(help.exit_code == 0, command);
    CHECK_MESSAGE(help.out.rfind("usage: psephos " + command + " ", 0) == 0, help.out);
    CHECK(help.err.empty());
  }
  auto audit = RunPsephos("audit -h");
  CHECK(audit.out.find("--receipt proves") != std::string::npos);
  CHECK(audit.out.find("tally") == std::string::npos);  // only audit's part
}

}  // namespace
}  // namespace psephos::test
