// Every outcome pabutools computed on the shared files: approval, choose-1,
// cumulative and ordinal ballots.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "../support/election_builder.h"
#include "../support/shared_data.h"
#include "psephos/engine/rules.h"

using namespace psephos;

namespace {

void CheckRows(const std::string& rule_name, const std::set<std::string>& types = {"approval", "choose-1"}) {
  int checked = 0, expected_rows = 0;
  for (const auto& row : test::ExpectedRows()) {
    const std::string type = row["vote_type"];
    if (row["rule"] != rule_name || types.count(type) == 0) continue;
    if (row.contains("timeout")) continue;  // pabutools gave no outcome to compare with
    ++expected_rows;
    const std::string file = row["file"];
    CAPTURE(file);
    const auto& election = test::SharedElection(file);
    auto rule = engine::ParseRule(rule_name);
    REQUIRE(rule.ok());
    auto out = engine::Tally(election, *rule, engine::TieBreak::ById(election));
    REQUIRE_MESSAGE(out.ok(), out.status().message());
    auto got = test::Ids(election, out->selected);
    std::sort(got.begin(), got.end());
    std::vector<std::string> want = row["selected"];
    std::sort(want.begin(), want.end());
    CHECK(got == want);
    ++checked;
  }
  CHECK(expected_rows > 0);
  CHECK(checked == expected_rows);
}

}  // namespace

TEST_CASE("pabutools greedy outcomes") { CheckRows("greedy"); }
TEST_CASE("pabutools greedy-card outcomes") { CheckRows("greedy-card"); }
TEST_CASE("pabutools mes outcomes") { CheckRows("mes"); }
TEST_CASE("pabutools mes-card outcomes") { CheckRows("mes-card"); }
TEST_CASE("pabutools mes-add1 outcomes") { CheckRows("mes-add1"); }
TEST_CASE("pabutools phragmen outcomes") { CheckRows("phragmen"); }
TEST_CASE("pabutools greedy outcomes on points ballots") { CheckRows("greedy", {"cumulative"}); }
TEST_CASE("pabutools mes outcomes on points ballots") { CheckRows("mes", {"cumulative"}); }
TEST_CASE("pabutools greedy-borda outcomes") { CheckRows("greedy-borda", {"ordinal"}); }
TEST_CASE("pabutools mes-borda outcomes") { CheckRows("mes-borda", {"ordinal"}); }
