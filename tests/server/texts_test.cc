// Every text in every language (#16 item 6): translations in the definition,
// read back to voters, refused at their field when they do not fit; code
// batches printed in a language.
#include <doctest/doctest.h>

#include "../support/api_fixture.h"

namespace psephos::test {
namespace {

json Bilingual() {
  json d = json::parse(kSchool);
  d["languages"] = {"en", "es"};
  d["translations"] = {{"es", {{"title", "PP de Roosevelt"}, {"description", "Elija proyectos"}}}};
  d["budgets"][0]["title"] = "School budget";
  d["budgets"][0]["translations"] = {{"es", {{"title", "Presupuesto escolar"}}}};
  json& a = d["budgets"][0]["projects"][0];
  a["description"] = "Trees for shade";
  a["details"] = "Six oaks along the south fence, watered by the garden club.";
  a["location"] = "South fence";
  a["translations"] = {{"es", {{"name", "Árboles de sombra"}, {"details", "Seis robles junto a la valla sur."},
                               {"location", "Valla sur"}}}};
  return d;
}

Answer Save(Fixture& f, const json& d) { return f.Call(http::verb::post, "/api/v1/processes", d.dump()); }

void RequireRefused(const Answer& a, const std::string& field, const std::string& words) {
  CHECK(a.status == 422);
  CHECK(a.body["error"]["field"] == field);
  CHECK(a.body["error"]["message"].get<std::string>().find(words) != std::string::npos);
}

TEST_CASE("translations, a longer description and a location are stored and given to voters") {
  Fixture f;
  REQUIRE(Save(f, Bilingual()).status == 201);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/open").status == 200);
  Answer ballot = f.Call(http::verb::get, "/api/v1/processes/school/ballot", "", false);
  REQUIRE(ballot.status == 200);
  CHECK(ballot.body["translations"]["es"]["title"] == "PP de Roosevelt");
  CHECK(ballot.body["budgets"][0]["translations"]["es"]["title"] == "Presupuesto escolar");
  const json& a = ballot.body["budgets"][0]["projects"][0];
  CHECK(a["name"] == "Shade trees");
  CHECK(a["details"] == "Six oaks along the south fence, watered by the garden club.");
  CHECK(a["location"] == "South fence");
  CHECK(a["translations"]["es"]["name"] == "Árboles de sombra");
  CHECK(a["translations"]["es"]["location"] == "Valla sur");
  CHECK_FALSE(a["translations"]["es"].contains("description"));  // falls back to the English one
  // A blank translation is the default language's text: not kept.
  json d = Bilingual();
  d["slug"] = "blank";
  d["budgets"][0]["projects"][1]["translations"] = {{"es", {{"name", ""}}}};
  REQUIRE(Save(f, d).status == 201);
  CHECK_FALSE(f.Call(http::verb::get, "/api/v1/processes/blank").body["definition"]["budgets"][0]["projects"][1]
                  .contains("translations"));
}

TEST_CASE("a translation in no language of the process, of no text, or not a string is refused at its field") {
  Fixture f;
  json d = Bilingual();
  d["translations"]["fr"] = {{"title", "BP de Roosevelt"}};
  RequireRefused(Save(f, d), "translations.fr", "not one of the process's languages");
  d = Bilingual();
  d["translations"]["en"] = {{"title", "Roosevelt PB"}};
  RequireRefused(Save(f, d), "translations.en", "the definition's own language");
  d = Bilingual();
  d["budgets"][0]["projects"][0]["translations"]["es"]["cost"] = "50";  // costs are not texts
  RequireRefused(Save(f, d), "budgets[0].projects[0].translations.es.cost", "not a text of this object");
  d = Bilingual();
  d["budgets"][0]["translations"]["es"]["title"] = 7;
  RequireRefused(Save(f, d), "budgets[0].translations.es.title", "must be a string");
  d = Bilingual();
  d["budgets"][0]["projects"][2]["translations"] = "Libros";
  RequireRefused(Save(f, d), "budgets[0].projects[2].translations", "must be an object");
  d = Bilingual();
  d["budgets"][0]["projects"][2]["location"] = std::string(501, 'x');
  RequireRefused(Save(f, d), "budgets[0].projects[2].location", "longer than 500");
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school").status == 404);
}

TEST_CASE("a code batch carries the language its sheets are printed in") {
  Fixture f;
  REQUIRE(Save(f, Bilingual()).status == 201);
  Answer es = f.Call(http::verb::post, "/api/v1/processes/school/codes",
                     json{{"count", 2}, {"group", "student"}, {"language", "es"}}.dump());
  REQUIRE(es.status == 201);
  CHECK(es.body["language"] == "es");
  Answer csv = f.Call(http::verb::get, es.body["download"]);
  REQUIRE(csv.status == 200);
  CHECK(csv.text.starts_with("code,group,area,language\n"));
  CHECK(csv.text.ends_with(",student,,es\n"));
  // No language: the process's first; one the process does not have: refused, naming it.
  Answer plain = f.Call(http::verb::post, "/api/v1/processes/school/codes", json{{"count", 1}, {"group", "family"}}.dump());
  CHECK(plain.body["language"] == "en");
  Answer fr = f.Call(http::verb::post, "/api/v1/processes/school/codes",
                     json{{"count", 1}, {"group", "family"}, {"language", "fr"}}.dump());
  CHECK(fr.status == 422);
  CHECK(fr.body["error"]["code"] == "invalid_language");
  CHECK(fr.body["error"]["message"].get<std::string>().find("\"fr\"") != std::string::npos);
}

}  // namespace
}  // namespace psephos::test
