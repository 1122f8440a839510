// Who got what by interest-holder group (issue #18): the per-budget report's
// `by_group`, its small groups hidden from the public (server/AUDIT.md).
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <future>

#include "../support/api_fixture.h"
#include "psephos/server/bundle.h"
#include "psephos/server/disclosure.h"
#include "psephos/server/process.h"

using namespace psephos::server;
using nlohmann::json;
using psephos::test::Fixture;

namespace {

const std::string kBase = "/api/v1/processes/school";

std::vector<std::string> Codes(Fixture& f, const std::string& group, int n) {
  auto batch = f.Call(http::verb::post, kBase + "/codes", json{{"count", n}, {"group", group}}.dump());
  REQUIRE(batch.status == 201);
  const std::string csv = f.Call(http::verb::get, batch.body["download"]).text;
  std::vector<std::string> out;
  for (std::size_t at = csv.find('\n') + 1; at < csv.size(); at = csv.find('\n', at) + 1) {
    out.push_back(csv.substr(at, csv.find(',', at) - at));
  }
  return out;
}

const json* Row(const json& by_group, const std::string& value) {
  for (const json& row : by_group) {
    if (row.value("value", "") == value) return &row;
  }
  return nullptr;
}

}  // namespace

// Greedy on 100 (a 60, b 50, c 40). Votes: a 7, b 5, c 3: a is funded, b no
// longer fits, c does; 100 spent.
//   students  {a} {a} {a,c} {b} {b,c} {c}: funded 1,1,2,0,1,1 -> 6 voters, 1 with
//             nothing, 6/6 = 1 funded, (60+60+100+0+40+40)/6 = 50 each; they chose
//             a, b and c: a and c take all 100 spent -> share 1.
//   families  {a} {a} {b} {a} {a,b}: 1,1,0,1,1 -> 5 voters, 1 nothing (0.2),
//             4/5 = 0.8 funded, 4 x 60 / 5 = 48 each; they chose a and b: 60 of 100.
//   educator  {b}: nothing funded (share 1), 0 funded, cost 0, money share 0.
TEST_CASE("group report: by_group per interest-holder group, small ones hidden from the public only") {
  Fixture f;
  json school = json::parse(psephos::test::kSchool);
  school["groups"] = {"student", "family", "educator"};
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", school.dump()).status == 201);
  const auto students = Codes(f, "student", 6);
  const auto families = Codes(f, "family", 5);
  const auto educators = Codes(f, "educator", 1);
  REQUIRE(f.Call(http::verb::post, kBase + "/open").status == 200);
  const std::vector<json> student_votes{{"a"}, {"a"}, {"a", "c"}, {"b"}, {"b", "c"}, {"c"}};
  const std::vector<json> family_votes{{"a"}, {"a"}, {"b"}, {"a"}, {"a", "b"}};
  for (std::size_t i = 0; i < students.size(); ++i) REQUIRE(f.Vote(students[i], student_votes[i]).status == 201);
  for (std::size_t i = 0; i < families.size(); ++i) REQUIRE(f.Vote(families[i], family_votes[i]).status == 201);
  REQUIRE(f.Vote(educators[0], {"b"}).status == 201);
  REQUIRE(f.Call(http::verb::post, kBase + "/close").status == 200);

  // The organizer sees every group, the lone educator too.
  auto exact = f.Call(http::verb::get, kBase + "/results");
  REQUIRE(exact.status == 200);
  const json report = exact.body["budgets"][0]["report"];
  CHECK(report["outcomes"][0]["spent"] == 100);
  CHECK_FALSE(report["outcomes"][0].contains("groups"));
  const json& by_group = report["by_group"];
  REQUIRE(by_group.size() == 3);
  const json* student = Row(by_group, "student");
  const json* family = Row(by_group, "family");
  const json* educator = Row(by_group, "educator");
  REQUIRE((student && family && educator));
  CHECK((*student)["figures"]["voters"] == 6);
  CHECK((*student)["figures"]["nothing_funded"] == 1);
  CHECK((*student)["figures"]["average_funded"].get<double>() == doctest::Approx(1.0));
  CHECK((*student)["figures"]["average_funded_cost"].get<double>() == doctest::Approx(50.0));
  CHECK((*student)["money_share"].get<double>() == doctest::Approx(1.0));
  CHECK((*family)["figures"]["voters"] == 5);
  CHECK((*family)["figures"]["nothing_funded_share"].get<double>() == doctest::Approx(0.2));
  CHECK((*family)["figures"]["average_funded"].get<double>() == doctest::Approx(0.8));
  CHECK((*family)["figures"]["average_funded_cost"].get<double>() == doctest::Approx(48.0));
  CHECK((*family)["money_share"].get<double>() == doctest::Approx(0.6));
  CHECK((*educator)["figures"]["voters"] == 1);
  CHECK((*educator)["figures"]["nothing_funded_share"].get<double>() == doctest::Approx(1.0));
  CHECK((*educator)["figures"]["average_funded"].get<double>() == doctest::Approx(0.0));
  CHECK((*educator)["money_share"].get<double>() == doctest::Approx(0.0));

  // The public: the educator's row below k = 5 is hidden whole, and so is the
  // families' (else 12 voters minus the others' would give the educator's).
  REQUIRE(f.Call(http::verb::post, kBase + "/publish").status == 200);
  auto pub = f.Call(http::verb::get, kBase + "/results", "", false);
  REQUIRE(pub.status == 200);
  const json& shown = pub.body["budgets"][0]["report"]["by_group"];
  REQUIRE(shown.size() == 3);
  CHECK(*Row(shown, "student") == *student);
  CHECK(*Row(shown, "educator") == json{{"value", "educator"}, {"hidden", "<5"}});
  CHECK(*Row(shown, "family") == json{{"value", "family"}, {"hidden", "hidden"}});

  // The bundle publishes the same; its ballots carry no group, so the audit
  // says it could not recompute by_group and checks the rest of the report.
  auto bundle = f.Call(http::verb::get, kBase + "/bundle", "", false).body;
  CHECK(bundle["results"][0]["report"]["by_group"] == shown);
  const AuditReport audit = AuditBundle(bundle);
  CHECK(audit.ok());
  bool named = false;
  for (const auto& line : audit.not_checked) named = named || line.find("by group") != std::string::npos;
  CHECK(named);
  bool matched = false;
  for (const auto& line : audit.passed) matched = matched || line == "budget main: the who-got-what report matches the recount";
  CHECK(matched);
  // Tampering with the rest of the report is still caught.
  bundle["results"][0]["report"]["outcomes"][0]["voters"]["voters"] = 13;
  CHECK_FALSE(AuditBundle(bundle).ok());

  // A crash between the close and its tally: the restart counts again, groups too.
  std::promise<psephos::Status> cleared;
  f.worker().Post([&](Storage& s) { cleared.set_value(s.SetResults(1, "")); });
  REQUIRE(cleared.get_future().get().ok());
  f.RestartApi();
  // The restart counts in the background: results answer 409 until then.
  auto recounted = f.Call(http::verb::get, kBase + "/results");
  for (int i = 0; i < 3000 && recounted.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    recounted = f.Call(http::verb::get, kBase + "/results");
  }
  REQUIRE(recounted.status == 200);
  CHECK(recounted.body["budgets"][0]["report"]["by_group"] == by_group);
}

