// Explain(): why a rule funded a project or not, checked on elections small
// enough to work out by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "../support/election_builder.h"
#include "psephos/engine/explain.h"

using namespace psephos;
using engine::Decision;
using engine::MakeRational;
using engine::ProjectExplanation;
using engine::RuleKind;
using engine::TieBreak;

namespace {

ProjectExplanation Explain(const engine::Election& e, RuleKind rule, engine::ProjectIndex p,
                           const engine::RuleOptions& options = {}) {
  auto ex = engine::Explain(e, rule, TieBreak::ById(e), options, p);
  REQUIRE(ex.ok());
  return *ex;
}

// Budget 100. A (60) 3 votes, B (50) 2 votes, C (30) 1 vote.
engine::Election ThreeByVotes() {
  return test::MakeElection({{"A", 60}, {"B", 50}, {"C", 30}}, 100, {{0, 1}, {0, 1}, {0, 2}});
}

}  // namespace

TEST_CASE("greedy: a funded project's round, votes and the money left") {
  auto e = ThreeByVotes();
  const auto a = Explain(e, RuleKind::kGreedyScore, 0);
  CHECK(a.kind == engine::ExplanationKind::kGreedy);
  CHECK(a.funded);
  REQUIRE(a.round);
  CHECK(*a.round == 0);
  CHECK(a.decision == Decision::kSelected);
  CHECK(a.votes == 3);
  CHECK(a.score == 3);
  CHECK(a.cost == 60);
  CHECK(a.left_before == 100);
  CHECK(a.left_after == 40);
  CHECK(a.turn.amount == 60);
  CHECK(a.turn.funded_before.empty());
  // C comes third: 100 - 60 = 40 left, it costs 30, 10 left after.
  const auto c = Explain(e, RuleKind::kGreedyScore, 2);
  CHECK(c.funded);
  CHECK(*c.round == 2);
  CHECK(c.left_before == 40);
  CHECK(c.left_after == 10);
  CHECK(c.turn.funded_before == std::vector<engine::ProjectIndex>{0});
}

TEST_CASE("greedy: a skipped project, the money left at its turn and who used it") {
  auto e = ThreeByVotes();
  // B's turn is round 2: A took 60 of 100, 40 left; B costs 50: 10 short, skipped.
  const auto b = Explain(e, RuleKind::kGreedyScore, 1);
  CHECK_FALSE(b.funded);
  REQUIRE(b.round);
  CHECK(*b.round == 1);
  CHECK(b.decision == Decision::kSkipped);
  CHECK(b.votes == 2);
  CHECK(b.turn.left_at_turn == 40);
  CHECK(b.turn.shortfall == 10);
  CHECK(b.turn.funded_before == std::vector<engine::ProjectIndex>{0});
  CHECK(b.turn.amounts_before == std::vector<engine::Money>{60});
  CHECK(b.turn.amount == 0);
  CHECK(b.selected == std::vector<engine::ProjectIndex>{0, 2});

  // Without skipping the rule stops at B, and C's turn never comes.
  const auto stop = Explain(e, RuleKind::kGreedyNoSkip, 1);
  CHECK(stop.decision == Decision::kStopped);
  const auto c = Explain(e, RuleKind::kGreedyNoSkip, 2);
  CHECK_FALSE(c.funded);
  CHECK_FALSE(c.round);
  REQUIRE(c.turn.stopped_at);
  CHECK(*c.turn.stopped_at == 1);
  CHECK(c.turn.stopped_project == 1);
  CHECK(c.turn.left_at_turn == 40);
  CHECK(c.turn.funded_before == std::vector<engine::ProjectIndex>{0});
}

TEST_CASE("greedy-threshold: the threshold a project missed and its score") {
  auto e = ThreeByVotes();
  engine::RuleOptions options;
  options.min_score = 2;
  // C has 1 vote < 2: out, whatever the money (40 left after A, it costs 30).
  const auto c = Explain(e, RuleKind::kGreedyThreshold, 2, options);
  CHECK_FALSE(c.funded);
  CHECK(c.decision == Decision::kBelowThreshold);
  REQUIRE(c.turn.threshold);
  CHECK(*c.turn.threshold == 2);
  CHECK(c.turn.threshold_score == 1);
  // greedy (cost satisfaction) compares the sum of satisfactions, votes x cost:
  // C's 1 x 30 = 30 passes a threshold of 2.
  const auto g = Explain(e, RuleKind::kGreedy, 2, options);
  CHECK(g.turn.threshold_score == 30);
  CHECK(g.funded);
}

