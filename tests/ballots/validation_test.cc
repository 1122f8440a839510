// A ballot is checked against its election's rules and every broken rule is named.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "psephos/ballots/pabulib.h"
#include "psephos/ballots/validation.h"

using namespace psephos;
using ballots::BallotInput;

namespace {

engine::Election Parse(const std::string& meta, const std::string& vote_type = "approval") {
  const std::string text = "META\nkey;value\nbudget;100\ncurrency;USD\nvote_type;" + vote_type + "\n" + meta +
                           "PROJECTS\nproject_id;cost;name\n"
                           "a;40;Shade trees\nb;50;Bike racks\nc;30;Library books\n";
  auto e = ballots::ParsePabulib(text, "rules.pb");
  REQUIRE_MESSAGE(e.ok(), e.status().message());
  return std::move(e).value();
}

std::vector<std::string> Codes(const std::vector<ballots::BallotProblem>& problems) {
  std::vector<std::string> codes;
  for (const auto& p : problems) codes.push_back(p.code);
  return codes;
}

}  // namespace

TEST_CASE("ballot rules are read from META") {
  auto e = Parse("min_length;1\nmax_length;2\nmin_sum_cost;20.5\nmax_sum_cost;100\n");
  CHECK(e.rules.min_projects == 1);
  CHECK(e.rules.max_projects == 2);
  // min_sum_cost brings one decimal: every amount is scaled by 10.
  CHECK(e.money_scale == 1);
  CHECK(e.rules.min_cost == 205);
  CHECK(e.rules.max_cost == 1000);
  CHECK_FALSE(e.rules.max_total_points.has_value());

  auto bad = ballots::ParsePabulib("META\nkey;value\nbudget;100\nvote_type;approval\nmax_length;three\n", "r.pb");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("r.pb:5: max_length") != std::string::npos);
  auto fraction = ballots::ParsePabulib("META\nkey;value\nbudget;100\nvote_type;approval\nmin_length;1.5\n", "r.pb");
  REQUIRE_FALSE(fraction.ok());
  CHECK(fraction.status().message().find("not a whole number") != std::string::npos);
}

TEST_CASE("a valid approval ballot has no problems") {
  auto e = Parse("min_length;1\nmax_length;2\n");
  CHECK(ballots::ValidateBallot(e, BallotInput{{"a", "c"}, {}}).empty());
}

TEST_CASE("approval limits on the number of projects") {
  auto e = Parse("min_length;1\nmax_length;2\n");
  auto none = ballots::ValidateBallot(e, BallotInput{{}, {}});
  REQUIRE(none.size() == 1);
  CHECK(none[0].code == "too_few_projects");
  CHECK(none[0].message == "Choose at least 1 project (you chose 0).");
  auto three = ballots::ValidateBallot(e, BallotInput{{"a", "b", "c"}, {}});
  REQUIRE(three.size() == 1);
  CHECK(three[0].message == "Choose at most 2 projects (you chose 3).");
}

TEST_CASE("unknown and repeated projects are named, and every problem is reported") {
  auto e = Parse("max_length;2\n");
  auto problems = ballots::ValidateBallot(e, BallotInput{{"a", "zz", "a"}, {}});
  CHECK(Codes(problems) == std::vector<std::string>{"unknown_project", "duplicate_project", "too_many_projects"});
  CHECK(problems[0].message == "\"zz\" is not one of the projects in this vote.");
  CHECK(problems[1].message == "You chose \"Shade trees\" more than once.");
}

TEST_CASE("knapsack ballots must fit the budget and may need a minimum share of it") {
  auto e = Parse("max_sum_cost;100\nmin_sum_cost;60\n");
  CHECK(ballots::ValidateBallot(e, BallotInput{{"a", "b"}, {}}).empty());
  auto over = ballots::ValidateBallot(e, BallotInput{{"a", "b", "c"}, {}});
  REQUIRE(over.size() == 1);
  CHECK(over[0].code == "over_cost_limit");
  CHECK(over[0].message ==
        "The projects you chose cost 120 USD together, more than the 100 USD you can spend. Remove a project to fit.");
  auto under = ballots::ValidateBallot(e, BallotInput{{"c"}, {}});
  REQUIRE(under.size() == 1);
  CHECK(under[0].code == "under_cost_minimum");
}

TEST_CASE("choose-1 ballots hold exactly one project") {
  auto e = Parse("", "choose-1");
  CHECK(ballots::ValidateBallot(e, BallotInput{{"b"}, {}}).empty());
  auto two = ballots::ValidateBallot(e, BallotInput{{"a", "b"}, {}});
  REQUIRE(two.size() == 1);
  CHECK(two[0].message == "Choose exactly 1 project (you chose 2).");
  CHECK(Codes(ballots::ValidateBallot(e, BallotInput{{}, {}})) == std::vector<std::string>{"too_few_projects"});
}

TEST_CASE("ranked ballots speak of ranking and refuse points") {
  auto e = Parse("min_length;3\nmax_length;3\n", "ordinal");
  CHECK(ballots::ValidateBallot(e, BallotInput{{"c", "a", "b"}, {}}).empty());
  auto short_ballot = ballots::ValidateBallot(e, BallotInput{{"c"}, {}});
  REQUIRE(short_ballot.size() == 1);
  CHECK(short_ballot[0].message == "Rank exactly 3 projects (you chose 1).");
  CHECK(Codes(ballots::ValidateBallot(e, BallotInput{{"c", "a", "b"}, {3, 2, 1}})) ==
        std::vector<std::string>{"points_not_expected"});
}

TEST_CASE("points ballots: per project and total limits, one problem each") {
  auto e = Parse("min_points;1\nmax_points;3\nmin_sum_points;1\nmax_sum_points;5\n", "cumulative");
  CHECK(ballots::ValidateBallot(e, BallotInput{{"a", "b"}, {3, 2}}).empty());
  auto problems = ballots::ValidateBallot(e, BallotInput{{"a", "b", "c"}, {4, 0, 2}});
  CHECK(Codes(problems) ==
        std::vector<std::string>{"points_above_maximum", "points_below_minimum", "total_points_above_maximum"});
  CHECK(problems[0].message == "Give \"Shade trees\" at most 3 points (you gave 4).");
  CHECK(problems[2].message == "You can give 5 points in all; you gave 6.");
  CHECK(Codes(ballots::ValidateBallot(e, BallotInput{{"a"}, {-1}})) ==
        std::vector<std::string>{"negative_points", "total_points_below_minimum"});
  CHECK(Codes(ballots::ValidateBallot(e, BallotInput{{"a", "b"}, {1}})) == std::vector<std::string>{"points_missing"});
}
