// Cities' own counts, on hand-made elections worked out by hand: ties in file
// order, withdrawn projects under no-skip, Poznań's reserve, equalshares.net's
// add1 family and its comparison step, exclusive groups.
#include <doctest/doctest.h>

#include <algorithm>

#include "../support/election_builder.h"
#include "psephos/ballots/official_rule.h"
#include "psephos/engine/explain.h"
#include "psephos/engine/rules.h"

using namespace psephos;
using engine::Decision;
using engine::RuleKind;
using engine::TieBreak;

namespace {

engine::Outcome Run(const engine::Election& e, RuleKind rule, const TieBreak& tb, engine::RuleOptions options = {}) {
  auto out = engine::Tally(e, rule, tb, options);
  REQUIRE_MESSAGE(out.ok(), out.status().message());
  return *out;
}

// n identical ballots.
void Add(std::vector<std::vector<engine::ProjectIndex>>& ballots, int n, std::vector<engine::ProjectIndex> ballot) {
  for (int i = 0; i < n; ++i) ballots.push_back(ballot);
}

// The official count of an election whose META names `rule`, ties in file order.
engine::Outcome Official(engine::Election e, const std::string& rule) {
  e.meta.emplace_back("rule", rule);
  auto official = ballots::ResolveOfficialRule(e);
  REQUIRE_MESSAGE(official.ok(), official.status().message());
  return Run(e, official->rule, TieBreak::ByFile(e), official->options);
}

}  // namespace

TEST_CASE("file tie-break: the PROJECTS order as published decides a tie (Warszawa 2018 Niskie Okęcie)") {
  // 615 is listed before 308; both have 88 votes and only one fits the 100 left.
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 88, {0});
  Add(b, 88, {1});
  Add(b, 120, {2});
  const auto e = test::MakeElection({{"615", 100}, {"308", 100}, {"1", 100}}, 200, b);
  const auto city = Official(e, "greedy");
  CHECK(city.tie_break == "file");
  CHECK(test::Ids(e, city.selected) == std::vector<std::string>{"1", "615"});
  REQUIRE(city.ties.size() == 1);  // the tie is still reported
  CHECK(city.ties[0].round == 1);
  CHECK(test::Ids(e, city.ties[0].tied) == std::vector<std::string>{"615", "308"});
  CHECK(e.projects[city.ties[0].winner].id == "615");
  // By id, "308" < "615": the other project, as before.
  const auto by_id = Run(e, RuleKind::kGreedyScore, TieBreak::ById(e));
  CHECK(test::Ids(e, by_id.selected) == std::vector<std::string>{"1", "308"});
  // Every rule takes it: pabutools' greedy breaks its tie the same way.
  const auto greedy = Run(e, RuleKind::kGreedy, TieBreak::ByFile(e));
  CHECK(test::Ids(e, greedy.selected) == std::vector<std::string>{"1", "615"});
  CHECK(greedy.tie_break == "file");
}

TEST_CASE("greedy-no-skip: a project costing more than the whole budget is out of reach, not a stop (Wrocław 2017)") {
  // W, withdrawn, keeps the placeholder cost 999999999 and the most votes.
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 50, {0});
  Add(b, 40, {1});
  Add(b, 30, {2});
  const auto e = test::MakeElection({{"W", 999999999}, {"425", 600}, {"X", 500}}, 1000, b);
  const auto out = Official(e, "greedy-no-skip");
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"425"});
  REQUIRE(out.rounds.size() == 3);
  CHECK(out.rounds[0].decision == Decision::kOutOfReach);
  CHECK(out.rounds[0].budget_left == 1000);
  CHECK(out.rounds[1].decision == Decision::kSelected);
  CHECK(out.rounds[2].decision == Decision::kStopped);  // 500 > 400 left: a real stop
  CHECK(engine::DecisionName(Decision::kOutOfReach) == std::string("out_of_reach"));
  auto ex = engine::Explain(e, RuleKind::kGreedyNoSkip, TieBreak::ByFile(e), {}, 0);
  REQUIRE(ex.ok());
  CHECK(ex->decision == Decision::kOutOfReach);
  CHECK_FALSE(ex->funded);
}

