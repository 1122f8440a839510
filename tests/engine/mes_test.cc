#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "../support/election_builder.h"
#include "../support/naive_mes.h"
#include "psephos/engine/rules.h"

using namespace psephos;
using engine::Rational;
using engine::RuleKind;
using engine::TieBreak;

namespace {

// 4 voters, budget 40 (10 each). A (8) by v1,v2; C (30) by everyone.
engine::Election PoorAndRich() {
  return test::MakeElection({{"A", 8}, {"C", 30}}, 40, {{0, 1}, {0, 1}, {1}, {1}});
}

}  // namespace

TEST_CASE("mes-card lets poorer supporters pay what they have and the rest pay more") {
  auto e = PoorAndRich();
  auto out = engine::Tally(e, RuleKind::kMesCard, TieBreak::ById(e));
  REQUIRE(out.ok());
  // A first at 4 each; then C: v1, v2 have 6 left, so v3, v4 pay 9.
  CHECK(test::Ids(e, out->selected) == std::vector<std::string>{"A", "C"});
  REQUIRE(out->rounds.size() == 2);
  CHECK(out->rounds[0].score == 4);
  CHECK(out->rounds[1].score == 9);
  CHECK(out->rounds[1].price == 9);
  CHECK(out->total_cost == 38);
}

TEST_CASE("mes with cost satisfaction prices per unit of cost") {
  auto e = PoorAndRich();
  auto out = engine::Tally(e, RuleKind::kMes, TieBreak::ById(e));
  REQUIRE(out.ok());
  // C: rho 30/120 = 1/4, 7.5 each; A then lacks money (2.5 + 2.5 < 8).
  CHECK(test::Ids(e, out->selected) == std::vector<std::string>{"C"});
  CHECK(out->rounds[0].score == engine::MakeRational(1, 4));
  CHECK(out->rounds[0].price == engine::MakeRational(15, 2));
}

TEST_CASE("mes breaks exact ties with the tie-break and reports them") {
  auto e = test::MakeElection({{"b", 10}, {"a", 10}}, 10, {{0}, {1}});
  auto by_id = engine::Tally(e, RuleKind::kMes, TieBreak::ById(e));
  REQUIRE(by_id.ok());
  // Each voter holds 5: neither project is affordable.
  CHECK(by_id->selected.empty());
  auto e2 = test::MakeElection({{"b", 10}, {"a", 10}}, 20, {{0}, {1}});
  auto out = engine::Tally(e2, RuleKind::kMes, TieBreak::ById(e2));
  REQUIRE(out.ok());
  CHECK(test::Ids(e2, out->selected) == std::vector<std::string>{"a", "b"});
  REQUIRE(out->ties.size() == 1);
  CHECK(out->ties[0].winner == 1);
}

TEST_CASE("mes-add1 raises the voter budget until the outcome is exhaustive") {
  // Budget 10, 2 voters: 5 each. x (6) by both, y (4) by v1.
  // Run 1 (5 each): x at 3 each; y: v1 has 2 < 4. Not exhaustive (y fits).
  // Run 2 (6 each): x at 3 each; y: v1 has 3 < 4. Run 3 (7 each): y fits: {x, y}.
  auto e = test::MakeElection({{"x", 6}, {"y", 4}}, 10, {{0, 1}, {0}});
  auto out = engine::Tally(e, RuleKind::kMesAdd1, TieBreak::ById(e));
  REQUIRE(out.ok());
  CHECK(test::Ids(e, out->selected) == std::vector<std::string>{"x", "y"});
  CHECK(out->iterations == 3);
  CHECK(out->voter_budget == 7);
}

TEST_CASE("mes-add1 returns the last feasible outcome when the next one overspends") {
  // Budget 10, 2 voters. x (6) by v1, y (6) by v2. At 5 each nothing; at 6 each both: 12 > 10.
  auto e = test::MakeElection({{"x", 6}, {"y", 6}}, 10, {{0}, {1}});
  auto out = engine::Tally(e, RuleKind::kMesAdd1, TieBreak::ById(e));
  REQUIRE(out.ok());
  CHECK(out->selected.empty());
  CHECK(out->iterations == 2);
}

TEST_CASE("mes refuses an election without ballots") {
  auto e = test::MakeElection({{"x", 6}}, 10, {});
  CHECK_FALSE(engine::Tally(e, RuleKind::kMes, TieBreak::ById(e)).ok());
}

TEST_CASE("grouped mes equals voter-by-voter mes on random elections") {
  std::mt19937 rng(20261125);
  for (int trial = 0; trial < 200; ++trial) {
    auto e = test::RandomApprovalElection(rng);
    for (bool cost_sat : {true, false}) {
      CAPTURE(trial);
      CAPTURE(cost_sat);
      auto out = engine::Tally(e, cost_sat ? RuleKind::kMes : RuleKind::kMesCard, TieBreak::ById(e));
      REQUIRE(out.ok());
      CHECK(out->selected == test::NaiveMes(e, cost_sat));
    }
  }
}

TEST_CASE("greedy and mes count points ballots with points as utilities") {
  // a (10), b (40), budget 40. v1 gives a 1 and b 3 points, v2 gives b 2.
  engine::Election e = test::MakeElection({{"a", 10}, {"b", 40}}, 40, {},
                                          engine::BallotType::kCumulative);
  const engine::ProjectIndex v1[] = {0, 1};
  const std::int64_t p1[] = {1, 3};
  const engine::ProjectIndex v2[] = {1};
  const std::int64_t p2[] = {2};
  e.profile.Add(v1, p1);
  e.profile.Add(v2, p2);
  // Greedy by points per cost: b 5/40 before a 1/10.
  auto greedy = engine::Tally(e, RuleKind::kGreedy, TieBreak::ById(e));
  REQUIRE(greedy.ok());
  CHECK(test::Ids(e, greedy->selected) == std::vector<std::string>{"b"});
  CHECK(greedy->rounds[0].score == engine::MakeRational(1, 8));
  // MES, 20 each: a at rho 10; b: v1 (20 for 3 points) pays all, v2 pays 20 at rho 10.
  // Tied at 10, a wins by id; then b lacks money (10 + 20 < 40).
  auto mes = engine::Tally(e, RuleKind::kMes, TieBreak::ById(e));
  REQUIRE(mes.ok());
  CHECK(test::Ids(e, mes->selected) == std::vector<std::string>{"a"});
  REQUIRE(mes->ties.size() == 1);
  CHECK(mes->rounds[0].score == 10);
  CHECK_FALSE(engine::Tally(e, RuleKind::kPhragmen, TieBreak::ById(e)).ok());
}
