// Ideas before the vote (#19 items 2, 3 and 5): a whole cycle through the API
// (idea, support, moderation, review into a ballot project, vote, close,
// report), then the attacks: hostile, huge or duplicated input, supporting
// twice or one's own idea, a hidden idea, codes of another process.
#include <doctest/doctest.h>

#include <vips/vips.h>

#include <algorithm>

#include "../support/api_fixture.h"
#include "../support/test_storage.h"

namespace psephos::test {
namespace {

using V = http::verb;

// The school process as a draft with `n` codes of `group`; the plain codes.
std::vector<std::string> Codes(Fixture& f, const std::string& group, int n, const std::string& slug = "school") {
  auto batch = f.Call(V::post, "/api/v1/processes/" + slug + "/codes", json{{"count", n}, {"group", group}}.dump());
  REQUIRE(batch.status == 201);
  auto csv = f.Call(V::get, batch.body["download"]);
  std::vector<std::string> out;
  std::istringstream lines(csv.text);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) out.push_back(line.substr(0, line.find(',')));
  return out;
}

void OpenIdeas(Fixture& f, bool to_all = true, const std::string& slug = "school") {
  REQUIRE(f.Call(V::put, "/api/v1/processes/" + slug + "/ideas/settings",
                 json{{"accepting", true}, {"open_to_all", to_all}, {"categories", {"Playground", "Library"}}}.dump())
              .status == 200);
}

Answer Send(Fixture& f, const std::string& code, const std::string& title, const std::string& category = "Playground",
            const std::string& client = "10.0.0.1") {
  json idea{{"code", code}, {"title", title}, {"description", "Why: " + title}, {"category", category},
            {"place", "By the gym"}};
  return f.Call(V::post, "/api/v1/processes/school/ideas", idea.dump(), false, "application/json", client);
}

Answer Support(Fixture& f, std::int64_t idea, const std::string& code) {
  return f.Call(V::post, "/api/v1/processes/school/ideas/" + std::to_string(idea) + "/supports",
                json{{"code", code}}.dump(), false);
}

Answer Committee(Fixture& f, std::int64_t idea, const std::string& what, const json& body) {
  return f.Call(V::post, "/api/v1/processes/school/ideas/" + std::to_string(idea) + "/" + what, body.dump());
}

const json* Find(const json& list, std::int64_t id) {
  for (const json& i : list) {
    if (i["id"] == id) return &i;
  }
  return nullptr;
}

std::string Jpeg(int width, int height) {
  REQUIRE(VIPS_INIT("ideas_test") == 0);
  VipsImage *black = nullptr, *u8 = nullptr;
  REQUIRE(vips_black(&black, width, height, "bands", 3, nullptr) == 0);
  REQUIRE(vips_cast_uchar(black, &u8, nullptr) == 0);
  void* buffer = nullptr;
  std::size_t length = 0;
  REQUIRE(vips_jpegsave_buffer(u8, &buffer, &length, nullptr) == 0);
  std::string out(static_cast<const char*>(buffer), length);
  g_free(buffer);
  g_object_unref(u8);
  g_object_unref(black);
  return out;
}

TEST_CASE_TEMPLATE("ideas storage: ideas, one support per code, a merge and a project, after reopening", B,
                   test::Sqlite, test::Postgres) {
  test::TestStore store(B::kBackend);
  ProcessId process = 0;
  std::int64_t first = 0, second = 0;
  {
    auto opened = store.Open();
    REQUIRE_MESSAGE(opened.ok(), opened.status().message());
    Storage& s = **opened;
    process = *s.CreateProcess("school", R"({"slug":"school"})");
    IdeaRecord idea;
    idea.title = "Water fountain";
    idea.description = "Cold water";
    idea.category = "Playground";
    idea.place = "Gym";
    idea.image = R"({"files":[]})";
    idea.author_hash = "a1";
    idea.group = "student";
    idea.created_at_ms = 5;
    first = s.AddIdea(process, idea, 0)->value();
    idea.title = "Drinking fountain";
    idea.author_hash = "a2";
    idea.idea_code = true;
    idea.group = "family";
    CHECK_FALSE(s.AddIdea(process, idea, 1)->has_value());  // decided from one idea of a2's: it has none
    second = s.AddIdea(process, idea, 0)->value();
    CHECK(second > first);
    CHECK(*s.AddIdeaSupport(process, {first, "c1", "student", 7}));
    CHECK_FALSE(*s.AddIdeaSupport(process, {first, "c1", "student", 8}));  // one per code and idea
    CHECK(*s.AddIdeaSupport(process, {second, "c2", "family", 9}));
    const auto stored = s.LoadIdeas(process);
    REQUIRE(stored.ok());
    REQUIRE(stored->size() == 2);
    IdeaRecord merged = stored->back();
    merged.status = IdeaStatus::kMerged;
    merged.merged_into = first;
    REQUIRE(s.MergeIdea(process, merged, {{first, "a2", "family", 10}, {first, "c2", "family", 10}}).ok());
    IdeaRecord kept = s.LoadIdeas(process)->front();
    kept.status = IdeaStatus::kFeasible;
    kept.reason = "Plumbing is near";
    kept.cost = 45;
    kept.project = "main/idea-1";
    REQUIRE(s.AddIdeaProject(process, R"({"slug":"school","v":2})", {kept}).ok());
    IdeaRecord unknown = kept;
    unknown.id = 999;
    CHECK_FALSE(s.UpdateIdeas(process, {unknown}).ok());
    CHECK_FALSE(s.AddIdeaProject(process, R"({"slug":"school","v":3})", {unknown}).ok());  // all or nothing
    REQUIRE(s.AddIdeaCodes(process, "family", {"h1", "h2"}).ok());
  }
  auto reopened = store.Open();
  REQUIRE(reopened.ok());
  Storage& s = **reopened;
  auto ideas = s.LoadIdeas(process);
  REQUIRE(ideas.ok());
  REQUIRE(ideas->size() == 2);
  const IdeaRecord& a = (*ideas)[0];
  CHECK(a.id == first);
  CHECK(a.title == "Water fountain");
  CHECK(a.author_hash == "a1");
  CHECK(a.status == IdeaStatus::kFeasible);
  CHECK(a.reason == "Plumbing is near");
  CHECK(a.cost == 45);
  CHECK(a.project == "main/idea-1");
  CHECK(a.image == R"({"files":[]})");
  CHECK(a.created_at_ms == 5);
  const IdeaRecord& b = (*ideas)[1];
  CHECK(b.status == IdeaStatus::kMerged);
  CHECK(b.merged_into == first);
  CHECK(b.idea_code);
  CHECK(b.group == "family");
  auto supports = s.LoadIdeaSupports(process);
  REQUIRE(supports.ok());
  CHECK(supports->size() == 4);  // c1 and, moved, a2 and c2 on the first; c2 kept on the second
  CHECK(std::count_if(supports->begin(), supports->end(), [&](const IdeaSupportRecord& r) { return r.idea == first; }) == 3);
  auto codes = s.LoadIdeaCodes(process);
  REQUIRE(codes.ok());
  CHECK(codes->size() == 2);
  CHECK(codes->front().group == "family");
  auto processes = s.LoadProcesses();
  CHECK(processes->front().definition == R"({"slug":"school","v":2})");
}

TEST_CASE("ideas: a whole cycle from an idea to the ballot, the vote and the report by group") {
  Fixture f;
  REQUIRE(f.Call(V::post, "/api/v1/processes", kSchool).status == 201);
  const auto students = Codes(f, "student", 6);
  const auto families = Codes(f, "family", 2);
  // Before the organizer opens ideas, the public sees none and none are taken.
  CHECK(f.Call(V::get, "/api/v1/processes/school/ideas", "", false).status == 404);
  CHECK(Send(f, students[0], "Water fountain").body["error"]["code"] == "ideas_closed");
  OpenIdeas(f);
  auto idea_codes = f.Call(V::post, "/api/v1/processes/school/ideas/codes", json{{"count", 2}, {"group", "family"}}.dump());
  REQUIRE(idea_codes.status == 201);
  const std::string neighbour = idea_codes.body["codes"][0];

  // With a photo, through the organizers' picture pipeline.
  auto photo = f.Send(V::post, "/api/v1/processes/school/ideas/images", Jpeg(900, 600), "Code " + students[0],
                      "image/jpeg");
  REQUIRE(photo.status == 201);
  json fountain{{"code", students[0]}, {"title", "Water fountain"}, {"description", "Cold water by the gym"},
                {"category", "Playground"}, {"place", "Gym door"}, {"image", photo.body["image"]}};
  auto a = f.Call(V::post, "/api/v1/processes/school/ideas", fountain.dump(), false);
  REQUIRE(a.status == 201);
  const std::int64_t fountain_id = a.body["id"];
  CHECK(a.body["image"]["files"].size() >= 1);
  CHECK_FALSE(a.body.contains("group"));  // the public never reads who sent it
  const std::int64_t duplicate = Send(f, students[1], "Drinking fountain").body["id"];
  const std::int64_t library = Send(f, neighbour, "Library open on Saturdays", "Library").body["id"];
  const std::int64_t hostile = Send(f, students[2], "Paintball in the hall").body["id"];

  // One support per code, never one's own idea.
  CHECK(Support(f, fountain_id, students[3]).status == 201);
  CHECK(Support(f, fountain_id, students[3]).body["error"]["code"] == "already_supported");
  CHECK(Support(f, fountain_id, students[0]).body["error"]["code"] == "own_idea");
  CHECK(Support(f, fountain_id, families[0]).body["supports"] == 2);
  CHECK(Support(f, duplicate, students[4]).status == 201);
  CHECK(Support(f, library, families[1]).status == 201);
  auto mine = f.Call(V::post, "/api/v1/processes/school/ideas/me", json{{"code", students[3]}}.dump(), false);
  CHECK(mine.body["supported"] == json::array({fountain_id}));

  // Moderation: hidden with a reason (gone for the public), a duplicate merged.
  CHECK(Committee(f, hostile, "hide", {{"reason", "Not a school project"}}).body["status"] == "hidden");
  CHECK(Support(f, hostile, students[3]).status == 404);
  auto merged = Committee(f, duplicate, "merge", {{"into", fountain_id}});
  CHECK(merged.body["status"] == "merged");
  CHECK(Support(f, duplicate, students[5]).body["error"]["code"] == "merged");  // support the idea kept
  CHECK(Committee(f, duplicate, "hide", {{"reason", "x"}}).body["error"]["code"] == "merged");
  // The duplicate's author and its supporter now support the fountain: 2 + 2.
  auto committee = f.Call(V::get, "/api/v1/processes/school/ideas");
  REQUIRE(committee.status == 200);
  CHECK((*Find(committee.body["ideas"], fountain_id))["supports"] == 4);
  CHECK((*Find(committee.body["ideas"], fountain_id))["supports_by_group"] == json{{"family", 1}, {"student", 3}});
  CHECK(committee.body["by_group"]["student"]["ideas"] == 3);
  CHECK(committee.body["by_group"]["family"]["ideas"] == 1);
  CHECK(committee.body["by_group"]["family"]["idea_codes"] == 2);
  CHECK(committee.body["by_group"]["family"]["voter_codes"] == 2);

  // Review: feasible with a cost, not feasible with its reason (required).
  CHECK(Committee(f, library, "decision", {{"feasible", false}}).status == 422);
  CHECK(Committee(f, library, "decision", {{"feasible", false}, {"reason", "The district sets library hours"}}).status == 200);
  CHECK(Committee(f, fountain_id, "decision", {{"feasible", true}, {"cost", 45}, {"reason", "Plumbing is near"}}).status == 200);
  auto project = f.Call(V::post, "/api/v1/processes/school/ideas/projects",
                        json{{"budget", "main"}, {"ideas", {fountain_id}}}.dump());
  REQUIRE(project.status == 201);
  CHECK(project.body["project"] == "main/idea-" + std::to_string(fountain_id));
  auto definition = f.Call(V::get, "/api/v1/processes/school").body["definition"];
  const json& added = definition["budgets"][0]["projects"][3];
  CHECK(added["name"] == "Water fountain");
  CHECK(added["cost"] == 45);
  CHECK(added["ideas"] == json::array({fountain_id}));
  CHECK(added["location"] == "Gym door");
  CHECK(added["image"] == photo.body["image"]);
  // A project is made once; an idea on the ballot is no longer moderated.
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas/projects", json{{"budget", "main"}, {"ideas", {fountain_id}}}.dump())
            .body["error"]["code"] == "on_ballot");
  CHECK(Committee(f, fountain_id, "hide", {{"reason", "x"}}).body["error"]["code"] == "on_ballot");

