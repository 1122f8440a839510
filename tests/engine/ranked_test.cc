#include <doctest/doctest.h>

#include "../../engine/src/rule_impl.h"
#include "../support/election_builder.h"

using namespace psephos;
using engine::Decision;
using engine::MakeRational;
using engine::ProjectIndex;
using engine::TieBreak;
using engine::internal::RunIrv;
using engine::internal::RunSchulze;
using engine::internal::RunStv;

namespace {

// `copies` times each ranking, in order.
std::vector<std::vector<ProjectIndex>> Repeat(
    const std::vector<std::pair<int, std::vector<ProjectIndex>>>& groups) {
  std::vector<std::vector<ProjectIndex>> ballots;
  for (const auto& [copies, ranking] : groups) {
    for (int i = 0; i < copies; ++i) ballots.push_back(ranking);
  }
  return ballots;
}

engine::Election Ranked(const std::vector<test::ProjectSpec>& projects, engine::Money budget,
                        const std::vector<std::pair<int, std::vector<ProjectIndex>>>& groups) {
  return test::MakeElection(projects, budget, Repeat(groups), engine::BallotType::kOrdinal);
}

}  // namespace

TEST_CASE("irv: a first-round majority wins at once") {
  // A 3 of 5 ballots > 5/2: A wins in round 1, nothing is eliminated.
  auto e = Ranked({{"A", 5}, {"B", 3}, {"C", 2}}, 10, {{3, {0, 1}}, {1, {1, 2}}, {1, {2}}});
  auto out = RunIrv(e, TieBreak::ById(e));
  CHECK(out.criterion == "votes");
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"A"});
  CHECK(out.total_cost == 5);
  REQUIRE(out.rounds.size() == 1);
  CHECK(out.rounds[0].decision == Decision::kSelected);
  CHECK(out.rounds[0].score == 3);
  CHECK(out.rounds[0].budget_left == 5);
  CHECK(out.ties.empty());
}

TEST_CASE("irv: transfers elect the plurality runner-up") {
  // First preferences A 4, B 3, C 2 of 9: no majority (4 <= 9/2). C is
  // eliminated and its C>B ballots go to B: B 5 > 9/2 beats A 4. Plurality: A.
  auto e = Ranked({{"A", 1}, {"B", 1}, {"C", 1}}, 1, {{4, {0}}, {3, {1, 2}}, {2, {2, 1}}});
  auto out = RunIrv(e, TieBreak::ById(e));
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"B"});
  REQUIRE(out.rounds.size() == 2);
  CHECK(out.rounds[0].project == 2);
  CHECK(out.rounds[0].decision == Decision::kEliminated);
  CHECK(out.rounds[0].score == 2);
  CHECK(out.rounds[0].supporters == 2);
  CHECK(out.rounds[0].budget_left == 1);
  CHECK(out.rounds[1].project == 1);
  CHECK(out.rounds[1].score == 5);
}

TEST_CASE("irv: exhausted ballots leave the majority base") {
  // A 4, B 3, C 2 (C alone), one empty ballot. Round 1: 4 <= 9/2, C out; its
  // ballots exhaust. Round 2: A 4 > 7/2 of the 7 live ballots: A wins without
  // eliminating B (counting the 9, B would have had to go first).
  auto e = Ranked({{"A", 1}, {"B", 1}, {"C", 1}}, 1, {{4, {0}}, {3, {1}}, {2, {2}}, {1, {}}});
  auto out = RunIrv(e, TieBreak::ById(e));
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"A"});
  REQUIRE(out.rounds.size() == 2);
  CHECK(out.rounds[0].project == 2);
  CHECK(out.rounds[1].score == 4);
}

TEST_CASE("irv: zero-vote projects go first, an elimination tie follows the tie-break") {
  // A B C X Y; A>X x3, B x2, C>Y>B x2. Nobody ranks X or Y first: both out,
  // in reverse tie-break order, without a Tie. Then B and C tie on 2 of 7.
  auto e = Ranked({{"A", 4}, {"B", 3}, {"C", 2}, {"X", 1}, {"Y", 1}}, 10,
                  {{3, {0, 3}}, {2, {1}}, {2, {2, 4, 1}}});

  SUBCASE("by id: C is last in order, so C is out; C>Y>B moves to B, B 4 > 7/2") {
    auto out = RunIrv(e, TieBreak::ById(e));
    CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"B"});
    REQUIRE(out.rounds.size() == 4);
    CHECK(out.rounds[0].project == 4);  // Y
    CHECK(out.rounds[0].score == 0);
    CHECK(out.rounds[1].project == 3);  // X
    CHECK(out.rounds[2].project == 2);  // C
    CHECK(out.rounds[2].decision == Decision::kEliminated);
    CHECK(out.rounds[3].score == 4);
    REQUIRE(out.ties.size() == 1);
    CHECK(out.ties[0].round == 2);
    CHECK(out.ties[0].tied == std::vector<ProjectIndex>{1, 2});
    CHECK(out.ties[0].winner == 2);  // the eliminated project
  }
  SUBCASE("explicit C, B, A, X, Y: B is out and exhausts; A 3 > 5/2") {
    auto tb = TieBreak::Explicit(e, {"C", "B", "A", "X", "Y"});
    REQUIRE(tb.ok());
    auto out = RunIrv(e, *tb);
    CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"A"});
    REQUIRE(out.rounds.size() == 4);
    CHECK(out.rounds[2].project == 1);
    REQUIRE(out.ties.size() == 1);
    CHECK(out.ties[0].round == 2);
    CHECK(out.ties[0].tied == std::vector<ProjectIndex>{2, 1});
    CHECK(out.ties[0].winner == 1);
    CHECK(out.rounds[3].score == 3);
    CHECK(out.total_cost == 4);
  }
}