TEST_CASE("greedy-reserve: the stopping project is funded from the reserve when the money left covers the share") {
  // By votes: A 600, B 500, C 100; budget 1000. After A, 400 is left: exactly
  // 80% of B's 500, so the reserve pays the other 100 and the count ends (C out).
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 50, {0});
  Add(b, 40, {1});
  Add(b, 30, {2});
  const auto e = test::MakeElection({{"A", 600}, {"B", 500}, {"C", 100}}, 1000, b, engine::BallotType::kChoose1);
  engine::RuleOptions options;
  options.reserve_share = 80;
  const auto out = Run(e, RuleKind::kGreedyReserve, TieBreak::ByFile(e), options);
  CHECK(out.rule == "greedy-reserve");
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"A", "B"});
  CHECK(out.total_cost == 1100);
  CHECK(out.reserve_used == 100);
  REQUIRE(out.rounds.size() == 2);
  CHECK(out.rounds[1].decision == Decision::kFundedFromReserve);
  CHECK(out.rounds[1].budget_left == 0);
  auto ex = engine::Explain(e, RuleKind::kGreedyReserve, TieBreak::ByFile(e), options, 1);
  REQUIRE(ex.ok());
  CHECK(ex->funded);
  CHECK(ex->decision == Decision::kFundedFromReserve);
  CHECK(ex->turn.shortfall == 100);  // what the reserve paid
  auto c = engine::Explain(e, RuleKind::kGreedyReserve, TieBreak::ByFile(e), options, 2);
  REQUIRE(c.ok());
  CHECK(c->turn.stopped_project == 1);
  CHECK(c->turn.stopped_project_reserve);

  // At 81% the 400 left is not enough: B stops the count, nothing more is funded.
  options.reserve_share = 81;
  const auto strict = Run(e, RuleKind::kGreedyReserve, TieBreak::ByFile(e), options);
  CHECK(test::Ids(e, strict.selected) == std::vector<std::string>{"A"});
  CHECK(strict.reserve_used == 0);
  CHECK(strict.rounds[1].decision == Decision::kStopped);

  // The share is required.
  auto missing = engine::Tally(e, RuleKind::kGreedyReserve, TieBreak::ByFile(e), {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("reserve share") != std::string::npos);
}

TEST_CASE("official: Poznań's greedy-custom is greedy-reserve at 80%, another city's is refused") {
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 50, {0});
  Add(b, 40, {1});
  auto e = test::MakeElection({{"A", 600}, {"B", 500}}, 1000, b, engine::BallotType::kChoose1);
  e.meta.emplace_back("unit", "Poznań");
  e.meta.emplace_back("rule", "greedy-custom");
  auto official = ballots::ResolveOfficialRule(e);
  REQUIRE(official.ok());
  CHECK(official->rule == RuleKind::kGreedyReserve);
  CHECK(official->options.reserve_share == 80);
  e.meta[0].second = "Gdańsk";
  auto other = ballots::ResolveOfficialRule(e);
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message().find("only Poznań's is known") != std::string::npos);
}