TEST_CASE("group report: TallyProcess names ballots without a group '(none)' and keeps walk-ins apart") {
  auto definition = ParseProcessDefinition(json::parse(psephos::test::kSchool));
  REQUIRE(definition.ok());
  const std::vector<std::string> ballots{R"({"main":{"projects":["a"]}})", R"({"main":{"projects":["b"]}})",
                                         R"({"main":{"projects":["a","c"]}})"};
  auto tally = TallyProcess(*definition, ballots, {"", "(walk-in)", "student"});
  REQUIRE(tally.ok());
  const json& by_group = (*tally)[0]["report"]["by_group"];
  REQUIRE(by_group.size() == 4);  // with the definition's "family", whose voters are 0
  CHECK(by_group[0]["value"] == "(none)");
  CHECK(by_group[1]["value"] == "(walk-in)");
  CHECK(by_group[1]["figures"]["nothing_funded"] == 1);  // b: 50 does not fit after a's 60
  CHECK(by_group[2]["value"] == "family");
  CHECK(by_group[3]["value"] == "student");
  CHECK(by_group[3]["figures"]["average_funded"].get<double>() == doctest::Approx(2.0));
  // A group of the definition nobody of which voted has a row of 0 voters,
  // hidden publicly (its absence would tell), and with it the one that would
  // give it away.
  json school = json::parse(psephos::test::kSchool);
  school["min_group_size"] = 2;
  auto two = ParseProcessDefinition(school);
  REQUIRE(two.ok());
  auto students_only = TallyProcess(*two, ballots, {"student", "student", "student"});
  REQUIRE(students_only.ok());
  const json& rows = (*students_only)[0]["report"]["by_group"];
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["value"] == "family");
  CHECK(rows[0]["figures"]["voters"] == 0);
  CHECK(rows[1]["figures"]["voters"] == 3);
  CHECK(PublicByGroup(rows, 2) == json::parse(R"([{"value":"family","hidden":"<2"},{"value":"student","hidden":"hidden"}])"));
  // Without groups (the auditor's recount) there is no by_group; a wrong count is an error.
  auto plain = TallyProcess(*definition, ballots);
  REQUIRE(plain.ok());
  CHECK_FALSE((*plain)[0]["report"].contains("by_group"));
  CHECK_FALSE(TallyProcess(*definition, ballots, {"student"}).ok());
}