TEST_CASE("stv: an exact fractional surplus") {
  // 2 seats; A>B x4, A>C x2, B>C x1, C x2, D x2: V = 11, quota 11/3 + 1 = 4.
  // R0: A 6 >= 4, elected; surplus 2/6 = 1/3 per ballot.
  // R1: B 1 + 4/3 = 7/3, C 2 + 2/3 = 8/3, D 2: nobody at quota, D out (exhausts).
  // R2: B 7/3 < C 8/3: B out; B>C moves at weight 1 -> C 11/3; A>B x4 exhaust.
  // R3: C alone for the last seat: elected with 11/3.
  auto e = Ranked({{"A", 3}, {"B", 3}, {"C", 3}, {"D", 3}}, 6,
                  {{4, {0, 1}}, {2, {0, 2}}, {1, {1, 2}}, {2, {2}}, {2, {3}}});
  auto out = RunStv(e, TieBreak::ById(e), 2);
  CHECK(out.criterion == "votes");
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"A", "C"});
  CHECK(out.total_cost == 6);
  REQUIRE(out.rounds.size() == 4);
  CHECK(out.rounds[0].score == 6);
  CHECK(out.rounds[1].project == 3);
  CHECK(out.rounds[1].score == 2);
  CHECK(out.rounds[2].project == 1);
  CHECK(out.rounds[2].decision == Decision::kEliminated);
  CHECK(out.rounds[2].score == MakeRational(7, 3));
  CHECK(out.rounds[2].supporters == 5);  // 1 whole ballot + 4 thirds
  CHECK(out.rounds[3].project == 2);
  CHECK(out.rounds[3].decision == Decision::kSelected);
  CHECK(out.rounds[3].score == MakeRational(11, 3));
  CHECK(out.ties.empty());
}

TEST_CASE("stv: the last seats go to the projects left when they fit") {
  // 3 seats; A x6, B x1, C x3, D>B x1, E x1: V = 12, quota 12/4 + 1 = 4.
  // R0: A 6, elected; its ballots rank nothing else.
  // R1: B, D, E tie on 1 -> E (last by id) out. R2: B, D tie on 1 -> D out, B 2.
  // R3: C 3, B 2 and 2 seats left: both elected, most votes first.
  auto e = Ranked({{"A", 1}, {"B", 1}, {"C", 1}, {"D", 1}, {"E", 1}}, 3,
                  {{6, {0}}, {1, {1}}, {3, {2}}, {1, {3, 1}}, {1, {4}}});
  auto out = RunStv(e, TieBreak::ById(e), 3);
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"A", "C", "B"});
  REQUIRE(out.rounds.size() == 5);
  CHECK(out.rounds[1].project == 4);
  CHECK(out.rounds[2].project == 3);
  CHECK(out.rounds[3].score == 3);
  CHECK(out.rounds[4].score == 2);
  CHECK(out.rounds[4].decision == Decision::kSelected);
  CHECK(out.rounds[4].budget_left == 0);
  REQUIRE(out.ties.size() == 2);
  CHECK(out.ties[0].round == 1);
  CHECK(out.ties[0].tied == std::vector<ProjectIndex>{1, 3, 4});
  CHECK(out.ties[0].winner == 4);
  CHECK(out.ties[1].tied == std::vector<ProjectIndex>{1, 3});
  CHECK(out.ties[1].winner == 3);
}

TEST_CASE("schulze: a Condorcet winner heads the ranking") {
  // A>B>C x3, B>A>C x2, C>A>B x2, B alone x1 (B above the unranked A and C).
  // d: AB 5 BA 3, AC 5 CA 2, BC 6 CB 2. A beats both, B beats C.
  auto e = Ranked({{"A", 1}, {"B", 1}, {"C", 1}}, 10,
                  {{3, {0, 1, 2}}, {2, {1, 0, 2}}, {2, {2, 0, 1}}, {1, {1}}});
  auto out = RunSchulze(e, TieBreak::ById(e));
  CHECK(out.criterion == "schulze_wins");
  CHECK(out.ranking == std::vector<ProjectIndex>{0, 1, 2});
  REQUIRE(out.rounds.size() == 3);
  CHECK(out.rounds[0].score == 2);
  CHECK(out.rounds[1].score == 1);
  CHECK(out.rounds[2].score == 0);
  CHECK(out.rounds[1].supporters == 8);  // every ballot ranks B
  CHECK(out.rounds[0].supporters == 7);
  CHECK(out.ties.empty());
}

