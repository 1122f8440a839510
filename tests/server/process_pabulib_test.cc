// A process from a set of pabulib files (Warsaw 2026: the city-wide budget and
// three local ones), and budgets written back as .pb files.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "../support/shared_data.h"
#include "psephos/ballots/pabulib.h"
#include "psephos/server/process_pabulib.h"

using namespace psephos::server;
using nlohmann::json;
namespace engine = psephos::engine;
namespace ballots = psephos::ballots;

namespace {

const char* const kWarsaw[] = {"Poland_Warszawa_2026.pb", "Poland_Warszawa_2026_Sady_Zoliborskie.pb",
                               "Poland_Warszawa_2026_Szczesliwice.pb", "Poland_Warszawa_2026_Wlochy.pb"};
const char* const kCity = "Poland_Warszawa_2026";
const char* const kSady = "Poland_Warszawa_2026_Sady_Zoliborskie";
const char* const kSzczesliwice = "Poland_Warszawa_2026_Szczesliwice";
const char* const kWlochy = "Poland_Warszawa_2026_Wlochy";

std::string SharedText(const std::string& file) {
  std::ifstream in(psephos::test::SharedPabulib() / file, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing shared data: " << file);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<PabulibFile> WarsawFiles() {
  std::vector<PabulibFile> files;
  for (const char* name : kWarsaw) files.push_back({name, SharedText(name)});
  return files;
}

ProcessDefinition Warsaw(LocalBudgets local) {
  auto p = ProcessFromPabulibSet(WarsawFiles(), "warszawa-2026", "Warszawa 2026", local);
  REQUIRE_MESSAGE(p.ok(), p.status().message());
  return std::move(p).value();
}

// A small file; `meta` goes into META, `projects` are rows under project_id;cost;name.
std::string SmallPb(const std::string& meta = "", const std::string& projects = "p1;100;Park\np2;250;Pool\n") {
  return "META\nkey;value\ndescription;Small\nbudget;300\nvote_type;approval\nmax_length;2\n" + meta +
         "PROJECTS\nproject_id;cost;name\n" + projects;
}

std::vector<std::string> Ids(const ProcessDefinition& p) {
  std::vector<std::string> ids;
  for (const Budget& b : p.budgets) ids.push_back(b.id);
  return ids;
}

engine::Election Reparse(const ProcessDefinition& p, const Budget& b, const std::vector<json>& ballots = {}) {
  auto text = BudgetPabulib(p, b, ballots);
  REQUIRE_MESSAGE(text.ok(), text.status().message());
  auto e = ballots::ParsePabulib(*text, b.id + ".pb");
  REQUIRE_MESSAGE(e.ok(), e.status().message());
  return std::move(e).value();
}

std::string Meta(const engine::Election& e, const std::string& key) {
  const std::string* v = e.Meta(key);
  return v ? *v : "(none)";
}

}  // namespace

TEST_CASE("pabulib set: Warsaw 2026, local budgets under one heading") {
  const ProcessDefinition p = Warsaw(LocalBudgets::kHeading);
  CHECK(p.slug == "warszawa-2026");
  CHECK(p.title == "Warszawa 2026");
  REQUIRE(p.budgets.size() == 4);
  CHECK(Ids(p) == std::vector<std::string>{kCity, kSady, kSzczesliwice, kWlochy});
  const engine::Money amounts[] = {24186815, 967473, 846539, 967473};
  const std::int64_t thresholds[] = {3000, 30, 30, 150};
  const std::size_t projects[] = {83, 21, 16, 10};
  for (std::size_t i = 0; i < 4; ++i) {
    const Budget& b = p.budgets[i];
    CAPTURE(b.id);
    CHECK(b.election.budget == amounts[i]);
    CHECK(b.election.money_scale == 0);
    CHECK(b.election.projects.size() == projects[i]);
    CHECK(b.rule == engine::RuleKind::kGreedyThreshold);
    CHECK(b.min_score == thresholds[i]);
    CHECK(b.election.rules.max_projects == 5);
    CHECK(b.election.ballot_type == engine::BallotType::kApproval);
    CHECK(b.currency == "PLN");
    CHECK(b.area.empty());
    CHECK(b.heading == (i == 0 ? "" : "local"));
    CHECK(b.election.profile.size() == 0);  // the files' ballots are not imported
  }
  CHECK(p.budgets[0].title == "Municipal PB in Warszawa");
  CHECK(p.budgets[3].title == "District PB in Warszawa, Włochy");
  REQUIRE(p.headings.size() == 1);
  CHECK(p.headings[0].id == "local");
  CHECK(p.headings[0].title == "Local budget in Warszawa: choose one");
  CHECK(p.areas.empty());
  // Projects keep name and category, nothing else of the file's columns.
  const engine::Project& first = p.budgets[0].election.projects[0];
  CHECK(first.id == "214");
  CHECK(first.cost == 4800000);
  CHECK(*first.Attribute("name") == "Zakup niezbędnego sprzętu medycznego dla miejskich szpitali");
  CHECK(*first.Attribute("category") == "health and welfare");
  CHECK(first.Attribute("votes") == nullptr);
  CHECK(first.Attribute("latitude") == nullptr);

  // A voter votes city-wide and in one local budget of their choice.
  CHECK(p.EligibleBudgets("").size() == 4);
  std::vector<ballots::BallotProblem> problems;
  json ok = {{"ballots", {{kCity, {{"projects", {"214"}}}}, {kWlochy, {{"projects", {"1806"}}}}}}};
  CHECK_FALSE(CheckProcessBallot(p, ok, &problems).empty());
  CHECK(problems.empty());
  json two = ok;
  two["ballots"][kSady] = {{"projects", {"2086"}}};
  CHECK(CheckProcessBallot(p, two, &problems).empty());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].code == "one_per_heading");
}

