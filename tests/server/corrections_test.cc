// Corrections while voting is open (#16 item 5): texts and pictures may
// change, anything counted may not (refused naming the field); each change is
// recorded, listed publicly, carried in the bundle and replayed by the audit.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>

#include "../support/api_fixture.h"
#include "../support/cli_runner.h"
#include "psephos/server/bundle.h"
#include "psephos/server/corrections.h"

namespace psephos::test {
namespace {

json Definition(Fixture& f) { return f.Call(http::verb::get, "/api/v1/processes/school").body["definition"]; }

Answer Put(Fixture& f, const json& d, const std::string& by = "") {
  return f.Call(http::verb::put, "/api/v1/processes/school" + (by.empty() ? "" : "?by=" + by), d.dump());
}

TEST_CASE("while open, a name, a description and a translation may be corrected, each change is recorded") {
  Fixture f;
  auto codes = f.OpenSchool(6);
  json d = Definition(f);
  d["languages"] = {"en"};
  d["budgets"][0]["projects"][1]["name"] = "Bike racks by the gym";
  d["budgets"][0]["projects"][2]["description"] = "Books for the library";
  Answer a = Put(f, d, "Maria");
  REQUIRE(a.status == 200);
  REQUIRE(a.body["changes"].size() == 2);
  CHECK(a.body["changes"][0]["field"] == "budgets[0].projects[1].name");
  CHECK(a.body["changes"][0]["before"] == "Bike racks");
  CHECK(a.body["changes"][0]["after"] == "Bike racks by the gym");
  CHECK(a.body["changes"][0]["by"] == "Maria");
  CHECK(a.body["changes"][1]["field"] == "budgets[0].projects[2].description");
  CHECK(a.body["changes"][1]["before"].is_null());  // there was none
  // Voters see the new name; the public list says what changed, who and when.
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/ballot", "", false).body["budgets"][0]["projects"][1]["name"] ==
        "Bike racks by the gym");
  Answer list = f.Call(http::verb::get, "/api/v1/processes/school/changes", "", false);
  REQUIRE(list.status == 200);
  REQUIRE(list.body["changes"].size() == 2);
  CHECK(list.body["changes"][0]["at"].get<std::int64_t>() > 0);
  // A second correction without a label is the token's.
  d["budgets"][0]["projects"][1]["name"] = "Bike racks (gym)";
  Answer back = Put(f, d);
  REQUIRE(back.status == 200);
  CHECK(back.body["changes"][0]["by"] == "organizer token");
  // A label in the query is percent-decoded; one that is not UTF-8 is refused.
  d["budgets"][0]["projects"][1]["name"] = "Bike racks";
  CHECK(Put(f, d, "Comit%C3%A9+del+huerto").body["changes"][0]["by"] == "Comité del huerto");
  d["budgets"][0]["projects"][1]["name"] = "Bike racks by the gym";
  CHECK(Put(f, d, "%FF%FE").status == 400);
  // Ballots still count: the correction touched nothing counted.
  CHECK(f.Vote(codes[0], {"b"}).status == 201);
  // The list survives a restart.
  f.RestartApi();
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/changes", "", false).body["changes"].size() == 4);
}

TEST_CASE("while open, costs, budgets, rules, limits and the set of projects are refused naming the field") {
  Fixture f;
  f.OpenSchool(2);
  const json original = Definition(f);
  const auto refused = [&](json d, const std::string& field) {
    Answer a = Put(f, d);
    CHECK(a.status == 422);
    CHECK(a.body["error"]["code"] == "not_correctable");
    CHECK(a.body["error"]["field"] == field);
    CHECK(a.body["error"]["message"].get<std::string>().find("cannot change while voting is open") != std::string::npos);
  };
  json d = original;
  d["budgets"][0]["projects"][0]["cost"] = 61;
  refused(d, "budgets[0].projects[0].cost");
  d = original;
  d["budgets"][0]["amount"] = 200;
  refused(d, "budgets[0].amount");
  d = original;
  d["budgets"][0]["rule"] = "mes";
  refused(d, "budgets[0].rule");
  d = original;
  d["budgets"][0]["ballot"]["max_projects"] = 3;
  refused(d, "budgets[0].ballot.max_projects");
  d = original;
  d["budgets"][0]["projects"].push_back({{"id", "d"}, {"name", "Mural"}, {"cost", 10}});
  refused(d, "budgets[0].projects");
  d = original;
  d["min_group_size"] = 1;
  refused(d, "min_group_size");
  // A text change beside a cost change is refused whole: nothing of it is kept.
  d = original;
  d["budgets"][0]["projects"][0]["name"] = "Oaks";
  d["budgets"][0]["projects"][0]["cost"] = 59;
  refused(d, "budgets[0].projects[0].cost");
  CHECK(Definition(f) == original);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/changes", "", false).body["changes"].empty());
  // After the close nothing changes at all.
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/close").status == 200);
  d = original;
  d["title"] = "Late";
  CHECK(Put(f, d).status == 409);
}

TEST_CASE("the bundle carries the changes with the definition as opened, and the audit replays them") {
  Fixture f;
  auto codes = f.OpenSchool(5);
  for (const auto& code : codes) REQUIRE(f.Vote(code, {"a"}).status == 201);
  json d = Definition(f);
  d["title"] = "Roosevelt High PB 2026";
  d["budgets"][0]["projects"][0]["name"] = "Shade trees (oaks)";
  REQUIRE(Put(f, d, "steering committee").status == 200);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/close").status == 200);
  Answer bundle = f.Call(http::verb::get, "/api/v1/processes/school/bundle");
  REQUIRE(bundle.status == 200);
  const json& corrections = bundle.body["corrections"];
  CHECK(corrections["original"]["title"] == "Roosevelt High PB");
  CHECK(corrections["original"]["budgets"][0]["projects"][0]["name"] == "Shade trees");
  CHECK(corrections["changes"].size() == 2);
  CHECK(bundle.body["process"]["title"] == "Roosevelt High PB 2026");
  server::AuditReport ok = server::AuditBundle(bundle.body, "");
  CHECK(ok.ok());
  bool named = false;
  for (const auto& line : ok.passed) named = named || line.find("corrections: 2 changes replay") != std::string::npos;
  CHECK(named);
  // The command line says the same.
  TempDir dir;
  const std::string file = dir.file("bundle.json");
  std::ofstream(file) << bundle.text;
  auto cli = RunPsephos("audit " + file);
  CHECK(cli.exit_code == 0);
  CHECK(cli.out.find("corrections: 2 changes replay from the definition as opened to the published one") != std::string::npos);

  // A forged list (a cost changed in the "original", the change list hiding it) fails the audit.
  json forged = bundle.body;
  forged["corrections"]["original"]["budgets"][0]["projects"][0]["cost"] = 10;
  server::AuditReport bad = server::AuditBundle(forged, "");
  CHECK_FALSE(bad.ok());
  // A change whose "before" is not what the field held fails too (the signature aside).
  forged = bundle.body;
  forged["corrections"]["changes"][1]["before"] = "Something else";
  bool replay_named = false;
  for (const auto& line : server::AuditBundle(forged, "").failed) replay_named = replay_named || line.find("change 2") != std::string::npos;
  CHECK(replay_named);
}

TEST_CASE("the diff of two definitions: only texts and pictures are correctable fields") {
  CHECK(server::CorrectableField("title"));
  CHECK(server::CorrectableField("budgets[1].projects[3].image"));
  CHECK(server::CorrectableField("budgets[0].translations.es.title"));
  CHECK(server::CorrectableField("headings[0].title"));
  CHECK_FALSE(server::CorrectableField("budgets[0].projects[3].cost"));
  CHECK_FALSE(server::CorrectableField("budgets[0].projects[3].category"));
  CHECK_FALSE(server::CorrectableField("budgets[0].projects[3].id"));
  CHECK_FALSE(server::CorrectableField("languages"));
  // Replaying backwards and forwards gives each end.
  const json a = json::parse(R"({"title": "A", "budgets": [{"projects": [{"name": "x", "cost": 1}]}]})");
  json b = a;
  b["budgets"][0]["projects"][0]["name"] = "y";
  b["budgets"][0]["projects"][0]["translations"] = {{"es", {{"name", "ye"}}}};
  auto changes = server::DiffCorrection(a, b);
  REQUIRE(changes.ok());
  REQUIRE(changes->size() == 2);
  CHECK(*server::ReplayChanges(a, *changes) == b);
  CHECK(*server::ReplayChanges(b, *changes, false) == a);
}

TEST_CASE("storage: a schema 3 database gains the pictures and corrections tables, its process kept") {
  TempDir dir;
  const std::string path = dir.file("old.db");
  ProcessId id = 0;
  {
    auto storage = std::move(OpenSqliteStorage(path)).value();
    id = *storage->CreateProcess("school", kSchool);
  }
  {  // Back to schema 3 as released: neither table.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("DROP TABLE images; DROP TABLE corrections; PRAGMA user_version=3");
  }
  auto storage = OpenSqliteStorage(path);
  REQUIRE(storage.ok());
  CHECK((*storage)->LoadProcesses()->size() == 1);
  CHECK((*storage)->LoadImages()->empty());
  REQUIRE((*storage)->PutImages({{std::string(64, 'a'), 2, 1, "jpeg"}}).ok());
  REQUIRE((*storage)->CorrectDefinition(id, kSchool, {{1, "Maria", "title", "\"A\"", "\"B\""}}).ok());
  REQUIRE((*storage)->LoadCorrections(id)->size() == 1);
  CHECK((*(*storage)->LoadCorrections(id))[0].by == "Maria");
  CHECK((*(*storage)->LoadImages())[0].jpeg == "jpeg");
  CHECK(SQLite::Database(path).execAndGet("PRAGMA user_version").getInt() >= 5);  // and on, through later steps
}

}  // namespace
}  // namespace psephos::test