  // The public list: rejected ideas with their reasons, nothing hidden, no authors.
  auto public_list = f.Call(V::get, "/api/v1/processes/school/ideas", "", false);
  REQUIRE(public_list.status == 200);
  CHECK(Find(public_list.body["ideas"], hostile) == nullptr);
  CHECK((*Find(public_list.body["ideas"], library))["reason"] == "The district sets library hours");
  CHECK((*Find(public_list.body["ideas"], fountain_id))["project"] == "main/idea-" + std::to_string(fountain_id));
  CHECK(public_list.text.find("author") == std::string::npos);
  CHECK(public_list.text.find("Not a school project") == std::string::npos);
  CHECK_FALSE(public_list.body.contains("by_group"));

  // The vote, as the other tests hold it; the ballot carries the ideas the project came from.
  REQUIRE(f.Call(V::post, "/api/v1/processes/school/open").status == 200);
  auto ballot = f.Call(V::get, "/api/v1/processes/school/ballot", "", false);
  CHECK(ballot.body["budgets"][0]["projects"][3]["ideas"] == json::array({fountain_id}));
  const std::string fountain_project = "idea-" + std::to_string(fountain_id);
  for (int i = 0; i < 4; ++i) CHECK(f.Vote(students[i], {fountain_project}).status == 201);
  CHECK(f.Vote(families[0], {"a"}).status == 201);
  REQUIRE(f.Call(V::post, "/api/v1/processes/school/close").status == 200);
  f.WaitUntilCounted("school");