TEST_CASE("pabulib set: Warsaw 2026, local budgets by area") {
  const ProcessDefinition p = Warsaw(LocalBudgets::kArea);
  REQUIRE(p.budgets.size() == 4);
  CHECK(Ids(p) == std::vector<std::string>{kCity, kSady, kSzczesliwice, kWlochy});
  CHECK(p.headings.empty());
  CHECK(p.areas == std::vector<std::string>{"Sady Żoliborskie", "Szczęśliwice", "Włochy"});
  CHECK(p.budgets[0].area.empty());
  CHECK(p.budgets[1].area == "Sady Żoliborskie");
  CHECK(p.budgets[2].area == "Szczęśliwice");
  CHECK(p.budgets[3].area == "Włochy");
  for (const Budget& b : p.budgets) CHECK(b.heading.empty());
  CHECK(p.budgets[1].min_score == 30);
  const auto wlochy = p.EligibleBudgets("Włochy");
  REQUIRE(wlochy.size() == 2);
  CHECK(wlochy[0]->id == kCity);
  CHECK(wlochy[1]->id == kWlochy);
  CHECK(p.EligibleBudgets("").size() == 1);

  // Two files of one area: two budgets for its codes, the area listed once; the
  // same file name twice gets a suffix.
  auto files = WarsawFiles();
  files.push_back({"again/Poland_Warszawa_2026_Wlochy.pb", files[3].text});
  auto twice = ProcessFromPabulibSet(files, "w", "W", LocalBudgets::kArea);
  REQUIRE_MESSAGE(twice.ok(), twice.status().message());
  CHECK(twice->budgets[4].id == std::string(kWlochy) + "-2");
  CHECK(twice->areas.size() == 3);
  CHECK(twice->EligibleBudgets("Włochy").size() == 3);
}

TEST_CASE("pabulib set: budget ids from file names, titles, process title") {
  auto p = ProcessFromPabulibSet({{"dir/sub/Łódź 2024 (large).pb", SmallPb()},
                                  {"C:\\data\\.hidden.pb", SmallPb("subunit;North\n")},
                                  {".pb", SmallPb()},
                                  {std::string(100, 'x') + ".pb", SmallPb()},
                                  {std::string(100, 'x') + ".pb", SmallPb()},
                                  {"budget", SmallPb()}},
                                 "ids", "", LocalBudgets::kHeading);
  REQUIRE_MESSAGE(p.ok(), p.status().message());
  CHECK(Ids(*p) == std::vector<std::string>{"d__2024__large_", "hidden", "budget", std::string(64, 'x'),
                                            std::string(62, 'x') + "-2", "budget-2"});
  CHECK(p->title == "Small");  // no title given, no META unit: the first file's description
  CHECK(p->budgets[0].title == "Small");
  CHECK(p->budgets[1].heading == "local");
  CHECK(p->headings[0].title == "Local budget: choose one");

  auto untitled = ProcessFromPabulibSet({{"a.pb", "META\nkey;value\nbudget;300\nvote_type;approval\nunit;Assen\n"
                                                  "instance;2024\nPROJECTS\nproject_id;cost\np1;100\n"}},
                                        "assen", "", LocalBudgets::kArea);
  REQUIRE_MESSAGE(untitled.ok(), untitled.status().message());
  CHECK(untitled->title == "Assen 2024");
  CHECK(untitled->budgets[0].title == "a.pb");
  // Files without names (Stanford's) still give projects a name.
  CHECK(*untitled->budgets[0].election.projects[0].Attribute("name") == "Project p1");
}

