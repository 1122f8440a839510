// The doubles screen of MES (engine/src/mes_screen.h) against the exact
// count: wherever the screen decides, it must fund exactly what the exact
// count funds, in the same order; where it cannot, it must say so.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "../../engine/src/mes_instance.h"
#include "../../engine/src/mes_screen.h"
#include "../../engine/src/rule_impl.h"
#include "../../tools/psephos/job_runner.h"
#include "../support/election_builder.h"
#include "../support/naive_mes.h"
#include "../support/shared_data.h"
#include "psephos/engine/rules.h"

using namespace psephos;
using engine::Rational;
using engine::internal::MesScreen;

namespace {

struct Tally {
  int screened = 0;
  int unsure = 0;
  int lanes_screened = 0;  // runs screened in two lanes (MesScreen::RunLanes)
  int lanes_unsure = 0;
};

// Runs screen and exact count from each voter budget; returns how often the
// screen decided.
Tally Compare(const engine::Election& election, const engine::TieBreak& tie_break,
              const std::vector<Rational>& budgets) {
  const auto inst = engine::internal::BuildInstance(election, engine::internal::Satisfaction::kCost);
  MesScreen screen(election, inst, tie_break);
  Tally tally;
  for (const Rational& budget : budgets) {
    const auto screened = screen.Run(budget);
    if (!screened) {
      ++tally.unsure;
      continue;
    }
    ++tally.screened;
    const engine::Outcome exact =
        engine::internal::RunMes(election, tie_break, engine::internal::Satisfaction::kCost, budget);
    INFO("voter budget " << budget.get_str());
    CHECK(screened->selected == exact.selected);
    CHECK(screened->total_cost == exact.total_cost);
  }
  // Two budgets at once, side by side in lanes (each budget beside its
  // successor, as add1 runs them, and beside one far from it, whose run
  // funds other projects): every lane that decides funds what the exact
  // count funds from its budget.
  MesScreen lanes(election, inst, tie_break);
  for (std::size_t i = 0; i < budgets.size(); ++i) {
    const Rational& other = budgets[(i + 1 < budgets.size() ? i + 1 : 0)];
    for (const Rational& second : {other, budgets[budgets.size() - 1 - i]}) {
      const auto pair = lanes.RunLanes({budgets[i], second});
      REQUIRE(pair.size() == 2);
      for (std::size_t l = 0; l < 2; ++l) {
        const Rational& budget = l == 0 ? budgets[i] : second;
        if (!pair[l]) {
          ++tally.lanes_unsure;
          continue;
        }
        ++tally.lanes_screened;
        const engine::Outcome exact =
            engine::internal::RunMes(election, tie_break, engine::internal::Satisfaction::kCost, budget);
        INFO("lanes: voter budget " << budget.get_str() << " beside " << (l == 0 ? second : budgets[i]).get_str());
        CHECK(pair[l]->selected == exact.selected);
        CHECK(pair[l]->total_cost == exact.total_cost);
      }
    }
  }
  return tally;
}

std::vector<Rational> Add1Budgets(const engine::Election& election, int runs) {
  std::vector<Rational> budgets;
  Rational budget = engine::MakeRational(election.budget, static_cast<std::int64_t>(election.profile.size()));
  Rational unit = 1;
  for (int i = 0; i < election.money_scale; ++i) unit *= 10;
  for (int i = 0; i < runs; ++i, budget += unit) budgets.push_back(budget);
  return budgets;
}

// A random election whose ballots come 1-4 times each: voters with the same
// ballot share every budget class, so classes hold several voters.
engine::Election RandomElectionWithCopies(std::mt19937& rng) {
  const engine::Election base = test::RandomApprovalElection(rng);
  std::vector<test::ProjectSpec> projects;
  for (const auto& p : base.projects) projects.push_back({p.id, p.cost});
  std::vector<std::vector<engine::ProjectIndex>> ballots;
  for (std::size_t b = 0; b < base.profile.size(); ++b) {
    const auto listed = base.profile.projects(b);
    const int copies = 1 + static_cast<int>(rng() % 4);
    for (int c = 0; c < copies; ++c) ballots.emplace_back(listed.begin(), listed.end());
  }
  return test::MakeElection(projects, base.budget, ballots);
}

}  // namespace