TEST_CASE("equalshares-add1: integral endowments, one unit more per run, the last run within the budget") {
  // Budget 10, 5 voters: each starts with floor(10/5) = 2. X (10) has 3
  // supporters, Y (3) and Z (3) one each.
  //   2 each: nobody can pay for anything, nothing is funded (cost 0);
  //   3 each: X's supporters hold 9 < 10; Y and Z (rho 1 each) are funded (6);
  //   4 each: X (rho 1/3) is funded first, then Y: 13 > 10, over the budget.
  // So the run at 3 is kept: Y and Z.
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 3, {0});
  Add(b, 1, {1});
  Add(b, 1, {2});
  const auto e = test::MakeElection({{"X", 10}, {"Y", 3}, {"Z", 3}}, 10, b);
  const auto out = Run(e, RuleKind::kEqualSharesAdd1, TieBreak::ByFile(e));
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"Y", "Z"});
  CHECK(out.voter_budget == 3);
  CHECK(out.iterations == 3);
  CHECK_FALSE(out.comparison.has_value());
  // Y and Z tie at rho 1: file order puts Y first, and the tie is reported.
  REQUIRE(out.ties.size() == 1);
  CHECK(test::Ids(e, out.ties[0].tied) == std::vector<std::string>{"Y", "Z"});

  // The comparison step: greedy by votes funds X alone. By satisfaction, X's 3
  // supporters prefer it, Y's and Z's 2 prefer equal shares: greedy is kept.
  engine::RuleOptions options;
  options.comparison = engine::Comparison::kSatisfaction;
  const auto compared = Run(e, RuleKind::kEqualSharesAdd1, TieBreak::ByFile(e), options);
  CHECK(test::Ids(e, compared.selected) == std::vector<std::string>{"X"});
  REQUIRE(compared.comparison.has_value());
  CHECK(compared.comparison->by == "satisfaction");
  CHECK(compared.comparison->prefer_rule == 2);
  CHECK(compared.comparison->prefer_greedy == 3);
  CHECK(compared.comparison->kept_greedy);
  auto ex = engine::Explain(e, RuleKind::kEqualSharesAdd1, TieBreak::ByFile(e), options, 0);
  REQUIRE_MESSAGE(ex.ok(), ex.status().message());
  CHECK(ex->funded);
  CHECK(ex->kind == engine::ExplanationKind::kGreedy);
  REQUIRE(ex->comparison.has_value());
  CHECK(ex->comparison->kept_greedy);
}

TEST_CASE("equalshares comparison by exclusion keeps equal shares when fewer voters are left out by it") {
  // Budget 10, 6 voters. X (10): 2 supporters; Y (5): 2; Z (5): 2.
  // Start 1 each (floor 10/6); X needs 5 each, Y and Z 2.5 each:
  //   1, 2: nothing affordable; 3: Y, Z (rho 1/2... each pays 2.5) cost 10;
  //   4: Y, Z again (X's 8 < 10); 5: X (10 exactly) and Y, Z tie at rho 1/2
  //   with X: file order funds X first, then Y: 15 > 10. Kept: Y, Z at 4.
  // Greedy by votes (2 each, file order): X, then nothing fits. By exclusion,
  // X's 2 voters prefer greedy, the 4 of Y and Z equal shares: it stays.
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 2, {0});
  Add(b, 2, {1});
  Add(b, 2, {2});
  const auto e = test::MakeElection({{"X", 10}, {"Y", 5}, {"Z", 5}}, 10, b);
  engine::RuleOptions options;
  options.comparison = engine::Comparison::kExclusion;
  const auto out = Run(e, RuleKind::kEqualSharesAdd1, TieBreak::ByFile(e), options);
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"Y", "Z"});
  CHECK(out.voter_budget == 4);
  REQUIRE(out.comparison.has_value());
  CHECK(out.comparison->prefer_rule == 4);
  CHECK(out.comparison->prefer_greedy == 2);
  CHECK_FALSE(out.comparison->kept_greedy);
}

