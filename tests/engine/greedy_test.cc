#include <doctest/doctest.h>

#include "../support/election_builder.h"
#include "psephos/engine/rules.h"

using namespace psephos;
using engine::Decision;
using engine::RuleKind;
using engine::TieBreak;

namespace {

// a: 50, 3 votes; b: 60, 2 votes; c: 40, 2 votes; budget 100.
engine::Election ThreeProjects() {
  return test::MakeElection({{"a", 50}, {"b", 60}, {"c", 40}}, 100,
                            {{0, 1}, {0, 2}, {0}, {1, 2}});
}

engine::Outcome Run(const engine::Election& e, RuleKind rule, const TieBreak& tb,
                    engine::RuleOptions options = {}) {
  auto out = engine::Tally(e, rule, tb, options);
  REQUIRE(out.ok());
  return *out;
}

}  // namespace

TEST_CASE("greedy funds by votes and skips what no longer fits") {
  auto e = ThreeProjects();
  auto out = Run(e, RuleKind::kGreedy, TieBreak::ById(e));
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"a", "c"});
  CHECK(out.total_cost == 90);
  REQUIRE(out.rounds.size() == 3);
  CHECK(out.rounds[1].project == 1);
  CHECK(out.rounds[1].decision == Decision::kSkipped);
  CHECK(out.rounds[1].budget_left == 50);
  CHECK(out.rounds[0].score == 3);
  // b and c tie on 2 votes; id puts b first.
  REQUIRE(out.ties.size() == 1);
  CHECK(out.ties[0].round == 1);
  CHECK(out.ties[0].tied == std::vector<engine::ProjectIndex>{1, 2});
  CHECK(out.ties[0].winner == 1);
}

TEST_CASE("greedy with the cost tie-break considers the cheaper tied project first") {
  auto e = ThreeProjects();
  auto out = Run(e, RuleKind::kGreedy, TieBreak::ByCost(e));
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"a", "c"});
  CHECK(out.rounds[1].project == 2);
  CHECK(out.ties[0].winner == 2);
}

TEST_CASE("greedy-no-skip stops at the first project that does not fit") {
  auto e = ThreeProjects();
  auto out = Run(e, RuleKind::kGreedyNoSkip, TieBreak::ById(e));
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"a"});
  REQUIRE(out.rounds.size() == 2);
  CHECK(out.rounds[1].decision == Decision::kStopped);
}

TEST_CASE("greedy-threshold leaves out projects under the threshold and needs one") {
  auto e = ThreeProjects();
  CHECK_FALSE(engine::Tally(e, RuleKind::kGreedyThreshold, TieBreak::ById(e)).ok());
  engine::RuleOptions options;
  options.min_score = 3;
  auto out = Run(e, RuleKind::kGreedyThreshold, TieBreak::ById(e), options);
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"a"});
  CHECK(out.rounds[1].decision == Decision::kBelowThreshold);
  CHECK(out.rounds[2].decision == Decision::kBelowThreshold);
}

TEST_CASE("greedy-card funds by votes per unit of cost") {
  // a: 3/50, c: 2/40 = 1/20, b: 2/60.
  auto e = ThreeProjects();
  auto out = Run(e, RuleKind::kGreedyCard, TieBreak::ById(e));
  REQUIRE(out.rounds.size() == 3);
  CHECK(test::Ids(e, out.selected) == std::vector<std::string>{"a", "c"});
  CHECK(out.rounds[1].project == 2);
  CHECK(out.rounds[1].score == engine::MakeRational(1, 20));
  CHECK(out.ties.empty());
}

TEST_CASE("greedy treats free and unsupported projects as pabutools does") {
  // free: cost 0 with a vote; none: no votes. Cost satisfaction gives a free
  // project no satisfaction, so it ranks with zero; card ranks it first.
  auto e = test::MakeElection({{"free", 0}, {"none", 10}, {"x", 90}}, 100, {{0, 2}, {2}});
  auto cost = Run(e, RuleKind::kGreedy, TieBreak::ById(e));
  CHECK(test::Ids(e, cost.selected) == std::vector<std::string>{"x", "free", "none"});
  auto card = Run(e, RuleKind::kGreedyCard, TieBreak::ById(e));
  CHECK(test::Ids(e, card.selected) == std::vector<std::string>{"free", "x", "none"});
  CHECK(card.rounds[0].score_infinite);
}

TEST_CASE("rules refuse ballots they do not count") {
  auto e = test::MakeElection({{"a", 1}}, 1, {{0}}, engine::BallotType::kOrdinal);
  auto out = engine::Tally(e, RuleKind::kGreedy, TieBreak::ById(e));
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().message().find("ordinal") != std::string::npos);
  CHECK_FALSE(engine::ParseRule("greedy-borda-x").ok());
  CHECK(engine::ParseRule("mes-add1").ok());
}