TEST_CASE("knapsack: a partly funded project gets what was left") {
  auto e = ThreeByVotes();
  engine::RuleOptions options;
  options.partial_funding = {false, true, false};
  // A (60) whole, then B gets the 40 left of its 50.
  const auto b = Explain(e, RuleKind::kKnapsack, 1, options);
  CHECK(b.kind == engine::ExplanationKind::kKnapsack);
  CHECK(b.funded);
  CHECK(b.decision == Decision::kPartiallyFunded);
  CHECK(b.turn.amount == 40);
  CHECK(b.turn.left_at_turn == 40);
  CHECK(b.turn.shortfall == 10);
  // C comes after: nothing left.
  const auto c = Explain(e, RuleKind::kKnapsack, 2, options);
  CHECK_FALSE(c.funded);
  CHECK(c.turn.left_at_turn == 0);
  CHECK(c.turn.amounts_before == std::vector<engine::Money>{60, 40});
}

namespace {

// 4 voters, budget 40 (10 each). A (8) by v1, v2; C (30) by everyone.
engine::Election PoorAndRich() {
  return test::MakeElection({{"A", 8}, {"C", 30}}, 40, {{0, 1}, {0, 1}, {1}, {1}});
}

}  // namespace

TEST_CASE("mes: a funded project's rho, price per supporter and who paid what") {
  auto e = PoorAndRich();
  // mes-card: A first at rho 8/2 = 4 (v1, v2 keep 6 each). C then: the even
  // share 30/4 = 7.5 is more than v1, v2 hold, so they pay their 6 and v3, v4
  // pay (30 - 12) / 2 = 9: rho 9, price 9.
  const auto c = Explain(e, RuleKind::kMesCard, 1);
  CHECK(c.kind == engine::ExplanationKind::kMes);
  CHECK(c.funded);
  REQUIRE(c.round);
  CHECK(*c.round == 1);
  CHECK(c.mes.rho == 9);
  REQUIRE(c.mes.price);
  CHECK(*c.mes.price == 9);
  CHECK(c.mes.voter_budget == 10);
  CHECK(c.mes.supporters == 4);
  CHECK(c.mes.money_at_start == 40);
  CHECK(c.mes.money_at_turn == 32);  // 6 + 6 + 10 + 10
  CHECK(c.mes.paid_full == 2);
  CHECK(c.mes.paid_all_left == 2);
  CHECK(c.mes.had_nothing == 0);
  REQUIRE(c.mes.steps.size() == 2);
  CHECK(c.mes.steps[0].winner == 0);
  CHECK(c.mes.steps[0].winner_rho == 4);
  // Its rho is given at the round that funded it only: its own winning rho.
  CHECK_FALSE(c.mes.steps[0].rho);
  CHECK(c.mes.steps[0].money_after == 32);  // before its round
  REQUIRE(c.mes.steps[1].rho);
  CHECK(*c.mes.steps[1].rho == 9);
  CHECK(c.mes.steps[1].money_after == 2);

  // Cost satisfaction: C first at rho 30 / (4 x 30) = 1/4, 7.5 each.
  const auto cost = Explain(e, RuleKind::kMes, 1);
  CHECK(cost.funded);
  CHECK(cost.mes.rho == MakeRational(1, 4));
  CHECK(*cost.mes.price == MakeRational(15, 2));
  CHECK(cost.mes.paid_full == 4);
}

TEST_CASE("mes: an unfunded project, what its supporters held and the support it lacked") {
  auto e = PoorAndRich();
  // mes (cost): C at rho 1/4 takes 7.5 from each voter. A's supporters v1, v2
  // then hold 2.5 + 2.5 = 5 < 8: it became unaffordable after round 1.
  const auto a = Explain(e, RuleKind::kMes, 0);
  CHECK_FALSE(a.funded);
  CHECK_FALSE(a.round);
  CHECK(a.decision == Decision::kUnaffordable);
  CHECK(a.mes.supporters == 2);
  CHECK(a.mes.money_at_start == 20);
  CHECK(a.mes.money_at_turn == 5);
  CHECK(a.mes.shortfall == 3);
  CHECK(a.mes.needed_per_supporter == 4);  // 8 / 2
  CHECK(a.mes.average_left == MakeRational(5, 2));
  REQUIRE(a.mes.unaffordable_after);
  CHECK(*a.mes.unaffordable_after == 1);
  REQUIRE(a.mes.steps.size() == 1);
  CHECK(*a.mes.steps[0].rho == MakeRational(1, 2));  // 8 / (2 x 8) before round 1
  // At the last rho, 1/4, each supporter would pay 1/4 x 8 = 2 (they hold
  // 2.5): 4 of 8. A new supporter with a full share (10) pays 2 too: 2 more.
  REQUIRE(a.mes.last_rho);
  CHECK(*a.mes.last_rho == MakeRational(1, 4));
  CHECK(a.mes.payable_at_last_rho == 4);
  REQUIRE(a.mes.extra_supporters_at_last_rho);
  CHECK(*a.mes.extra_supporters_at_last_rho == 2);
  CHECK(a.mes.extra_supporters_for_shortfall == 1);  // 3 short, shares of 10
}