TEST_CASE("schulze: the 45-voter cycle of the Wikipedia example") {
  // A..E = 0..4. ACBED 5, ADECB 5, BEDAC 8, CABED 3, CAEBD 7, CBADE 2, DCEBA 7, EBADC 8.
  // d (row over column):     p (strongest paths):
  //   A: - 20 26 30 22         A: - 28 28 30 24
  //   B: 25 - 16 33 18         B: 25 - 28 33 24
  //   C: 19 29 - 17 24         C: 25 29 - 29 24
  //   D: 15 12 28 - 14         D: 25 28 28 - 24
  //   E: 23 27 21 31 -         E: 25 28 28 31 -
  // E beats all 4; A beats B C D; C beats B D; B beats D: E > A > C > B > D.
  auto e = Ranked({{"A", 1}, {"B", 1}, {"C", 1}, {"D", 1}, {"E", 1}}, 5,
                  {{5, {0, 2, 1, 4, 3}},
                   {5, {0, 3, 4, 2, 1}},
                   {8, {1, 4, 3, 0, 2}},
                   {3, {2, 0, 1, 4, 3}},
                   {7, {2, 0, 4, 1, 3}},
                   {2, {2, 1, 0, 3, 4}},
                   {7, {3, 2, 4, 1, 0}},
                   {8, {4, 1, 0, 3, 2}}});
  auto out = RunSchulze(e, TieBreak::ById(e));
  CHECK(out.ranking == std::vector<ProjectIndex>{4, 0, 2, 1, 3});
  REQUIRE(out.rounds.size() == 5);
  CHECK(out.rounds[0].score == 4);
  CHECK(out.rounds[1].score == 3);
  CHECK(out.rounds[2].score == 2);
  CHECK(out.rounds[3].score == 1);
  CHECK(out.rounds[4].score == 0);
  CHECK(out.ties.empty());
  CHECK(out.selected.size() == 5);
}

TEST_CASE("schulze: an exact tie follows the tie-break") {
  // X>Y>Z and Y>X>Z: d XY = YX = 1, so neither beats the other; both beat Z 2-0.
  auto e = Ranked({{"X", 1}, {"Y", 1}, {"Z", 1}}, 3, {{1, {0, 1, 2}}, {1, {1, 0, 2}}, {1, {}}});

  SUBCASE("by id") {
    auto out = RunSchulze(e, TieBreak::ById(e));
    CHECK(out.ranking == std::vector<ProjectIndex>{0, 1, 2});
    REQUIRE(out.ties.size() == 1);
    CHECK(out.ties[0].round == 0);
    CHECK(out.ties[0].tied == std::vector<ProjectIndex>{0, 1});
    CHECK(out.ties[0].winner == 0);
    CHECK(out.rounds[0].score == 1);
    CHECK(out.rounds[1].score == 1);
  }
  SUBCASE("explicit Y, Z, X") {
    auto tb = TieBreak::Explicit(e, {"Y", "Z", "X"});
    REQUIRE(tb.ok());
    auto out = RunSchulze(e, *tb);
    CHECK(out.ranking == std::vector<ProjectIndex>{1, 0, 2});
    REQUIRE(out.ties.size() == 1);
    CHECK(out.ties[0].tied == std::vector<ProjectIndex>{1, 0});
    CHECK(out.ties[0].winner == 1);
  }
}

TEST_CASE("schulze: funds down the ranking, skipping what no longer fits") {
  // Same ballots as the Condorcet case, so A > B > C. Budget 10: A (6) leaves 4,
  // B (5) is skipped, C (3) fits and leaves 1.
  auto e = Ranked({{"A", 6}, {"B", 5}, {"C", 3}}, 10,
                  {{3, {0, 1, 2}}, {2, {1, 0, 2}}, {2, {2, 0, 1}}, {1, {1}}});
  auto out = RunSchulze(e, TieBreak::ById(e));
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"A", "C"});
  CHECK(out.total_cost == 9);
  REQUIRE(out.rounds.size() == 3);
  CHECK(out.rounds[0].decision == Decision::kSelected);
  CHECK(out.rounds[0].budget_left == 4);
  CHECK(out.rounds[1].decision == Decision::kSkipped);
  CHECK(out.rounds[1].budget_left == 4);
  CHECK(out.rounds[2].decision == Decision::kSelected);
  CHECK(out.rounds[2].budget_left == 1);
}