  auto report = f.Call(V::get, "/api/v1/processes/school/report");
  REQUIRE(report.status == 200);
  const json& student = report.body["by_group"]["student"];
  CHECK(student["voter_codes"] == 6);
  CHECK(student["ideas"] == 3);
  CHECK(student["authors"] == 3);
  CHECK(student["hidden"] == 1);
  CHECK(student["on_ballot"] == 1);
  CHECK(student["ballots"] == 4);
  CHECK(student["funded"] == 1);
  CHECK(student["delivered"] == 0);  // funded, no milestone yet
  const json& family = report.body["by_group"]["family"];
  CHECK(family["ideas"] == 1);
  CHECK(family["not_feasible"] == 1);
  CHECK(family["ballots"] == 1);
  CHECK(report.body["totals"]["ideas"] == 4);
  CHECK(report.body["totals"]["supports"] == 5);
  bool found = false;
  for (const json& p : report.body["projects"]) {
    if (p["project"] != "main/" + fountain_project) continue;
    found = true;
    CHECK(p["funded"] == true);
    CHECK(p["ideas"] == json::array({fountain_id}));
  }
  CHECK(found);
  auto csv = f.Call(V::get, "/api/v1/processes/school/report.csv");
  REQUIRE(csv.status == 200);
  CHECK(csv.text.starts_with("group,voter_codes,idea_codes,authors,ideas,supporters,supports,hidden,feasible,"
                             "not_feasible,on_ballot,ballots,funded,delivered\n"));
  CHECK(csv.text.find("\nfamily,2,2,1,1,") != std::string::npos);
  CHECK(csv.text.find("\n(all),8,2,4,4,") != std::string::npos);
  // The public never reads the report.
  CHECK(f.Call(V::get, "/api/v1/processes/school/report", "", false).status == 401);