TEST_CASE("pabulib set: the META rule and threshold become the budget's") {
  auto rule_of = [](const std::string& meta) {
    auto p = ProcessFromPabulibSet({{"r.pb", SmallPb(meta)}}, "r", "R", LocalBudgets::kHeading);
    REQUIRE_MESSAGE(p.ok(), p.status().message());
    const Budget& b = p->budgets[0];
    std::string out = engine::RuleName(b.rule);
    if (b.min_score) {
      out += ' ';
      out += std::to_string(*b.min_score);
    }
    return out;
  };
  CHECK(rule_of("rule;greedy-threshold\nmin_project_score_threshold;3000\n") == "greedy-threshold 3000");
  CHECK(rule_of("rule;greedy-threshold\n") == "greedy-threshold");  // counted with the default 1
  CHECK(rule_of("rule;greedy\n") == "greedy");
  CHECK(rule_of("rule;greedy-no-skip\nmin_project_score_threshold;5\n") == "greedy-no-skip 5");
  CHECK(rule_of("rule;equalshares/add1\n") == "equalshares-add1");
  CHECK(rule_of("rule;greedy-custom\nunit;Poznań\n") == "greedy-reserve");
  CHECK(rule_of("rule;mes\n") == "mes");  // a Psephos export reads back
  CHECK(rule_of("rule;greedy-custom\n") == "greedy");
  CHECK(rule_of("rule;unknown\n") == "greedy");
  CHECK(rule_of("") == "greedy");

  auto bad = ProcessFromPabulibSet({{"t.pb", SmallPb("min_project_score_threshold;lots\n")}}, "r", "R",
                                   LocalBudgets::kHeading);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().starts_with("t.pb: META min_project_score_threshold"));

  // The one-file import reads the threshold too.
  auto one = ProcessFromPabulib(SmallPb("rule;greedy-threshold\nmin_project_score_threshold;30\n"), "one");
  REQUIRE_MESSAGE(one.ok(), one.status().message());
  CHECK(one->budgets[0].id == "main");
  CHECK(one->budgets[0].rule == engine::RuleKind::kGreedyThreshold);
  CHECK(one->budgets[0].min_score == 30);
}

TEST_CASE("pabulib set: errors name the file") {
  auto files = WarsawFiles();
  // Break the cost of Włochy's first project; the error gives its line.
  std::string& text = files[3].text;
  const std::size_t row = text.find("\n1806;245000;") + 1;
  REQUIRE(row != std::string::npos + 1);
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(row), '\n');
  text.replace(row, 12, "1806;lots;");
  auto broken = ProcessFromPabulibSet(files, "w", "W", LocalBudgets::kHeading);
  REQUIRE_FALSE(broken.ok());
  std::string expected = "Poland_Warszawa_2026_Wlochy.pb:";
  expected += std::to_string(line);
  expected += ": cost: ";
  CHECK_MESSAGE(broken.status().message().starts_with(expected), broken.status().message());

  auto empty = ProcessFromPabulibSet({}, "w", "W", LocalBudgets::kHeading);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().message().find("no .pb file") != std::string::npos);

  std::vector<PabulibFile> many(21, PabulibFile{"a.pb", SmallPb()});
  auto too_many = ProcessFromPabulibSet(many, "w", "W", LocalBudgets::kHeading);
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.status().message().find("at most 20") != std::string::npos);
  CHECK(ProcessFromPabulibSet(std::vector<PabulibFile>(20, PabulibFile{"a.pb", SmallPb()}), "w", "W",
                              LocalBudgets::kHeading)
            .ok());

  const std::string latin1 = SmallPb("", "p1;100;Ogr\xf3" "d\n");
  auto not_utf8 = ProcessFromPabulibSet({{"ok.pb", SmallPb()}, {"latin.pb", latin1}}, "w", "W",
                                        LocalBudgets::kHeading);
  REQUIRE_FALSE(not_utf8.ok());
  CHECK_MESSAGE(not_utf8.status().message().starts_with("latin.pb:9: byte \\xf3 is not UTF-8"),
                not_utf8.status().message());

  // What only the definition's rules refuse names the file too.
  auto bad_id = ProcessFromPabulibSet({{"ok.pb", SmallPb()}, {"spaces.pb", SmallPb("", "p 1;100;Park\n")}}, "w",
                                      "W", LocalBudgets::kHeading);
  REQUIRE_FALSE(bad_id.ok());
  CHECK_MESSAGE(bad_id.status().message().starts_with("spaces.pb: budgets[1].projects[0].id: "),
                bad_id.status().message());
}

