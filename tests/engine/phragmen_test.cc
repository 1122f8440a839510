#include <doctest/doctest.h>

#include "../support/election_builder.h"
#include "psephos/engine/rules.h"

using namespace psephos;
using engine::Decision;
using engine::RuleKind;
using engine::TieBreak;

namespace {

// Budget 10. A (6) by v1..v3; B (4) by v1; C (4) by v4, v5.
engine::Election Loads() {
  return test::MakeElection({{"A", 6}, {"B", 4}, {"C", 4}}, 10, {{0, 1}, {0}, {0}, {2}, {2}});
}

}  // namespace

TEST_CASE("phragmen funds the project giving the least maximal load") {
  auto e = Loads();
  auto out = engine::Tally(e, RuleKind::kPhragmen, TieBreak::ById(e));
  REQUIRE(out.ok());
  // Round 1: A and C both give load 2 (tie -> A). Round 2: C (2) before B ((2+4)/1 = 6).
  // Round 3: B no longer fits: stop.
  CHECK(test::Ids(e, out->selected) == std::vector<std::string>{"A", "C"});
  REQUIRE(out->rounds.size() == 3);
  CHECK(out->rounds[0].score == 2);
  CHECK(out->rounds[1].score == 2);
  CHECK(out->rounds[2].project == 1);
  CHECK(out->rounds[2].score == 6);
  CHECK(out->rounds[2].decision == Decision::kStopped);
  REQUIRE(out->ties.size() == 1);
  CHECK(out->ties[0].round == 0);
}

TEST_CASE("phragmen with the cost tie-break funds the cheaper tied project first") {
  auto e = Loads();
  auto out = engine::Tally(e, RuleKind::kPhragmen, TieBreak::ByCost(e));
  REQUIRE(out.ok());
  CHECK(test::Ids(e, out->selected) == std::vector<std::string>{"C", "A"});
}

TEST_CASE("phragmen carries loads: a supporter's earlier load raises the next price") {
  // Budget 100. X (10) by v1, v2 -> loads 5. Y (12) by v1, v3: (5 + 12)/2 = 17/2.
  // Z (9) by v3 alone: 9. Y's 17/2 < 9, so Y comes before Z.
  auto e = test::MakeElection({{"X", 10}, {"Y", 12}, {"Z", 9}}, 100, {{0, 1}, {0}, {1, 2}});
  auto out = engine::Tally(e, RuleKind::kPhragmen, TieBreak::ById(e));
  REQUIRE(out.ok());
  CHECK(test::Ids(e, out->selected) == std::vector<std::string>{"X", "Y", "Z"});
  CHECK(out->rounds[1].score == engine::MakeRational(17, 2));
  // Z: (load of v3 = 17/2 + 9) / 1.
  CHECK(out->rounds[2].score == engine::MakeRational(35, 2));
}
