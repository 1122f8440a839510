// Writing pabulib files: money formatting, quoting, and parse -> write ->
// parse round trips of the hand-made and the shared real files.

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "election_testing.h"
#include "psephos/ballots/pabulib.h"

namespace psephos {
namespace {

using ballots::FormatMoney;
using ballots::ParsePabulib;
using ballots::WritePabulib;
using engine::BallotType;
using engine::Election;
using engine::ProjectIndex;
using testing::FirstDifference;

TEST_CASE("FormatMoney renders amounts at a scale without trailing zeros") {
  CHECK(FormatMoney(123450, 2) == "1234.5");
  CHECK(FormatMoney(123456, 2) == "1234.56");
  CHECK(FormatMoney(100, 0) == "100");
  CHECK(FormatMoney(0, 0) == "0");
  CHECK(FormatMoney(0, 3) == "0");
  CHECK(FormatMoney(5, 2) == "0.05");
  CHECK(FormatMoney(12300, 2) == "123");
  CHECK(FormatMoney(-5, 2) == "-0.05");
  CHECK(FormatMoney(-123450, 2) == "-1234.5");
  CHECK(FormatMoney(-7, 0) == "-7");
  CHECK(FormatMoney(1, 9) == "0.000000001");
  CHECK(FormatMoney(std::numeric_limits<std::int64_t>::max(), 0) == "9223372036854775807");
  CHECK(FormatMoney(std::numeric_limits<std::int64_t>::min(), 2) == "-92233720368547758.08");
}

Result<Election> RoundTrip(const Election& election) {
  return ParsePabulib(WritePabulib(election), "written.pb");
}

TEST_CASE("hand-made files survive a round trip") {
  for (const char* name : {"small_approval.pb", "small_cumulative.pb", "small_ordinal.pb",
                           "small_scoring.pb", "small_choose1.pb"}) {
    CAPTURE(name);
    Result<Election> original = ballots::ReadPabulibFile(testing::TestDataPath(name));
    REQUIRE_MESSAGE(original.ok(), original.status().message());
    Result<Election> again = RoundTrip(*original);
    REQUIRE_MESSAGE(again.ok(), again.status().message());
    CHECK(FirstDifference(*original, *again) == "");
    // Writing is deterministic: the second generation is byte for byte the first.
    CHECK(WritePabulib(*again) == WritePabulib(*original));
  }
}

TEST_CASE("exclusive groups and the project order survive a round trip") {
  const std::string text =
      "META\nkey;value\nbudget;100\nvote_type;approval\nrule;greedy-exclusive\n"
      "PROJECTS\nproject_id;cost;exclusive_group;name\n"
      "773;60;Konarskiego;Park\n9;10;;Bench\n153;50;Konarskiego;Square\n"
      "VOTES\nvoter_id;vote\n1;773,9\n2;153\n";
  Result<Election> original = ParsePabulib(text, "groups.pb");
  REQUIRE_MESSAGE(original.ok(), original.status().message());
  REQUIRE(original->projects.size() == 3);
  CHECK(original->projects[0].exclusive_group == "Konarskiego");
  CHECK(original->projects[1].exclusive_group.empty());
  CHECK(original->projects[2].exclusive_group == "Konarskiego");
  CHECK(original->projects[0].Attribute("exclusive_group") == nullptr);  // a model field, not an attribute
  CHECK(original->HasExclusiveGroups());
  Result<Election> again = RoundTrip(*original);
  REQUIRE_MESSAGE(again.ok(), again.status().message());
  CHECK(FirstDifference(*original, *again) == "");
  CHECK(again->projects[0].id == "773");  // PROJECTS order kept: the file tie-break
  CHECK(again->projects[2].id == "153");
  CHECK(WritePabulib(*again).find("project_id;cost;name;exclusive_group\n773;60;Park;Konarskiego\n9;10;Bench;\n") !=
        std::string::npos);
  // Without groups no column is written.
  Election plain = *original;
  for (auto& p : plain.projects) p.exclusive_group.clear();
  CHECK(WritePabulib(plain).find("exclusive_group") == std::string::npos);
}

TEST_CASE("without projects, a budget's text keeps its own scale when a cost limit carries a finer one") {
  // Found by pabulib_fuzz: "budget;100" was written back as "budget;100.0".
  Result<Election> original = ParsePabulib(
      "META\nkey;value\nbudget;100\nvote_type;approval\nmax_sum_cost;10,0\nPROJECTS\nproject_id;cost\n", "in.pb");
  REQUIRE_MESSAGE(original.ok(), original.status().message());
  CHECK(original->money_scale == 1);
  const std::string written = WritePabulib(*original);
  CHECK(written.find("budget;100\n") != std::string::npos);
  Result<Election> again = RoundTrip(*original);
  REQUIRE_MESSAGE(again.ok(), again.status().message());
  CHECK(FirstDifference(*original, *again) == "");
}

TEST_CASE("a repeated cost limit: the last one sets the scale, as the reader says") {
  // Found by pabulib_fuzz: "budget;0525" was written as "budget;525" because an earlier
  // max_sum_cost with a decimal was taken for the scale.
  Result<Election> original = ParsePabulib(
      "META\nkey;value\nmax_sum_cost;.4\nbudget;0525\nvote_type;approval\nmax_sum_cost;4\n"
      "PROJECTS\nproject_id;cost\n", "in.pb");
  REQUIRE_MESSAGE(original.ok(), original.status().message());
  CHECK(original->money_scale == 0);
  CHECK(WritePabulib(*original).find("budget;0525\n") != std::string::npos);
  Result<Election> again = RoundTrip(*original);
  REQUIRE_MESSAGE(again.ok(), again.status().message());
  CHECK(FirstDifference(*original, *again) == "");
}

TEST_CASE("FormatAmount writes every decimal of the scale") {
  CHECK(ballots::FormatAmount(123450, 2) == "1234.50");
  CHECK(ballots::FormatAmount(100000, 2) == "1000.00");
  CHECK(ballots::FormatAmount(-5, 3) == "-0.005");
  CHECK(ballots::FormatAmount(7, 0) == "7");
}

TEST_CASE("the written layout has amounts at full scale and quoting and column order") {
  Result<Election> original = ballots::ReadPabulibFile(testing::TestDataPath("small_approval.pb"));
  REQUIRE_MESSAGE(original.ok(), original.status().message());
  const std::string text = WritePabulib(*original);
  CHECK(text.rfind("META\nkey;value\ndescription;Hand-made approval election\n", 0) == 0);
  CHECK(text.find("\nbudget;1000,50\n") != std::string::npos);  // unchanged budget kept verbatim
  // Costs carry exactly money_scale decimals, so the scale survives.
  CHECK(text.find("\nPROJECTS\nproject_id;cost;votes;name;category\np1;400.00;3;Park benches;"
                  "\"greenery;public space\"\n") != std::string::npos);
  CHECK(text.find("\np2;250.25;2;\"The \"\"big\"\" mural\";culture\n") != std::string::npos);
  CHECK(text.find("\nVOTES\nvoter_id;vote;age;sex\nv1;p1,p2;34;F\nv2;p1,p3;51;M\nv3;;29;F\n") !=
        std::string::npos);
}

TEST_CASE("a changed budget or ballot type is written from the election and not the old meta") {
  Result<Election> parsed = ballots::ReadPabulibFile(testing::TestDataPath("small_approval.pb"));
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  Election e = std::move(parsed).value();
  e.budget = 77705;
  e.ballot_type = BallotType::kChoose1;
  const std::string text = WritePabulib(e);
  CHECK(text.find("\nbudget;777.05\n") != std::string::npos);
  CHECK(text.find("\nvote_type;choose-1\n") != std::string::npos);
  Result<Election> again = ParsePabulib(text, "written.pb");
  REQUIRE_MESSAGE(again.ok(), again.status().message());
  CHECK(again->budget == 77705);
  CHECK(again->ballot_type == BallotType::kChoose1);
}

TEST_CASE("an election built in code gets budget and vote_type and voter ids") {
  Election e;
  e.money_scale = 1;
  e.budget = 105;  // 10.5
  e.ballot_type = BallotType::kCumulative;
  e.projects.push_back({"first", 30, {{"name", "  padded; \"odd\"\nname "}}, {}});
  e.projects.push_back({"votes", 40, {{"category", "x"}}, {}});  // an id that reads like a title
  const std::vector<ProjectIndex> ballot = {1, 0};
  const std::vector<std::int64_t> points = {2, 8};
  e.profile.Add(ballot, points);
  e.profile.Add({}, {});

  const std::string text = WritePabulib(e);
  CHECK(text.find("\nbudget;10.5\nvote_type;cumulative\n") != std::string::npos);
  CHECK(text.find("\nproject_id;cost;name;category\n") != std::string::npos);
  CHECK(text.find("\nfirst;3.0;\"  padded; \"\"odd\"\"\nname \";\n") != std::string::npos);
  CHECK(text.find("\n\"votes\";4.0;;x\n") != std::string::npos);
  CHECK(text.find("\nVOTES\nvoter_id;vote;points\n1;votes,first;2,8\n2;;\n") != std::string::npos);

  Result<Election> again = ParsePabulib(text, "written.pb");
  REQUIRE_MESSAGE(again.ok(), again.status().message());
  CHECK(again->budget == 105);
  CHECK(again->money_scale == 1);
  REQUIRE(again->projects.size() == 2);
  CHECK(again->projects[1].id == "votes");
  CHECK(again->projects[1].cost == 40);
  // The reader trims values, so only the inner text of the name survives.
  CHECK(*again->projects[0].Attribute("name") == "padded; \"odd\"\nname");
  CHECK(*again->projects[0].Attribute("category") == "");
  REQUIRE(again->profile.size() == 2);
  CHECK(std::vector<std::int64_t>(again->profile.points(0).begin(), again->profile.points(0).end()) ==
        points);
  CHECK(again->voter_values == std::vector<std::string>{"1", "2"});
}

TEST_CASE("every shared pabulib file survives parse -> write -> parse") {
  const std::vector<std::string> files = testing::SharedPabulibFiles();
  REQUIRE(files.size() >= 60);
  for (const std::string& path : files) {
    CAPTURE(path);
    Result<Election> original = ballots::ReadPabulibFile(path);
    REQUIRE_MESSAGE(original.ok(), original.status().message());
    Result<Election> again = RoundTrip(*original);
    REQUIRE_MESSAGE(again.ok(), again.status().message());
    CHECK(FirstDifference(*original, *again) == "");
  }
}

}  // namespace
}  // namespace psephos