TEST_CASE("mes screen: eight lanes in shared budget classes fund what a voter-by-voter count funds") {
  // Each call runs eight budgets: successive ones (as add1 runs them, funding
  // mostly the same projects) and far ones (funding others, so the shared
  // partition is refined by projects only some lanes fund), whole and
  // fractional (exact ties and budgets equal to prices).
  std::mt19937 rng(20261202);
  int screened = 0;
  int unsure = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const engine::Election election = RandomElectionWithCopies(rng);
    const auto inst = engine::internal::BuildInstance(election, engine::internal::Satisfaction::kCost);
    const auto tie_break = engine::TieBreak::ById(election);
    MesScreen screen(election, inst, tie_break);
    const Rational share = engine::MakeRational(election.budget, static_cast<std::int64_t>(election.profile.size()));
    const std::vector<std::vector<Rational>> calls = {
        {share, share + 1, share + 2, share + 3, share + 4, share + 5, share + 6, share + 7},
        {Rational(1), Rational(7), Rational(2), Rational(30), Rational(5, 2), Rational(3), Rational(11), share},
        {Rational(4), Rational(4), share + 20},
    };
    for (const auto& budgets : calls) {
      const auto answers = screen.RunLanes(budgets);
      REQUIRE(answers.size() == budgets.size());
      for (std::size_t l = 0; l < budgets.size(); ++l) {
        if (!answers[l]) {
          ++unsure;
          continue;
        }
        ++screened;
        INFO("trial " << trial << ", lane " << l << ", voter budget " << budgets[l].get_str());
        CHECK(answers[l]->selected == test::NaiveMes(election, /*cost_sat=*/true, budgets[l]));
      }
    }
  }
  CHECK(screened > 0);
  CHECK(unsure > 0);
}

TEST_CASE("mes screen: a lane too close to call leaves the other lanes decided") {
  // Two voters, a project of 10: with 5 each, each pays exactly all they have.
  const engine::Election election = test::MakeElection({{"a", 10}}, 10, {{0}, {0}});
  const auto inst = engine::internal::BuildInstance(election, engine::internal::Satisfaction::kCost);
  MesScreen screen(election, inst, engine::TieBreak::ById(election));
  const auto answers = screen.RunLanes({Rational(5), Rational(6), Rational(4), Rational(5), Rational(7)});
  REQUIRE(answers.size() == 5);
  CHECK_FALSE(answers[0].has_value());
  CHECK_FALSE(answers[3].has_value());
  for (std::size_t l : {1u, 2u, 4u}) {
    REQUIRE(answers[l].has_value());
    // 4 each cannot pay 10; 6 and 7 can.
    CHECK(answers[l]->selected == (l == 2 ? std::vector<engine::ProjectIndex>{} : std::vector<engine::ProjectIndex>{0}));
  }
}

TEST_CASE("mes-add1 equals add1 counted voter by voter, where the screen decides a run and where it cannot") {
  std::mt19937 rng(20261203);
  int screened = 0;
  int unsure = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const engine::Election election = RandomElectionWithCopies(rng);
    const auto tie_break = engine::TieBreak::ById(election);
    std::vector<Rational> budgets;
    const auto expected = test::NaiveMesAdd1(election, &budgets);
    const auto out = engine::Tally(election, engine::RuleKind::kMesAdd1, tie_break);
    REQUIRE(out.ok());
    CAPTURE(trial);
    CHECK(out->selected == expected);
    // Which of those runs the screen decided (the count takes the exact path
    // for the others): both kinds must occur over the trials.
    const auto inst = engine::internal::BuildInstance(election, engine::internal::Satisfaction::kCost);
    MesScreen screen(election, inst, tie_break);
    for (std::size_t i = 0; i < budgets.size(); i += MesScreen::kMaxLanes) {
      const std::size_t end = std::min(budgets.size(), i + MesScreen::kMaxLanes);
      for (const auto& answer : screen.RunLanes({budgets.begin() + static_cast<std::ptrdiff_t>(i),
                                                 budgets.begin() + static_cast<std::ptrdiff_t>(end)})) {
        ++(answer ? screened : unsure);
      }
    }
  }
  CHECK(screened > 0);
  CHECK(unsure > 0);
}

TEST_CASE("mes screen: funds what the exact count funds over add1's budgets of real elections") {
  for (const char* file : {"Poland_Wieliczka_2023_Zielony_Milion.pb", "Poland_Swiecie_2023.pb",
                           "Netherlands_Assen_2024.pb", "Poland_Warszawa_2019_Las.pb",
                           "Poland_Gdynia_2021_Obluze__small.pb", "Poland_Lodz_2020_Wiskitno.pb"}) {
    CAPTURE(file);
    const engine::Election& election = test::SharedElection(file);
    const Tally tally = Compare(election, engine::TieBreak::ById(election), Add1Budgets(election, 40));
    // Real counts leave the doubles wide margins: the screen must decide most runs.
    CHECK(tally.screened > tally.unsure);
    CHECK(tally.lanes_screened > tally.lanes_unsure);
  }
}