TEST_CASE("mes-card: never affordable, and affordable until another project was funded") {
  // Budget 40, 4 voters (10 each). A (8) by v1, v2: rho 4. B (27) by v1, v2,
  // v3: rho 9. D (50) by v4: 10 < 50, never affordable.
  auto e = test::MakeElection({{"A", 8}, {"B", 27}, {"D", 50}}, 40, {{0, 1}, {0, 1}, {1}, {2}});
  const auto b = Explain(e, RuleKind::kMesCard, 1);
  CHECK(b.selected == std::vector<engine::ProjectIndex>{0});
  CHECK_FALSE(b.funded);
  // After A, v1 and v2 hold 6: 6 + 6 + 10 = 22 < 27.
  CHECK(b.mes.money_at_turn == 22);
  CHECK(b.mes.shortfall == 5);
  CHECK(b.mes.needed_per_supporter == 9);
  CHECK(*b.mes.unaffordable_after == 1);
  // At rho 4 they would pay 4 each, 12; a newcomer pays 4: (27 - 12) / 4 -> 4.
  CHECK(*b.mes.last_rho == 4);
  CHECK(b.mes.payable_at_last_rho == 12);
  CHECK(*b.mes.extra_supporters_at_last_rho == 4);
  CHECK(b.mes.extra_supporters_for_shortfall == 1);

  const auto d = Explain(e, RuleKind::kMesCard, 2);
  CHECK(*d.mes.unaffordable_after == 0);
  CHECK(d.mes.money_at_turn == 10);
  CHECK(d.mes.shortfall == 40);
  CHECK(d.mes.extra_supporters_for_shortfall == 4);
  CHECK(*d.mes.extra_supporters_at_last_rho == 12);  // (50 - 4) / 4 -> 12
}

TEST_CASE("mes on points: no single price, each pays rho per point") {
  // Budget 30, 3 voters (10 each). A (12): v1 gives it 2 points, v2 1: rho
  // 12 / 3 = 4 per point, v1 pays 8, v2 4. v3 gives B (40) 1 point.
  engine::Election e = test::MakeElection({{"A", 12}, {"B", 40}}, 30, {});
  e.ballot_type = engine::BallotType::kCumulative;
  const std::vector<engine::ProjectIndex> a{0}, b{1};
  const std::vector<std::int64_t> two{2}, one{1};
  e.profile.Add(a, two);
  e.profile.Add(a, one);
  e.profile.Add(b, one);
  const auto ex = Explain(e, RuleKind::kMes, 0);
  CHECK(ex.funded);
  CHECK(ex.mes.rho == 4);
  CHECK_FALSE(ex.mes.uniform);
  CHECK_FALSE(ex.mes.price);
  CHECK(ex.mes.paid_full == 2);
  CHECK(ex.mes.steps[0].money_after == 8);  // 2 + 6 (after its own round)
}