TEST_CASE("pabulib export: each Warsaw budget reads back with its projects, amount and rules") {
  for (LocalBudgets local : {LocalBudgets::kHeading, LocalBudgets::kArea}) {
    const ProcessDefinition p = Warsaw(local);
    std::vector<PabulibFile> exported;
    for (const Budget& b : p.budgets) {
      CAPTURE(b.id);
      const engine::Election e = Reparse(p, b);
      const engine::Election& original = b.election;
      REQUIRE(e.projects.size() == original.projects.size());
      for (std::size_t i = 0; i < e.projects.size(); ++i) {
        CHECK(e.projects[i].id == original.projects[i].id);
        CHECK(e.projects[i].cost == original.projects[i].cost);
        CHECK(*e.projects[i].Attribute("name") == *original.projects[i].Attribute("name"));
      }
      CHECK(e.budget == original.budget);
      CHECK(e.money_scale == original.money_scale);
      CHECK(e.rules == original.rules);
      CHECK(e.ballot_type == original.ballot_type);
      CHECK(e.profile.size() == 0);
      CHECK(Meta(e, "rule") == "greedy-threshold");
      CHECK(Meta(e, "min_project_score_threshold") == std::to_string(*b.min_score));
      CHECK(Meta(e, "currency") == "PLN");
      CHECK(Meta(e, "num_votes") == "0");
      if (b.id == kCity) {
        CHECK(e.Meta("district") == nullptr);
        CHECK(e.Meta("subunit") == nullptr);
      } else if (local == LocalBudgets::kArea) {
        CHECK(Meta(e, "district") == b.area);
      } else {
        CHECK(Meta(e, "subunit") == b.title);
      }
      exported.push_back({b.id + ".pb", *BudgetPabulib(p, b, {})});
    }
    // The exported files import as the same process.
    auto again = ProcessFromPabulibSet(exported, p.slug, p.title, local);
    REQUIRE_MESSAGE(again.ok(), again.status().message());
    CHECK(Ids(*again) == Ids(p));
    CHECK(again->areas == p.areas);
    CHECK(again->headings.size() == p.headings.size());
    for (std::size_t i = 0; i < p.budgets.size(); ++i) {
      CHECK(again->budgets[i].rule == p.budgets[i].rule);
      CHECK(again->budgets[i].min_score == p.budgets[i].min_score);
      CHECK(again->budgets[i].area == p.budgets[i].area);
      CHECK(again->budgets[i].heading == p.budgets[i].heading);
      CHECK(again->budgets[i].election.budget == p.budgets[i].election.budget);
    }
  }
}

TEST_CASE("pabulib export: a budget's file holds exactly the ballots with a vote in it") {
  const ProcessDefinition p = Warsaw(LocalBudgets::kHeading);
  const std::vector<json> cast = {
      {{kCity, {{"projects", {"214", "1109"}}}}, {kWlochy, {{"projects", {"1806"}}}}},
      {{kCity, {{"projects", {"214"}}}}, {kSady, {{"projects", {"2086", "1740"}}}}},
      {{kCity, {{"projects", json::array()}}}, {kWlochy, {{"projects", {"1674", "1806"}}}}, {"_channel", "paper"}},
  };
  const engine::Election city = Reparse(p, p.budgets[0], cast);
  REQUIRE(city.profile.size() == 3);
  CHECK(Meta(city, "num_votes") == "3");
  const auto ids = [](const engine::Election& e, std::size_t ballot) {
    std::vector<std::string> out;
    for (auto i : e.profile.projects(ballot)) out.push_back(e.projects[i].id);
    return out;
  };
  CHECK(ids(city, 0) == std::vector<std::string>{"214", "1109"});
  CHECK(ids(city, 1) == std::vector<std::string>{"214"});
  CHECK(ids(city, 2).empty());
  const engine::Election wlochy = Reparse(p, p.budgets[3], cast);
  REQUIRE(wlochy.profile.size() == 2);
  CHECK(ids(wlochy, 0) == std::vector<std::string>{"1806"});
  CHECK(ids(wlochy, 1) == std::vector<std::string>{"1674", "1806"});
  const engine::Election sady = Reparse(p, p.budgets[1], cast);
  REQUIRE(sady.profile.size() == 1);
  CHECK(ids(sady, 0) == std::vector<std::string>{"2086", "1740"});
  CHECK(Reparse(p, p.budgets[2], cast).profile.size() == 0);

  // A ballot naming a project the budget does not have is refused, naming it.
  auto wrong = BudgetPabulib(p, p.budgets[3], {{{kWlochy, {{"projects", {"214"}}}}}});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().message().find("unknown project \"214\"") != std::string::npos);
}