TEST_CASE("equalshares-add1u: utilitarian completion by votes after add1") {
  // Budget 10, 3 voters; A (6) by 2, B (5) by 1, D (4) by nobody.
  //   start 3 each: A (each pays 3) is funded; B: 3 < 5.
  //   4 each: A again; B: 4 < 5.   5 each: A, then B: 11 > 10, over.
  // add1 keeps {A} (4 left). Completion by votes: B (1 vote) does not fit
  // the 4 left, D (0 votes) does.
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 2, {0});
  Add(b, 1, {1});
  const auto e = test::MakeElection({{"A", 6}, {"B", 5}, {"D", 4}}, 10, b);
  const auto add1 = Run(e, RuleKind::kEqualSharesAdd1, TieBreak::ByFile(e));
  CHECK(test::Ids(e, add1.selected) == std::vector<std::string>{"A"});
  CHECK(add1.voter_budget == 4);
  const auto add1u = Run(e, RuleKind::kEqualSharesAdd1u, TieBreak::ByFile(e));
  CHECK(add1u.rule == "equalshares-add1u");
  CHECK(test::Ids(e, add1u.selected) == std::vector<std::string>{"A", "D"});
  REQUIRE(add1u.completion_from.has_value());
  CHECK(*add1u.completion_from == 1);
  CHECK(add1u.total_cost == 10);
  auto d = engine::Explain(e, RuleKind::kEqualSharesAdd1u, TieBreak::ByFile(e), {}, 2);
  REQUIRE_MESSAGE(d.ok(), d.status().message());
  CHECK(d->funded);
  CHECK(d->completion);
  auto a = engine::Explain(e, RuleKind::kEqualSharesAdd1u, TieBreak::ByFile(e), {}, 0);
  REQUIRE_MESSAGE(a.ok(), a.status().message());
  CHECK(a->kind == engine::ExplanationKind::kMes);
  CHECK(a->mes.voter_budget == 4);
}

TEST_CASE("exclusive groups: a funded project removes the rest of its group, under every rule") {
  // A (30, 10 votes) and B (30, 9 votes) are two proposals for one site; C
  // (10, 5 votes). All three fit the 100.
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 10, {0});
  Add(b, 9, {1});
  Add(b, 5, {2});
  auto e = test::MakeElection({{"A", 30}, {"B", 30}, {"C", 10}}, 100, b);
  auto sorted = [&](const engine::Outcome& out) {
    auto ids = test::Ids(e, out.selected);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  e.projects[0].exclusive_group = "site";
  e.projects[1].exclusive_group = "site";
  for (RuleKind rule : {RuleKind::kGreedy, RuleKind::kGreedyCard, RuleKind::kGreedyScore, RuleKind::kGreedyNoSkip,
                        RuleKind::kMes, RuleKind::kMesCard, RuleKind::kMesAdd1, RuleKind::kEqualSharesAdd1,
                        RuleKind::kEqualSharesAdd1u, RuleKind::kPhragmen, RuleKind::kKnapsack}) {
    CAPTURE(engine::RuleName(rule));
    CHECK(sorted(Run(e, rule, TieBreak::ByFile(e))) == std::vector<std::string>{"A", "C"});
  }
  const auto greedy = Run(e, RuleKind::kGreedyScore, TieBreak::ByFile(e));
  REQUIRE(greedy.rounds.size() == 3);
  CHECK(greedy.rounds[1].decision == Decision::kExcluded);
  CHECK(greedy.rounds[1].budget_left == 70);
  CHECK(greedy.rounds[2].decision == Decision::kSelected);
  auto ex = engine::Explain(e, RuleKind::kGreedyScore, TieBreak::ByFile(e), {}, 1);
  REQUIRE(ex.ok());
  CHECK(ex->decision == Decision::kExcluded);
  // Without the groups every rule funds all three.
  e.projects[0].exclusive_group.clear();
  e.projects[1].exclusive_group.clear();
  CHECK(Run(e, RuleKind::kGreedyScore, TieBreak::ByFile(e)).selected.size() == 3);
}

TEST_CASE("official: greedy-exclusive without exclusive groups cannot be reproduced, and says why") {
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 10, {0});
  auto e = test::MakeElection({{"773", 30}, {"153", 30}}, 100, b);
  e.meta.emplace_back("rule", "greedy-exclusive");
  auto refused = ballots::ResolveOfficialRule(e);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("cannot be reproduced") != std::string::npos);
  CHECK(refused.status().message().find("exclusive_group") != std::string::npos);
  e.projects[0].exclusive_group = e.projects[1].exclusive_group = "Konarskiego";
  auto official = ballots::ResolveOfficialRule(e);
  REQUIRE(official.ok());
  const auto out = Run(e, official->rule, TieBreak::ByFile(e), official->options);
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"773"});
}