TEST_CASE("phragmen: the max load when funded, at the stop, and the load it would have set") {
  // Budget 100. D (5) by v3; A (50) by v1, v2, v3; C (40) by v2, v4;
  // B (60) by v1, v4; F (70) by v4; E (200) by v1.
  // Round 1: D at load 5. Round 2: A at (5 + 50) / 3 = 55/3 (C would be 20).
  // Round 3: C at (55/3 + 40) / 2 = 175/6; 5 left. Round 4: B would set
  // (55/3 + 175/6 + 60) / 2 = 215/4, less than F's 175/6 + 70 = 595/6, but
  // costs 60 > 5: the rule stops.
  auto e = test::MakeElection({{"A", 50}, {"B", 60}, {"C", 40}, {"D", 5}, {"E", 200}, {"F", 70}}, 100,
                              {{0, 1, 4}, {0, 2}, {0, 3}, {1, 2, 5}});
  const auto c = Explain(e, RuleKind::kPhragmen, 2);
  CHECK(c.funded);
  CHECK(*c.round == 2);
  CHECK(c.phragmen.load == MakeRational(175, 6));
  CHECK(c.left_after == 5);

  const auto b = Explain(e, RuleKind::kPhragmen, 1);
  CHECK_FALSE(b.funded);
  CHECK(b.decision == Decision::kStopped);
  REQUIRE(b.phragmen.stop_round);
  CHECK(*b.phragmen.stop_round == 3);
  CHECK(b.phragmen.stop_project == 1);
  CHECK(b.phragmen.load == MakeRational(215, 4));
  CHECK(b.left_before == 5);

  const auto f = Explain(e, RuleKind::kPhragmen, 5);
  CHECK_FALSE(f.funded);
  CHECK_FALSE(f.round);
  CHECK(f.phragmen.stop_load == MakeRational(215, 4));
  CHECK(f.phragmen.load == MakeRational(595, 6));

  const auto big = Explain(e, RuleKind::kPhragmen, 4);
  CHECK(big.phragmen.over_budget);
}

TEST_CASE("irv, stv and schulze: the round, the rank") {
  // First preferences x 2, y 1, z 2: y is eliminated, its ballot goes to z: 3 of 5.
  auto e = test::MakeElection({{"x", 10}, {"y", 10}, {"z", 10}}, 20,
                              {{0, 1, 2}, {0, 2, 1}, {1, 2, 0}, {2, 1, 0}, {2, 1, 0}},
                              engine::BallotType::kOrdinal);
  const auto y = Explain(e, RuleKind::kIrv, 1);
  CHECK(y.decision == Decision::kEliminated);
  CHECK(*y.round == 0);
  CHECK(y.score == 1);
  const auto z = Explain(e, RuleKind::kIrv, 2);
  CHECK(z.funded);
  CHECK(z.score == 3);
  const auto x = Explain(e, RuleKind::kIrv, 0);
  CHECK_FALSE(x.funded);
  CHECK(x.ranked.still_continuing);

  // Schulze ranks z, y, x; two fit the budget of 20.
  const auto sx = Explain(e, RuleKind::kSchulze, 0);
  REQUIRE(sx.ranked.position);
  CHECK(*sx.ranked.position == 2);
  CHECK(sx.ranked.wins == 0);
  CHECK(sx.decision == Decision::kSkipped);
  CHECK(sx.turn.left_at_turn == 0);
  CHECK(sx.turn.funded_before == std::vector<engine::ProjectIndex>{2, 1});
}