TEST_CASE("pabulib export: a plain budget's META is unchanged (no area, heading or threshold)") {
  auto p = ProcessFromPabulib(SmallPb("currency;EUR\n"), "plain");
  REQUIRE_MESSAGE(p.ok(), p.status().message());
  auto text = BudgetPabulib(*p, p->budgets[0], {});
  REQUIRE(text.ok());
  CHECK(*text ==
        "META\nkey;value\ndescription;Small\nunit;plain\ninstance;main\nnum_projects;2\nnum_votes;0\n"
        "rule;greedy\ncurrency;EUR\nmax_length;2\nbudget;300\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost;name\np1;100;Park\np2;250;Pool\n");
}

TEST_CASE("pabulib set: the process tallies (greedy-threshold with the file's min_score)") {
  const ProcessDefinition p = Warsaw(LocalBudgets::kHeading);
  // 3000 voters: 214 reaches the city's threshold of 3000, 1109 (2999) does not;
  // in Włochy (threshold 150) 1806 gets 3000 votes and 1674 149.
  std::vector<std::string> stored;
  for (int i = 0; i < 3000; ++i) {
    json city = {"214"};
    if (i > 0) city.push_back("1109");
    json local = {"1806"};
    if (i < 149) local.push_back("1674");
    std::vector<ballots::BallotProblem> problems;
    json body = {{"ballots", {{kCity, {{"projects", city}}}, {kWlochy, {{"projects", local}}}}}};
    stored.push_back(CheckProcessBallot(p, body, &problems));
    REQUIRE(problems.empty());
  }
  auto tally = TallyProcess(p, stored);
  REQUIRE_MESSAGE(tally.ok(), tally.status().message());
  REQUIRE(tally->size() == 4);
  const json& city = (*tally)[0];
  CHECK(city["budget"] == kCity);
  CHECK(city["ballots"] == 3000);
  CHECK(city["votes"]["214"] == 3000);
  CHECK(city["votes"]["1109"] == 2999);
  CHECK(city["outcome"]["selected"] == json::array({"214"}));
  const json& wlochy = (*tally)[3];
  CHECK(wlochy["budget"] == kWlochy);
  CHECK(wlochy["outcome"]["selected"] == json::array({"1806"}));
  CHECK((*tally)[1]["outcome"].is_null());  // nobody chose Sady Żoliborskie

  // With greedy-threshold's default threshold (1) the same ballots fund 1109 and 1674 as well.
  ProcessDefinition plain = p;
  plain.budgets[0].min_score.reset();
  plain.budgets[3].min_score.reset();
  auto unthresholded = TallyProcess(plain, stored);
  REQUIRE(unthresholded.ok());
  CHECK((*unthresholded)[0]["outcome"]["selected"] == json::array({"214", "1109"}));
  CHECK((*unthresholded)[3]["outcome"]["selected"] == json::array({"1806", "1674"}));
}

TEST_CASE("pabulib set: every shared file imports as a budget") {
  for (const auto& entry : std::filesystem::directory_iterator(psephos::test::SharedPabulib())) {
    if (entry.path().extension() != ".pb") continue;
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    auto p = ProcessFromPabulibSet({{name, SharedText(name)}}, "shared", "", LocalBudgets::kArea);
    if (name == "Poland_Warszawa_2022_Bemowo.pb") {
      // greedy-exclusive without exclusive groups: never a silent plain greedy.
      REQUIRE_FALSE(p.ok());
      CHECK(p.status().message().find("cannot be reproduced") != std::string::npos);
      continue;
    }
    CHECK_MESSAGE(p.ok(), p.status().message());
    if (p.ok()) CHECK(p->budgets[0].tie_break == engine::TieBreakOrder::kFile);
    if (p.ok()) {
      const engine::Election e = Reparse(*p, p->budgets[0]);
      CHECK(e.budget == p->budgets[0].election.budget);
    }
  }
}