TEST_CASE("mes screen: random small elections, ties and budgets equal to prices") {
  std::mt19937 rng(20261201);
  Tally all;
  for (int trial = 0; trial < 3000; ++trial) {
    const engine::Election election = test::RandomApprovalElection(rng);
    std::vector<Rational> budgets;
    // Whole and fractional budgets: small integers make exact ties and
    // budgets exactly equal to a price common.
    for (int b = 1; b <= 12; ++b) budgets.push_back(Rational(b));
    budgets.push_back(engine::MakeRational(election.budget, static_cast<std::int64_t>(election.profile.size())));
    const Tally tally = Compare(election, engine::TieBreak::ById(election), budgets);
    all.screened += tally.screened;
    all.unsure += tally.unsure;
    all.lanes_screened += tally.lanes_screened;
    all.lanes_unsure += tally.lanes_unsure;
  }
  // Both paths are taken: the screen decides, and declines the close calls.
  CHECK(all.screened > 0);
  CHECK(all.unsure > 0);
  CHECK(all.lanes_screened > 0);
  CHECK(all.lanes_unsure > 0);
}

TEST_CASE("mes screen: an exact tie among projects nobody is poor for is broken as the exact count breaks it") {
  // Three projects of equal cost, each approved by two of four voters: rho is
  // 1/2 for all, exactly.
  const engine::Election election =
      test::MakeElection({{"c", 10}, {"a", 10}, {"b", 10}}, 100, {{0, 1}, {1, 2}, {0, 2}, {}});
  const auto inst = engine::internal::BuildInstance(election, engine::internal::Satisfaction::kCost);
  for (const auto& tie_break : {engine::TieBreak::ById(election), engine::TieBreak::ByFile(election)}) {
    MesScreen screen(election, inst, tie_break);
    const auto screened = screen.Run(Rational(25));
    REQUIRE(screened.has_value());
    const engine::Outcome exact =
        engine::internal::RunMes(election, tie_break, engine::internal::Satisfaction::kCost, Rational(25));
    CHECK(screened->selected == exact.selected);
    CHECK_FALSE(exact.ties.empty());
  }
}

TEST_CASE("mes screen: a budget exactly equal to the price is left to the exact count") {
  // Two voters with 5 each, a project of 10: each pays exactly all they have.
  const engine::Election election = test::MakeElection({{"a", 10}}, 10, {{0}, {0}});
  const auto inst = engine::internal::BuildInstance(election, engine::internal::Satisfaction::kCost);
  MesScreen screen(election, inst, engine::TieBreak::ById(election));
  CHECK_FALSE(screen.Run(Rational(5)).has_value());
  // With a little more each, the doubles decide.
  const auto screened = screen.Run(Rational(6));
  REQUIRE(screened.has_value());
  CHECK(screened->selected == std::vector<engine::ProjectIndex>{0});
}

TEST_CASE("mes-add1 and equalshares-add1: the same outcome with any number of threads") {
  for (const char* file : {"Poland_Wieliczka_2023_Zielony_Milion.pb", "Netherlands_Assen_2024.pb",
                           "Poland_Warszawa_2019_Las.pb"}) {
    CAPTURE(file);
    const engine::Election& election = test::SharedElection(file);
    const auto tie_break = engine::TieBreak::ById(election);
    for (auto rule : {engine::RuleKind::kMesAdd1, engine::RuleKind::kEqualSharesAdd1u}) {
      engine::RuleOptions options;
      const auto one = engine::Tally(election, rule, tie_break, options);
      REQUIRE(one.ok());
      for (int threads : {2, 3, 8}) {
        CAPTURE(threads);
        options.threads = threads;
        options.run_jobs = cli::ThreadRunner();
        const auto many = engine::Tally(election, rule, tie_break, options);
        REQUIRE(many.ok());
        CHECK(many->selected == one->selected);
        CHECK(many->voter_budget == one->voter_budget);
        CHECK(many->iterations == one->iterations);
        CHECK(many->rounds.size() == one->rounds.size());
        CHECK(many->total_cost == one->total_cost);
      }
    }
  }
}