TEST_CASE("mes explanations match a voter-by-voter replay of the payments") {
  std::mt19937 rng(20261126);
  for (int trial = 0; trial < 150; ++trial) {
    auto e = test::RandomApprovalElection(rng);
    const auto nv = static_cast<std::int64_t>(e.profile.size());
    for (bool cost_sat : {true, false}) {
      CAPTURE(trial);
      CAPTURE(cost_sat);
      const RuleKind rule = cost_sat ? RuleKind::kMes : RuleKind::kMesCard;
      auto out = engine::Tally(e, rule, TieBreak::ById(e));
      REQUIRE(out.ok());
      // Replay: every supporter of a round's winner pays min(money, rho x utility).
      std::vector<std::vector<engine::Rational>> money_before;  // per round, per voter
      std::vector<engine::Rational> money(static_cast<std::size_t>(nv), engine::MakeRational(e.budget, nv));
      auto supports = [&](std::size_t v, engine::ProjectIndex p) {
        const auto b = e.profile.projects(v);
        return std::find(b.begin(), b.end(), p) != b.end();
      };
      for (const auto& round : out->rounds) {
        money_before.push_back(money);
        const engine::Rational u(cost_sat ? e.projects[round.project].cost : 1);
        for (std::size_t v = 0; v < money.size(); ++v) {
          if (supports(v, round.project)) money[v] -= std::min<engine::Rational>(money[v], round.score * u);
        }
      }
      for (engine::ProjectIndex p = 0; p < static_cast<engine::ProjectIndex>(e.projects.size()); ++p) {
        CAPTURE(p);
        const auto ex = Explain(e, rule, p);
        auto held = [&](const std::vector<engine::Rational>& m) {
          engine::Rational sum = 0;
          for (std::size_t v = 0; v < m.size(); ++v) sum += supports(v, p) ? m[v] : 0;
          return sum;
        };
        const auto& snapshot = ex.round ? money_before[*ex.round] : money;
        CHECK(ex.mes.money_at_turn == held(snapshot));
        REQUIRE(ex.mes.steps.size() == out->rounds.size());
        const engine::Rational cost(static_cast<long>(e.projects[p].cost));
        std::optional<std::size_t> rho_at;  // the one round its rho is given at
        for (std::size_t k = 0; k < out->rounds.size(); ++k) {
          const auto& after = k + 1 < out->rounds.size() ? money_before[k + 1] : money;
          if (ex.mes.steps[k].money_after) CHECK(*ex.mes.steps[k].money_after == held(after));
          if (!ex.mes.steps[k].rho) continue;
          CHECK_FALSE(rho_at);
          rho_at = k;
          // Its exact rho from the replayed money before round k: each
          // supporter pays min(money, rho x u), together the cost.
          const engine::Rational rho = *ex.mes.steps[k].rho;
          const engine::Rational u(cost_sat ? e.projects[p].cost : 1);
          engine::Rational paid = 0;
          for (std::size_t v = 0; v < money.size(); ++v) {
            if (supports(v, p)) paid += std::min<engine::Rational>(money_before[k][v], rho * u);
          }
          CHECK(paid == cost);
          // ...and the last round it could be funded in: funded then, or short after it.
          if (ex.funded) {
            CHECK(*ex.round == k);
          } else {
            CHECK(held(after) < cost);
            REQUIRE(ex.mes.unaffordable_after);
            CHECK(*ex.mes.unaffordable_after == k + 1);
            CHECK(ex.mes.steps[k].money_after);
          }
        }
        // Funded at a price, or affordable at the start: its rho is given once.
        if (ex.funded ? e.projects[p].cost > 0 : held(money_before.empty() ? money : money_before[0]) >= cost &&
                                                   ex.mes.supporters > 0) {
          CHECK(rho_at);
        }
        if (!ex.funded && e.projects[p].cost > 0 && ex.mes.supporters > 0) {
          CHECK(ex.mes.money_at_turn < e.projects[p].cost);
          CHECK(ex.mes.extra_supporters_for_shortfall >= 1);
          if (ex.mes.extra_supporters_at_last_rho) CHECK(*ex.mes.extra_supporters_at_last_rho >= 1);
        }
      }
    }
  }
}

TEST_CASE("mes: a project its exclusive group's funded project ruled out has its rho at that round") {
  // Budget 120, 4 voters (30 each). A (40) and B (45) exclude each other;
  // C (50) by v3, v4. mes-card: A by v1, v2, v3 first (rho 40/3 < 45/3),
  // which rules out B, still affordable then.
  auto e = test::MakeElection({{"A", 40}, {"B", 45}, {"C", 50}}, 120, {{0, 1}, {0, 1}, {0, 2}, {1, 2}});
  e.projects[0].exclusive_group = "site";
  e.projects[1].exclusive_group = "site";
  const auto out = engine::Tally(e, RuleKind::kMesCard, TieBreak::ById(e));
  REQUIRE(out.ok());
  REQUIRE_FALSE(out->selected.empty());
  CHECK(out->selected.front() == 0);
  const auto b = Explain(e, RuleKind::kMesCard, 1);
  CHECK_FALSE(b.funded);
  REQUIRE(b.mes.steps.size() == out->rounds.size());
  // Before round 1, B's supporters (v1, v2, v4: 90) share 45 evenly: rho 15.
  REQUIRE(b.mes.steps[0].rho);
  CHECK(*b.mes.steps[0].rho == 15);
  for (std::size_t k = 1; k < b.mes.steps.size(); ++k) CHECK_FALSE(b.mes.steps[k].rho);
  // v1, v2 paid 40/3 each for A: 2 x (30 - 40/3) + 30 = 190/3 after round 1.
  REQUIRE(b.mes.steps[0].money_after);
  CHECK(*b.mes.steps[0].money_after == MakeRational(190, 3));
  // The count and every explanation from one count agree.
  const auto all = engine::ExplainAll(e, RuleKind::kMesCard, TieBreak::ById(e), {});
  REQUIRE(all.ok());
  REQUIRE(all->projects[1].mes.steps[0].rho);
  CHECK(*all->projects[1].mes.steps[0].rho == 15);
}

TEST_CASE("explain refuses a project out of range and a rule that does not fit") {
  auto e = ThreeByVotes();
  CHECK_FALSE(engine::Explain(e, RuleKind::kGreedy, TieBreak::ById(e), {}, 3).ok());
  CHECK_FALSE(engine::Explain(e, RuleKind::kIrv, TieBreak::ById(e), {}, 0).ok());
}