TEST_CASE("pabulib import: Poznań's greedy-custom is greedy-reserve at 80%, counted and exported as such") {
  const std::string name = "Poland_Poznan_2025_3_-_Piatkowo_Polnoc_Piatkowo__large.pb";
  auto p = ProcessFromPabulibSet({{name, SharedText(name)}}, "poznan", "", LocalBudgets::kArea);
  REQUIRE_MESSAGE(p.ok(), p.status().message());
  const Budget& b = p->budgets[0];
  CHECK(b.rule == engine::RuleKind::kGreedyReserve);
  CHECK(b.reserve_share == 80);
  CHECK(b.tie_break == engine::TieBreakOrder::kFile);
  // The definition keeps them through JSON.
  auto again = ParseProcessDefinition(ProcessDefinitionJson(*p));
  REQUIRE_MESSAGE(again.ok(), again.status().message());
  CHECK(again->budgets[0].reserve_share == 80);
  CHECK(again->budgets[0].tie_break == engine::TieBreakOrder::kFile);
  // Count the file's own ballots as stored ones.
  const engine::Election file = *ballots::ParsePabulib(SharedText(name), name);
  std::vector<std::string> stored;
  for (std::size_t v = 0; v < file.profile.size(); ++v) {
    json ballot;
    json ids = json::array();
    for (auto q : file.profile.projects(v)) ids.push_back(file.projects[q].id);
    ballot[b.id]["projects"] = ids;
    stored.push_back(ballot.dump());
  }
  auto tally = TallyProcess(*p, stored);
  REQUIRE_MESSAGE(tally.ok(), tally.status().message());
  const json& outcome = (*tally)[0]["outcome"];
  CHECK(outcome["selected"] == json::array({"RD-III.5", "RD-III.1"}));
  CHECK(outcome["reserve_used"] == 80000);
  CHECK(outcome["rounds"][1]["decision"] == "funded_from_reserve");
  CHECK((*tally)[0]["explanations"]["RD-III.1"]["decision"] == "funded_from_reserve");
  // A greedy-reserve budget without its share is refused.
  json def = ProcessDefinitionJson(*p);
  def["budgets"][0].erase("reserve_share");
  auto refused = ParseProcessDefinition(def);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("reserve_share") != std::string::npos);
}

TEST_CASE("definitions: exclusive groups and the file tie-break are kept and honoured by the count") {
  auto p = ProcessFromPabulibSet({{"g.pb", "META\nkey;value\nbudget;300\nvote_type;approval\nrule;greedy\n"
                                           "PROJECTS\nproject_id;cost;name;exclusive_group\n"
                                           "b;100;Park;site\na;100;Square;site\nc;100;Bench;\n"}},
                                 "groups", "Groups", LocalBudgets::kArea);
  REQUIRE_MESSAGE(p.ok(), p.status().message());
  const json def = ProcessDefinitionJson(*p);
  CHECK(def["budgets"][0]["projects"][0]["exclusive_group"] == "site");
  CHECK_FALSE(def["budgets"][0]["projects"][2].contains("exclusive_group"));
  auto again = ParseProcessDefinition(def);
  REQUIRE_MESSAGE(again.ok(), again.status().message());
  CHECK(again->budgets[0].election.projects[1].exclusive_group == "site");
  // b and a tie (one vote each) and exclude each other: file order funds b, not a.
  std::vector<std::string> stored = {R"({"g":{"projects":["b","a","c"]}})"};
  auto tally = TallyProcess(*again, stored);
  REQUIRE_MESSAGE(tally.ok(), tally.status().message());
  const json& outcome = (*tally)[0]["outcome"];
  CHECK(outcome["tie_break"] == "file");
  CHECK(outcome["selected"] == json::array({"b", "c"}));
  CHECK((*tally)[0]["explanations"]["a"]["decision"] == "excluded");
  // And the .pb export writes the groups back.
  auto pb = BudgetPabulib(*again, again->budgets[0], {json::parse(stored[0])});
  REQUIRE(pb.ok());
  CHECK(pb->find("exclusive_group") != std::string::npos);
}