TEST_CASE("exclusive groups on ranked ballots: STV and Schulze pass over the rest of a funded project's group") {
  // 3 voters rank A, B, C; 2 rank B, C, A. A and B are one site.
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 3, {0, 1, 2});
  Add(b, 2, {1, 2, 0});
  auto e = test::MakeElection({{"A", 10}, {"B", 10}, {"C", 10}}, 30, b, engine::BallotType::kOrdinal);
  engine::RuleOptions two;
  two.seats = 2;
  // Without the group: STV (quota 2) elects A, then B with its 2 votes and A's surplus.
  CHECK(test::Ids(e, Run(e, RuleKind::kStv, TieBreak::ByFile(e), two).selected) ==
        std::vector<std::string>{"A", "B"});
  // Schulze ranks A > B > C and all three fit.
  CHECK(Run(e, RuleKind::kSchulze, TieBreak::ByFile(e)).selected.size() == 3);
  e.projects[0].exclusive_group = e.projects[1].exclusive_group = "site";
  // With it: A elected takes B out of the count; B's ballots and A's surplus go to C.
  const auto stv = Run(e, RuleKind::kStv, TieBreak::ByFile(e), two);
  CHECK(test::Ids(e, stv.selected) == std::vector<std::string>{"A", "C"});
  REQUIRE(stv.rounds.size() == 3);
  CHECK(stv.rounds[1].project == 1);
  CHECK(stv.rounds[1].decision == Decision::kExcluded);
  const auto schulze = Run(e, RuleKind::kSchulze, TieBreak::ByFile(e));
  CHECK(test::Ids(e, schulze.ranking) == std::vector<std::string>{"A", "B", "C"});
  CHECK(test::Ids(e, schulze.selected) == std::vector<std::string>{"A", "C"});
  CHECK(schulze.rounds[1].decision == Decision::kExcluded);
  // Greedy by rank points (3-2-1): A 3x3+2x1 = 11, B 3x2+2x3 = 12, C 3+4 = 7: B first, A excluded.
  const auto points = Run(e, RuleKind::kGreedyScore, TieBreak::ByFile(e));
  CHECK(test::Ids(e, points.selected) == std::vector<std::string>{"B", "C"});
}

TEST_CASE("equalshares-add1: everything fits, or all that anyone supports fits: no endless runs") {
  // 3 voters: 2 support A (6), 1 supports B (3); budget 10.
  std::vector<std::vector<engine::ProjectIndex>> b;
  Add(b, 2, {0});
  Add(b, 1, {1});
  // Every project fits (9 <= 10): one run with the whole budget, 10/3 each:
  // A's supporters hold 20/3 >= 6, B's 10/3 >= 3.
  const auto all_fit = test::MakeElection({{"A", 6}, {"B", 3}}, 10, b);
  const auto one_run = Run(all_fit, RuleKind::kEqualSharesAdd1, TieBreak::ByFile(all_fit));
  CHECK(test::Ids(all_fit, one_run.selected) == std::vector<std::string>{"A", "B"});
  CHECK(one_run.voter_budget == engine::MakeRational(10, 3));
  CHECK(one_run.iterations == 1);
  // D (20) has no supporter: not everything fits, but all that MES can fund
  // does (9 <= 10), so more money never overspends: the limit is taken.
  const auto unsupported = test::MakeElection({{"A", 6}, {"B", 3}, {"D", 20}}, 10, b);
  const auto limit = Run(unsupported, RuleKind::kEqualSharesAdd1, TieBreak::ByFile(unsupported));
  CHECK(test::Ids(unsupported, limit.selected) == std::vector<std::string>{"A", "B"});
  CHECK(limit.total_cost == 9);
}
