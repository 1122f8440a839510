#include <doctest/doctest.h>

#include "../support/election_builder.h"
#include "psephos/engine/rules.h"

using namespace psephos;
using engine::Decision;
using engine::PartialPolicy;
using engine::RuleKind;
using engine::TieBreak;

namespace {

// Budget 100. a (60) on 3 ballots; b (50) and c (40) on 2 each; z (10) on none.
engine::Election Knapsacks() {
  return test::MakeElection({{"a", 60}, {"b", 50}, {"c", 40}, {"z", 10}}, 100,
                            {{0, 2}, {0, 1}, {0}, {1, 2}});
}

engine::Outcome Run(const engine::Election& e, std::vector<bool> partial, PartialPolicy policy) {
  engine::RuleOptions options;
  options.partial_funding = std::move(partial);
  options.partial_policy = policy;
  auto out = engine::Tally(e, RuleKind::kKnapsack, TieBreak::ById(e), options);
  REQUIRE_MESSAGE(out.ok(), out.status().message());
  return *out;
}

}  // namespace

TEST_CASE("knapsack funds whole projects by number of ballots, skipping what does not fit") {
  auto e = Knapsacks();
  auto out = Run(e, {}, PartialPolicy::kIncreasing);
  // a (60), then the b/c level: b (50) does not fit in 40, c (40) does. z has no ballot.
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"a", "c"});
  CHECK(out.amounts == std::vector<engine::Money>{60, 40});
  CHECK(out.total_cost == 100);
  REQUIRE(out.rounds.size() == 4);
  CHECK(out.rounds[1].decision == Decision::kSkipped);
  CHECK(out.rounds[3].decision == Decision::kBelowThreshold);
  REQUIRE(out.ties.size() == 1);
  CHECK(out.ties[0].tied == std::vector<engine::ProjectIndex>{1, 2});
}

TEST_CASE("knapsack partial funding: increasing fills tied projects one after another") {
  auto e = Knapsacks();
  auto out = Run(e, {false, true, true, false}, PartialPolicy::kIncreasing);
  // 40 left for b (50) and c (40): b, first by id, takes all 40.
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"a", "b"});
  CHECK(out.amounts == std::vector<engine::Money>{60, 40});
  CHECK(out.rounds[1].decision == Decision::kPartiallyFunded);
  CHECK(out.rounds[2].decision == Decision::kSkipped);
}

TEST_CASE("knapsack partial funding: fractional gives each the same share of its cost") {
  auto e = Knapsacks();
  auto out = Run(e, {false, true, true, false}, PartialPolicy::kFractional);
  // 40 of 90: b 2000/90 = 22 r 20, c 1600/90 = 17 r 70; the unit left goes to c.
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"a", "b", "c"});
  CHECK(out.amounts == std::vector<engine::Money>{60, 22, 18});
  CHECK(out.total_cost == 100);
}

TEST_CASE("knapsack partial funding: equalizing gives equal amounts, none above its cost") {
  auto e = Knapsacks();
  auto out = Run(e, {false, true, true, false}, PartialPolicy::kEqualizing);
  CHECK(out.amounts == std::vector<engine::Money>{60, 20, 20});

  // 100 for d (10), e (100), f (100) all on one ballot: d is capped at 10, e and f get 45.
  auto capped = test::MakeElection({{"d", 10}, {"e", 100}, {"f", 100}}, 100, {{0, 1, 2}});
  auto out2 = Run(capped, {true, true, true}, PartialPolicy::kEqualizing);
  CHECK(test::Ids(capped, out2.selected) == std::vector<std::string>{"d", "e", "f"});
  CHECK(out2.amounts == std::vector<engine::Money>{10, 45, 45});
  CHECK(out2.rounds[0].decision == Decision::kSelected);
  CHECK(out2.rounds[1].decision == Decision::kPartiallyFunded);

  // 100 for three of 50: 33 each and the unit left to the first by id.
  auto thirds = test::MakeElection({{"x", 50}, {"y", 50}, {"w", 50}}, 100, {{0, 1, 2}});
  auto out3 = Run(thirds, {true, true, true}, PartialPolicy::kEqualizing);
  CHECK(test::Ids(thirds, out3.selected) == std::vector<std::string>{"w", "x", "y"});
  CHECK(out3.amounts == std::vector<engine::Money>{34, 33, 33});
}

TEST_CASE("knapsack funds whole-only projects of a level before sharing with partial ones") {
  // Budget 70, one level of 1 vote each: p (50, partial) and q (30, whole only).
  auto e = test::MakeElection({{"p", 50}, {"q", 30}}, 70, {{0, 1}});
  auto out = Run(e, {true, false}, PartialPolicy::kIncreasing);
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"q", "p"});
  CHECK(out.amounts == std::vector<engine::Money>{30, 40});
}

TEST_CASE("knapsack refuses a partial-funding list of the wrong size and unknown policies") {
  auto e = Knapsacks();
  engine::RuleOptions options;
  options.partial_funding = {true};
  CHECK_FALSE(engine::Tally(e, RuleKind::kKnapsack, TieBreak::ById(e), options).ok());
  CHECK_FALSE(engine::ParsePartialPolicy("proportional").ok());
  CHECK(engine::ParsePartialPolicy("equalizing").ok());
}