  // After the vote, published: the funded project is built, its milestone done; the report counts it delivered.
  REQUIRE(f.Call(V::post, "/api/v1/processes/school/publish").status == 200);
  const std::string progress_path = "/api/v1/processes/school/implementation/main/" + fountain_project;
  auto milestone = f.Call(V::post, progress_path + "/milestones",
                          json{{"title", "Fountain installed"}, {"status", "done"}, {"date", "2027-03-01"}}.dump());
  REQUIRE_MESSAGE(milestone.status == 201, milestone.text);
  auto progress = f.Call(V::get, progress_path, "", false);
  REQUIRE(progress.status == 200);
  CHECK(progress.body["milestones"][0]["title"] == "Fountain installed");
  report = f.Call(V::get, "/api/v1/processes/school/report");
  CHECK(report.body["by_group"]["student"]["delivered"] == 1);
  CHECK(report.body["by_group"]["family"]["delivered"] == 0);

  // All of it is on disk: the same after a restart.
  const json before = f.Call(V::get, "/api/v1/processes/school/ideas").body;
  f.RestartApi();
  CHECK(f.Call(V::get, "/api/v1/processes/school/ideas").body == before);
  CHECK(f.Call(V::get, "/api/v1/processes/school/report").body == report.body);
}

TEST_CASE("ideas: huge, hostile and duplicated input is refused at its field") {
  Fixture f;
  REQUIRE(f.Call(V::post, "/api/v1/processes", kSchool).status == 201);
  const auto students = Codes(f, "student", 2);
  OpenIdeas(f, false);
  const auto refused = [&](json idea, const std::string& field) {
    idea["code"] = students[0];
    auto a = f.Call(V::post, "/api/v1/processes/school/ideas", idea.dump(), false);
    CHECK(a.status == 422);
    CHECK(a.body["error"]["field"] == field);
  };
  const json ok{{"title", "Benches"}, {"description", "More benches"}, {"category", "Playground"}};
  json idea = ok;
  idea["title"] = std::string(201, 'x');
  refused(idea, "title");
  idea = ok;
  idea["description"] = std::string(5001, 'y');
  refused(idea, "description");
  idea = ok;
  idea["title"] = "   ";
  refused(idea, "title");
  idea = ok;
  idea["title"] = std::string("Bell\x07", 5);
  refused(idea, "title");
  idea = ok;
  idea["category"] = "Weapons";
  refused(idea, "category");
  idea = ok;
  idea["title"] = 42;
  refused(idea, "title");
  idea = ok;
  idea["author"] = "someone else";
  refused(idea, "author");
  idea = ok;
  idea["image"] = {{"width", 10}, {"height", 10}, {"files", {{{"width", 10}, {"height", 10}, {"sha256", std::string(64, 'a')}}}}};
  refused(idea, "image");
  // Markup is kept as text (the pages never insert it as HTML).
  idea = ok;
  idea["code"] = students[0];
  idea["title"] = "<script>alert(1)</script>";
  auto stored = f.Call(V::post, "/api/v1/processes/school/ideas", idea.dump(), false);
  REQUIRE(stored.status == 201);
  CHECK(stored.body["title"] == "<script>alert(1)</script>");
  // The same idea twice from one code, and a flood from one code.
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas", idea.dump(), false).body["error"]["code"] == "duplicate_idea");
  for (std::size_t i = 0; i < kMaxIdeasPerCode; ++i) {
    REQUIRE(Send(f, students[1], "Idea " + std::to_string(i)).status == 201);
  }
  CHECK(Send(f, students[1], "One more").body["error"]["code"] == "too_many_ideas");
  // Not JSON, not an object, no code.
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas", "{\"title\":", false).status == 400);
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas", "[1]", false).status == 400);
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas", ok.dump(), false).body["error"]["field"] == "code");
  // A picture that is not one, and too many pictures from one code.
  CHECK(f.Send(V::post, "/api/v1/processes/school/ideas/images", "<svg onload=alert(1)>", "Code " + students[0], "image/svg+xml")
            .status == 415);
  CHECK(f.Send(V::post, "/api/v1/processes/school/ideas/images", Jpeg(10, 10), "", "image/jpeg").status == 403);
}

