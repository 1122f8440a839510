// ExplainAll(): one count gives every project's explanation, the same as
// Explain() gives project by project, and the outcome Tally() gives; for
// every rule, on shared pabulib files and on hand-made elections.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "../support/election_builder.h"
#include "../support/shared_data.h"
#include "psephos/ballots/explain_json.h"
#include "psephos/ballots/outcome_json.h"
#include "psephos/engine/explain.h"

using namespace psephos;
using engine::RuleKind;

namespace {

engine::RuleOptions OptionsFor(RuleKind rule) {
  engine::RuleOptions options;
  if (rule == RuleKind::kGreedyThreshold) options.min_score = 2;
  if (rule == RuleKind::kGreedyReserve) options.reserve_share = 80;
  if (rule == RuleKind::kEqualSharesAdd1 || rule == RuleKind::kEqualSharesAdd1u) {
    options.comparison = engine::Comparison::kSatisfaction;
  }
  return options;
}

// Every rule that accepts the election: ExplainAll's outcome is Tally's, and
// each of its explanations is Explain()'s for that project, field by field
// (through the JSON that carries every field), MES steps included.
void CheckEveryRule(const engine::Election& e, const std::string& what) {
  const auto tie_break = engine::TieBreak::ById(e);
  int checked = 0;
  for (const std::string& name : engine::RuleNames()) {
    const RuleKind rule = *engine::ParseRule(name);
    const engine::RuleOptions options = OptionsFor(rule);
    auto tally = engine::Tally(e, rule, tie_break, options);
    auto all = engine::ExplainAll(e, rule, tie_break, options);
    REQUIRE_MESSAGE(tally.ok() == all.ok(), what << " " << name);
    if (!tally.ok()) continue;
    ++checked;
    CHECK_MESSAGE(ballots::OutcomeToJson(e, all->outcome) == ballots::OutcomeToJson(e, *tally), what << " " << name);
    REQUIRE(all->projects.size() == e.projects.size());
    for (std::size_t p = 0; p < e.projects.size(); ++p) {
      auto one = engine::Explain(e, rule, tie_break, options, static_cast<engine::ProjectIndex>(p));
      REQUIRE_MESSAGE(one.ok(), what << " " << name << " " << e.projects[p].id);
      const auto& ex = all->projects[p];
      CHECK(ex.project == p);
      CHECK(ex.mes.steps.size() == one->mes.steps.size());
      CHECK_MESSAGE(ballots::ExplanationToJson(e, ex) == ballots::ExplanationToJson(e, *one),
                    what << " " << name << " " << e.projects[p].id);
    }
  }
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("explain-all equals explain project by project: hand-made elections") {
  // Approval: ties, a free project, one nobody wants, one over the budget.
  CheckEveryRule(test::MakeElection({{"A", 60}, {"B", 50}, {"C", 30}, {"D", 0}, {"E", 40}, {"F", 500}}, 100,
                                    {{0, 1}, {0, 1}, {0, 2}, {1, 2, 3}, {2, 5}, {5}, {1}}),
                 "approval");
  // Two projects for one site: funding one rules out the other, in every rule.
  {
    auto e = test::MakeElection({{"A", 40}, {"B", 45}, {"C", 50}, {"D", 20}}, 120,
                                {{0, 1}, {0, 1, 3}, {0, 2}, {1, 2}, {1, 3}});
    e.projects[0].exclusive_group = e.projects[1].exclusive_group = "site";
    CheckEveryRule(e, "exclusive group");
  }
  // Every voter alike: MES funds in tie-break order.
  CheckEveryRule(test::MakeElection({{"A", 10}, {"B", 10}, {"C", 10}}, 25, {{0, 1, 2}, {0, 1, 2}}), "ties");
  // Small random approval elections.
  std::mt19937 rng(14);
  for (int i = 0; i < 25; ++i) CheckEveryRule(test::RandomApprovalElection(rng), "random " + std::to_string(i));
}

TEST_CASE("explain-all equals explain project by project: shared pabulib files") {
  for (const char* file : {"Poland_Warszawa_2017_Sadul.pb", "Netherlands_Assen_2024.pb",
                           "Poland_Gdynia_2020_Orlowo__large.pb",
                           "US_Stanford_Dataset_Merced_Peoples_Budget_Ballot_2019_vote_rankings.pb",
                           "US_Stanford_Dataset_2022_Jersey_City_Ward_C_vote_knapsacks.pb"}) {
    CAPTURE(file);
    CheckEveryRule(test::SharedElection(file), file);
  }
}
