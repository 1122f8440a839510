// Implementation (#19 item 4): milestones of funded projects, written by
// editors after the count, read by the public once published, as JSON and
// CSV; then the attacks (hostile fields, another process's project, roles).
#include <doctest/doctest.h>

#include "../support/committee.h"

namespace psephos::test {
namespace {

const std::string kSchoolPath = "/api/v1/processes/school";
const std::string kTrees = kSchoolPath + "/implementation/main/a";  // funded below
const std::string kRacks = kSchoolPath + "/implementation/main/b";  // not funded

// The school process (or another slug), in English and Spanish, voted,
// closed and (unless told) published: "a" (shade trees) and "c" (books)
// funded, "b" not.
void VoteAndClose(Fixture& f, const std::string& slug = "school", bool publish = true) {
  json definition = json::parse(kSchool);
  definition["slug"] = slug;
  definition["languages"] = {"en", "es"};
  const std::string path = "/api/v1/processes/" + slug;
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", definition.dump()).status == 201);
  auto batch = f.Call(http::verb::post, path + "/codes", json{{"count", 3}, {"group", "student"}}.dump());
  REQUIRE(batch.status == 201);
  auto csv = f.Call(http::verb::get, batch.body["download"]);
  std::vector<std::string> codes;
  std::istringstream lines(csv.text);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) codes.push_back(line.substr(0, line.find(',')));
  REQUIRE(f.Call(http::verb::post, path + "/open").status == 200);
  const std::vector<json> picks = {{"a", "c"}, {"a", "c"}, {"b"}};
  for (std::size_t i = 0; i < picks.size(); ++i) {
    json body{{"code", codes[i]}, {"ballots", {{"main", {{"projects", picks[i]}}}}}};
    REQUIRE(f.Call(http::verb::post, path + "/ballots", body.dump(), false).status == 201);
  }
  Answer closed = f.Call(http::verb::post, path + "/close");
  REQUIRE_MESSAGE(closed.status == 200, closed.text);
  if (publish) REQUIRE(f.Call(http::verb::post, path + "/publish").status == 200);
}

Answer AddMilestone(Fixture& f, const std::string& project_path, const json& body) {
  return f.Call(http::verb::post, project_path + "/milestones", body.dump());
}

const json kFirst = {{"title", "Trees ordered"}, {"status", "in_progress"}, {"date", "2027-02-01"}, {"progress", 40},
                     {"notes", "Twelve oaks, from the city nursery."},
                     {"translations", {{"es", {{"title", "Árboles pedidos"}, {"notes", "Doce robles."}}}}}};

TEST_CASE("implementation: no milestone before the results are published") {
  Fixture f;
  auto codes = f.OpenSchool(2);
  REQUIRE(f.Vote(codes[0], {"a"}).status == 201);
  Answer early = AddMilestone(f, kTrees, kFirst);
  CHECK(early.status == 409);
  CHECK(early.body["error"]["code"] == "results_not_published");
  CHECK(f.Call(http::verb::get, kSchoolPath + "/implementation", "", false).body["error"]["code"] ==
        "results_not_published");
  CHECK(f.Call(http::verb::get, kSchoolPath + "/implementation").status == 409);  // organizers too: nothing funded yet
  CHECK(f.Call(http::verb::get, kSchoolPath + "/implementation.csv", "", false).status == 409);
}

TEST_CASE("implementation: the whole follow-up of a funded project") {
  Fixture f;
  VoteAndClose(f, "school", false);
  // Closed and counted, not published: the organizers read, the public waits, and no milestone is recorded.
  CHECK(f.Call(http::verb::get, kSchoolPath + "/implementation", "", false).status == 409);
  CHECK(f.Call(http::verb::get, kSchoolPath + "/implementation.csv", "", false).status == 409);
  CHECK(f.Call(http::verb::get, kSchoolPath + "/implementation").status == 200);
  Answer unpublished = AddMilestone(f, kTrees, kFirst);
  CHECK(unpublished.status == 409);
  CHECK(unpublished.body["error"]["code"] == "results_not_published");
  CHECK(f.Call(http::verb::get, kTrees).body["milestones"].empty());
  // Nor does the implementation phase's date make up for it, open or not.
  REQUIRE(f.Call(http::verb::post, kSchoolPath + "/phases/implementation/open").status == 200);
  CHECK(AddMilestone(f, kTrees, kFirst).body["error"]["code"] == "results_not_published");
  REQUIRE(f.Call(http::verb::post, kSchoolPath + "/publish").status == 200);

  Answer first = AddMilestone(f, kTrees, kFirst);
  REQUIRE_MESSAGE(first.status == 201, first.text);
  CHECK(first.body["status"] == "in_progress");
  CHECK(first.body["translations"]["es"]["title"] == "Árboles pedidos");
  const std::int64_t id = first.body["id"];
  // Only funded projects have milestones.
  Answer unfunded = AddMilestone(f, kRacks, kFirst);
  CHECK(unfunded.status == 409);
  CHECK(unfunded.body["error"]["code"] == "not_funded");
  CHECK(AddMilestone(f, kSchoolPath + "/implementation/main/zzz", kFirst).status == 404);
  CHECK(AddMilestone(f, kSchoolPath + "/implementation/other/a", kFirst).status == 404);

  Answer list = f.Call(http::verb::get, kSchoolPath + "/implementation", "", false);
  REQUIRE_MESSAGE(list.status == 200, list.text);
  CHECK(list.body["funded"] == 2);
  CHECK(list.body["delivered"] == 0);
  REQUIRE(list.body["projects"].size() == 2);
  CHECK(list.body["projects"][0]["project"] == "a");
  CHECK(list.body["projects"][0]["stage"] == "underway");
  CHECK(list.body["projects"][0]["progress"] == 40);
  CHECK(list.body["projects"][1]["project"] == "c");
  CHECK(list.body["projects"][1]["stage"] == "not_started");
  CHECK(list.body["projects"][1]["milestones"].empty());

  // The project's page; an unfunded one has none.
  Answer page = f.Call(http::verb::get, kTrees, "", false);
  REQUIRE(page.status == 200);
  CHECK(page.body["name"] == "Shade trees");
  CHECK(page.body["milestones"][0]["notes"] == "Twelve oaks, from the city nursery.");
  CHECK(f.Call(http::verb::get, kRacks, "", false).body["error"]["code"] == "not_funded");

  // Edited: done is 100 percent; the project is delivered once all its milestones are done.
  Answer later = AddMilestone(f, kTrees, {{"title", "Trees planted"}, {"date", "2027-04-10"}});
  REQUIRE(later.status == 201);
  CHECK(later.body["status"] == "planned");
  CHECK(later.body["progress"] == 0);
  Answer done = f.Call(http::verb::put, kTrees + "/milestones/" + std::to_string(id), json{{"status", "done"}}.dump());
  REQUIRE_MESSAGE(done.status == 200, done.text);
  CHECK(done.body["progress"] == 100);
  CHECK(done.body["title"] == "Trees ordered");  // fields left out stay
  CHECK(f.Call(http::verb::get, kTrees, "", false).body["delivered"] == false);  // "Trees planted" is still planned
  const std::string later_path = kTrees + "/milestones/" + std::to_string(later.body["id"].get<std::int64_t>());
  REQUIRE(f.Call(http::verb::put, later_path, json{{"status", "cancelled"}}.dump()).status == 200);
  page = f.Call(http::verb::get, kTrees, "", false);
  CHECK(page.body["delivered"] == true);  // a cancelled milestone is not waited for
  CHECK(page.body["stage"] == "delivered");
  CHECK(page.body["progress"] == 100);
  CHECK(f.Call(http::verb::get, kSchoolPath + "/implementation", "", false).body["delivered"] == 1);

  // The CSV: one row per milestone, a row for a project without any.
  Answer csv = f.Call(http::verb::get, kSchoolPath + "/implementation.csv", "", false);
  REQUIRE(csv.status == 200);
  CHECK(csv.text ==
        "budget,project,name,delivered,project_progress,milestone,title,status,date,progress,notes\n"
        "main,a,Shade trees,yes,100," + std::to_string(id) + ",Trees ordered,done,2027-02-01,100,"
        "\"Twelve oaks, from the city nursery.\"\n"
        "main,a,Shade trees,yes,100," + std::to_string(later.body["id"].get<std::int64_t>()) +
        ",Trees planted,cancelled,2027-04-10,0,\n"
        "main,c,Books,no,0,,,,,,\n");

  // Stored: the same after a restart.
  f.RestartApi();
  CHECK(f.Call(http::verb::get, kTrees, "", false).body == page.body);

  // Every change is in the action log.
  Answer log = f.Call(http::verb::get, kSchoolPath + "/log");
  REQUIRE(log.status == 200);
  int milestone_actions = 0;
  for (const json& e : log.body["entries"]) {
    if (e["action"].get<std::string>().find("/implementation/main/a/milestones") != std::string::npos) ++milestone_actions;
  }
  CHECK(milestone_actions == 4);  // two added, two edited
}

TEST_CASE("implementation: delivery per funded project, for the reflection report") {
  MilestoneRecord m;
  m.budget = "main";
  m.project = "a";
  std::vector<MilestoneRecord> list;
  CHECK(DeliveryOf("main", "a", list).stage == ProjectStage::kNotStarted);
  m.status = MilestoneStatus::kPlanned;
  list.push_back(m);
  CHECK(DeliveryOf("main", "a", list).stage == ProjectStage::kPlanned);
  m.status = MilestoneStatus::kDone;
  m.progress = 100;
  list.push_back(m);
  ProjectDelivery d = DeliveryOf("main", "a", list);
  CHECK(d.stage == ProjectStage::kUnderway);
  CHECK_FALSE(d.delivered);
  CHECK(d.progress == 50);  // the mean of 0 and 100
  list[0].progress = 33;
  CHECK(DeliveryOf("main", "a", list).progress == 67);  // (33 + 100) / 2, rounded
  list[0].status = MilestoneStatus::kCancelled;
  d = DeliveryOf("main", "a", list);
  CHECK(d.delivered);
  CHECK(d.milestones == 1);
  CHECK_FALSE(DeliveryOf("main", "c", list).delivered);  // another project's milestones do not count
  for (auto s : {ProjectStage::kNotStarted, ProjectStage::kPlanned, ProjectStage::kUnderway, ProjectStage::kDelivered}) {
    CHECK(ParseProjectStage(ProjectStageName(s)) == s);
  }
  for (auto s : {MilestoneStatus::kPlanned, MilestoneStatus::kInProgress, MilestoneStatus::kDone, MilestoneStatus::kCancelled}) {
    CHECK(ParseMilestoneStatus(MilestoneStatusName(s)) == s);
  }
  CHECK_FALSE(ParseMilestoneStatus("finished").has_value());
  // Funded projects come from the results' selections.
  ProcessDefinition def = *ParseProcessDefinition(json::parse(kSchool));
  const json results = json::array({{{"budget", "main"}, {"outcome", {{"selected", {"c", "a"}}}}}});
  std::vector<ProjectDelivery> all = Deliveries(def, results, list);
  REQUIRE(all.size() == 2);
  CHECK(all[0].project == "a");
  CHECK(all[0].delivered);
  CHECK(all[1].project == "c");
  CHECK_FALSE(all[1].delivered);
  CHECK(Deliveries(def, json(), list).empty());  // not counted: nothing funded
}

TEST_CASE("attack: hostile milestones are refused at their field and store nothing") {
  Fixture f;
  VoteAndClose(f);
  auto check = [&](const json& body, const std::string& field) {
    Answer a = AddMilestone(f, kTrees, body);
    CHECK_MESSAGE(a.status == 422, a.text);
    CHECK_MESSAGE(a.body["error"].value("field", "") == field, a.text);
  };
  const json base = {{"title", "Trees ordered"}, {"date", "2027-02-01"}};
  auto with = [&](const char* key, const json& value) {
    json b = base;
    b[key] = value;
    return b;
  };
  check(with("progress", 101), "progress");
  check(with("progress", -1), "progress");
  check(with("progress", 50.5), "progress");
  check(with("progress", "50"), "progress");
  check(with("progress", 9223372036854775807LL), "progress");
  check(with("status", "finished"), "status");
  check(with("status", nullptr), "status");
  check(json{{"title", "x"}, {"date", "2027-02-01"}, {"status", "done"}, {"progress", 50}}, "progress");
  check(with("date", "2027-02-30"), "date");
  check(with("date", "2027-2-3"), "date");
  check(with("date", "tomorrow"), "date");
  check(with("date", "2026-13-01"), "date");
  check(json{{"title", "x"}}, "date");
  check(json{{"date", "2027-02-01"}}, "title");
  check(with("title", ""), "title");
  check(with("title", std::string(201, 'x')), "title");
  check(with("title", "two\nlines"), "title");
  check(with("title", 7), "title");
  check(with("notes", std::string(4001, 'n')), "notes");
  check(with("notes", std::string(200000, 'n')), "notes");  // huge notes: refused, not cut
  check(with("notes", std::string("bell\x07")), "notes");
  check(with("translations", {{"fr", {{"notes", "Douze chênes"}}}}), "translations.fr");
  check(with("translations", {{"en", {{"notes", "Twelve"}}}}), "translations.en");
  check(with("translations", {{"es", {{"notes", std::string(5000, 'n')}}}}), "translations.es.notes");
  check(with("translations", {{"es", {{"cost", "1"}}}}), "translations.es.cost");
  check(with("photos", "a.jpg"), "photos");
  check(with("photos", json::array({1, 2, 3, 4, 5, 6, 7})), "photos");
  const json photo = {{"width", 320}, {"height", 200},
                      {"files", {{{"width", 320}, {"height", 200}, {"sha256", std::string(64, 'a')}}}}};
  check(with("photos", json::array({photo})), "photos[0]");  // not uploaded here
  check(with("photos", json::array({{{"width", 320}}})), "photos[0].image");
  check(with("owner", "me"), "owner");
  CHECK(f.Call(http::verb::post, kTrees + "/milestones", "{\"title\": \"x\", \"date\": ", true).status == 400);
  CHECK(f.Call(http::verb::post, kTrees + "/milestones", "title=x", true, "text/plain").status == 415);
  // Nothing was stored by the refusals.
  CHECK(f.Call(http::verb::get, kTrees).body["milestones"].empty());
}

TEST_CASE("attack: another process's milestone, a made-up id, and a formula in a title") {
  Fixture f;
  VoteAndClose(f, "school");
  VoteAndClose(f, "other");
  Answer mine = AddMilestone(f, kTrees, {{"title", "=HYPERLINK(\"http://x.example\")"}, {"date", "2027-02-01"},
                                         {"notes", "+1 call\n-2 \"quoted\""}});
  REQUIRE(mine.status == 201);
  const std::string id = std::to_string(mine.body["id"].get<std::int64_t>());
  // The same id through another process, or another project: not found; nothing changed.
  CHECK(f.Call(http::verb::put, "/api/v1/processes/other/implementation/main/a/milestones/" + id,
               json{{"status", "done"}}.dump()).status == 404);
  CHECK(f.Call(http::verb::put, kSchoolPath + "/implementation/main/c/milestones/" + id,
               json{{"status", "done"}}.dump()).status == 404);
  for (const std::string bad : {"0", "-1", "abc", "99999999999999999999", "1e3"}) {
    CHECK(f.Call(http::verb::put, kTrees + "/milestones/" + bad, json{{"status", "done"}}.dump()).status == 404);
  }
  CHECK(f.Call(http::verb::get, kTrees).body["milestones"][0]["status"] == "planned");
  CHECK(f.Call(http::verb::get, "/api/v1/processes/other/implementation/main/a").body["milestones"].empty());
  // The CSV defuses formulas and quotes what needs it.
  Answer csv = f.Call(http::verb::get, kSchoolPath + "/implementation.csv");
  REQUIRE(csv.status == 200);
  CHECK(csv.text.find(",\"'=HYPERLINK(\"\"http://x.example\"\")\",planned,") != std::string::npos);
  CHECK(csv.text.find(",\"'+1 call\n-2 \"\"quoted\"\"\"\n") != std::string::npos);
}

TEST_CASE("attack: an observer reads but adds no milestone: an editor does: a stranger neither") {
  Committee c;
  // The committee's school, voted and closed by the token.
  auto batch = c.f.Call(http::verb::post, kSchoolPath + "/codes", json{{"count", 1}, {"group", "student"}}.dump());
  REQUIRE(batch.status == 201);
  auto codes = c.f.Call(http::verb::get, batch.body["download"]);
  const std::string code = codes.text.substr(codes.text.find('\n') + 1, 19);
  REQUIRE(c.f.Call(http::verb::post, kSchoolPath + "/open").status == 200);
  REQUIRE(c.f.Call(http::verb::post, kSchoolPath + "/ballots",
                   json{{"code", code}, {"ballots", {{"main", {{"projects", {"a"}}}}}}}.dump(), false).status == 201);
  REQUIRE(c.f.Call(http::verb::post, kSchoolPath + "/close").status == 200);
  CHECK(Do(c.f, c.cai, http::verb::get, kSchoolPath + "/implementation").status == 200);  // organizers read before publication
  REQUIRE(c.f.Call(http::verb::post, kSchoolPath + "/publish").status == 200);
  const std::string body = json{{"title", "Trees ordered"}, {"date", "2027-02-01"}}.dump();
  CHECK(Do(c.f, c.cai, http::verb::post, kTrees + "/milestones", body).status == 403);
  CHECK(c.f.Call(http::verb::post, kTrees + "/milestones", body, false).status == 401);
  Answer ben = Do(c.f, c.ben, http::verb::post, kTrees + "/milestones", body);
  REQUIRE_MESSAGE(ben.status == 201, ben.text);
  const std::string path = kTrees + "/milestones/" + std::to_string(ben.body["id"].get<std::int64_t>());
  CHECK(Do(c.f, c.cai, http::verb::put, path, json{{"progress", 10}}.dump()).status == 403);
  CHECK(Do(c.f, c.ben, http::verb::put, path, json{{"progress", 10}}.dump()).status == 200);
  Answer log = Do(c.f, c.ana, http::verb::get, kSchoolPath + "/log");
  REQUIRE(log.status == 200);
  CHECK(log.body["entries"][0]["who"] == "Ben Ode <ben@example.org>");
  CHECK(log.body["entries"][0]["action"] == "PUT " + path.substr(7));
  CHECK(log.body["entries"][0]["detail"] == "progress=10");
  CHECK(log.body["entries"][1]["detail"] == "date=2027-02-01, title=Trees ordered");
}

}  // namespace
}  // namespace psephos::test