TEST_CASE("ideas: codes of another process, idea codes while closed to all, and the committee's routes") {
  Fixture f;
  REQUIRE(f.Call(V::post, "/api/v1/processes", kSchool).status == 201);
  json other = json::parse(kSchool);
  other["slug"] = "other";
  REQUIRE(f.Call(V::post, "/api/v1/processes", other.dump()).status == 201);
  const auto students = Codes(f, "student", 3);
  const auto strangers = Codes(f, "student", 1, "other");
  OpenIdeas(f, false);
  OpenIdeas(f, true, "other");
  auto idea_codes = f.Call(V::post, "/api/v1/processes/school/ideas/codes", json{{"count", 1}, {"group", "family"}}.dump());
  REQUIRE(idea_codes.status == 201);
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas/codes", json{{"count", 1}, {"group", "robots"}}.dump()).status == 422);
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas/codes", json{{"count", 999999}}.dump()).status == 422);
  CHECK(Send(f, strangers[0], "From elsewhere", "Playground", "10.0.0.7").body["error"]["code"] == "unknown_code");
  // Idea codes count only where the organizer opens ideas to all.
  CHECK(Send(f, idea_codes.body["codes"][0], "Not yet", "Playground", "10.0.0.8").status == 403);
  const std::int64_t id = Send(f, students[0], "Garden").body["id"];
  CHECK(Support(f, id, strangers[0]).status == 403);
  CHECK(Support(f, id, "not-a-code").status == 403);
  CHECK(Support(f, 999, students[1]).status == 404);
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas/abc/supports", json{{"code", students[1]}}.dump(), false).status == 404);
  // The committee's routes are not the public's.
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas/" + std::to_string(id) + "/hide",
               json{{"reason", "mine"}}.dump(), false).status == 401);
  CHECK(f.Call(V::put, "/api/v1/processes/school/ideas/settings", json{{"accepting", false}}.dump(), false).status == 401);
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas/codes", json{{"count", 1}}.dump(), false).status == 401);
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas/projects", json{{"budget", "main"}, {"ideas", {id}}}.dump(), false)
            .status == 401);
  // A project only from a feasible idea, only into a draft, only into a budget of the process.
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas/projects", json{{"budget", "main"}, {"ideas", {id}}}.dump())
            .body["error"]["code"] == "not_feasible");
  CHECK(Committee(f, id, "decision", {{"feasible", true}, {"cost", 1000}}).status == 200);
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas/projects", json{{"budget", "nope"}, {"ideas", {id}}}.dump())
            .body["error"]["field"] == "budget");
  // Dearer than the budget: the definition's own check names the field.
  auto dear = f.Call(V::post, "/api/v1/processes/school/ideas/projects", json{{"budget", "main"}, {"ideas", {id}}}.dump());
  CHECK(dear.status == 422);
  CHECK(dear.body["error"]["code"] == "invalid_definition");
  CHECK(Committee(f, id, "merge", {{"into", id}}).body["error"]["code"] == "invalid_merge");
  CHECK(Committee(f, id, "restore", json::object()).body["error"]["code"] == "not_hidden");
  CHECK(Committee(f, id, "decision", {{"feasible", "yes"}}).body["error"]["field"] == "feasible");
  CHECK(Committee(f, id, "hide", json::object()).body["error"]["field"] == "reason");
  // Closed again: nothing more is taken.
  REQUIRE(f.Call(V::put, "/api/v1/processes/school/ideas/settings", json{{"accepting", false}}.dump()).status == 200);
  CHECK(Send(f, students[1], "Late").body["error"]["code"] == "ideas_closed");
  CHECK(Support(f, id, students[1]).body["error"]["code"] == "ideas_closed");
  // Open again, the process open for voting: no more projects from ideas.
  OpenIdeas(f, false);
  REQUIRE(f.Call(V::post, "/api/v1/processes/school/open").status == 200);
  CHECK(Committee(f, id, "decision", {{"feasible", true}, {"cost", 30}}).status == 200);
  CHECK(f.Call(V::post, "/api/v1/processes/school/ideas/projects", json{{"budget", "main"}, {"ideas", {id}}}.dump())
            .body["error"]["code"] == "not_draft");
}

}  // namespace
}  // namespace psephos::test
