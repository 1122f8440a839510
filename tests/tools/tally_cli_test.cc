// psephos tally, run as a user runs it: a process, its stdout, stderr and exit code.
#include <doctest/doctest.h>

#include "../support/cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using Run = psephos::test::CliRun;

Run Psephos(const std::string& args) { return psephos::test::RunPsephos(args); }

const std::string kData = PSEPHOS_TEST_DATA "/cli/";

}  // namespace

TEST_CASE("tally prints JSON with the selection, ties and rounds") {
  auto r = Psephos("tally " + kData + "tied.pb --rule greedy --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["rule"] == "greedy");
  CHECK(j["tie_break"] == "id");
  CHECK(j["selected"] == nlohmann::json::array({"a", "c"}));
  CHECK(j["total_cost"] == 90);
  CHECK(j["budget"] == 100);
  REQUIRE(j["ties"].size() == 1);
  CHECK(j["ties"][0]["tied"] == nlohmann::json::array({"b", "c"}));
  REQUIRE(j["rounds"].size() == 3);
  CHECK(j["rounds"][1]["project"] == "b");
  CHECK(j["rounds"][1]["decision"] == "skipped");
  CHECK(j["rounds"][1]["score"] == "2");
}

TEST_CASE("tally takes an explicit tie-break order from a file") {
  auto r = Psephos("tally " + kData + "tied.pb --rule greedy --format json --tie-break order:" +
                   kData + "order_cba.txt");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["tie_break"] == "order");
  CHECK(j["ties"][0]["winner"] == "c");
  CHECK(j["rounds"][1]["project"] == "c");
}

TEST_CASE("tally --rule official uses the file's rule and threshold") {
  auto r = Psephos("tally " + kData + "tied.pb --rule official --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["rule"] == "greedy-threshold");
  CHECK(j["selected"] == nlohmann::json::array({"a", "c"}));
  // --threshold overrides the file: with 3 votes needed only a is left.
  auto r3 = Psephos("tally " + kData + "tied.pb --rule official --threshold 3 --format json");
  REQUIRE(r3.exit_code == 0);
  CHECK(nlohmann::json::parse(r3.out)["selected"] == nlohmann::json::array({"a"}));
}

TEST_CASE("tally --rule official breaks ties in file order, --tie-break id still can") {
  // tied.pb lists a, b, c: b and c tie on 2 votes, and b comes first in both orders.
  auto r = Psephos("tally " + kData + "tied.pb --rule official --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["tie_break"] == "file");
  REQUIRE(j["ties"].size() == 1);
  CHECK(j["ties"][0]["tied"] == nlohmann::json::array({"b", "c"}));
  auto id = Psephos("tally " + kData + "tied.pb --rule official --tie-break id --format json");
  REQUIRE(id.exit_code == 0);
  CHECK(nlohmann::json::parse(id.out)["tie_break"] == "id");
  auto other = Psephos("tally " + kData + "tied.pb --rule greedy --format json");
  CHECK(nlohmann::json::parse(other.out)["tie_break"] == "id");
}

TEST_CASE("tally greedy-reserve takes --reserve-share and names the reserve-funded project") {
  // tied.pb: a 50 (3 votes), b 60 (2), c 40 (2), budget 100. By score a, then b
  // does not fit the 50 left: 50 is 83% of 60, so at 80% the reserve pays 10.
  auto r = Psephos("tally " + kData + "tied.pb --rule greedy-reserve --reserve-share 80 --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["selected"] == nlohmann::json::array({"a", "b"}));
  CHECK(j["reserve_used"] == 10);
  CHECK(j["rounds"][1]["decision"] == "funded_from_reserve");
  auto text = Psephos("tally " + kData + "tied.pb --rule greedy-reserve --reserve-share 90");
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("stopped") != std::string::npos);
  auto missing = Psephos("tally " + kData + "tied.pb --rule greedy-reserve");
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("--reserve-share") != std::string::npos);
  auto too_big = Psephos("tally " + kData + "tied.pb --rule greedy-reserve --reserve-share 101");
  CHECK(too_big.exit_code == 2);
  auto explain = Psephos("explain " + kData + "tied.pb --rule greedy-reserve --reserve-share 80 --project b");
  REQUIRE(explain.exit_code == 0);
  CHECK(explain.out.find("was funded from the reserve in round 2") != std::string::npos);
  CHECK(explain.out.find("covers at least 80% of its cost, so the reserve paid the other 10.") != std::string::npos);
}

TEST_CASE("tally equalshares-add1 with --comparison reports the comparison step") {
  auto r = Psephos("tally " + kData + "tied.pb --rule equalshares-add1u --comparison exclusion --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["rule"] == "equalshares-add1u");
  REQUIRE(j.contains("comparison"));
  CHECK(j["comparison"]["by"] == "exclusion");
  auto bad = Psephos("tally " + kData + "tied.pb --rule equalshares-add1 --comparison votes");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("unknown comparison step") != std::string::npos);
  auto other_rule = Psephos("tally " + kData + "tied.pb --rule mes --comparison exclusion");
  CHECK(other_rule.exit_code == 2);
  CHECK(other_rule.err.find("--comparison is a step of equalshares-add1") != std::string::npos);
  auto share = Psephos("tally " + kData + "tied.pb --rule greedy --reserve-share 80");
  CHECK(share.exit_code == 2);
  CHECK(share.err.find("--reserve-share is an option of greedy-reserve") != std::string::npos);
}

TEST_CASE("tally prints a readable table by default") {
  auto r = Psephos("tally " + kData + "tied.pb --rule mes");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("rule: mes") != std::string::npos);
  CHECK(r.out.find("budget: 100") != std::string::npos);
  CHECK(r.out.find("rounds (rho)") != std::string::npos);
}

TEST_CASE("tally reports bad input on stderr with exit code 2") {
  auto bad_cost = Psephos("tally " + kData + "broken_cost.pb --rule greedy");
  CHECK(bad_cost.exit_code == 2);
  CHECK(bad_cost.out.empty());
  CHECK(bad_cost.err.find("broken_cost.pb:8") != std::string::npos);
  CHECK(bad_cost.err.find("cost") != std::string::npos);

  auto missing = Psephos("tally " + kData + "no_such_file.pb --rule greedy");
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("no_such_file.pb") != std::string::npos);

  auto rule = Psephos("tally " + kData + "tied.pb --rule nonsense");
  CHECK(rule.exit_code == 2);
  CHECK(rule.err.find("unknown rule 'nonsense'") != std::string::npos);

  auto order = Psephos("tally " + kData + "tied.pb --rule greedy --tie-break order:" + kData +
                       "tied.pb");
  CHECK(order.exit_code == 2);
  CHECK(order.err.find("unknown project id") != std::string::npos);

  auto no_rule = Psephos("tally " + kData + "tied.pb");
  CHECK(no_rule.exit_code == 2);
  CHECK(no_rule.err.find("no rule given") != std::string::npos);

  auto format = Psephos("tally " + kData + "tied.pb --rule greedy --format xml");
  CHECK(format.exit_code == 2);
}

TEST_CASE("tally knapsack reads partial funding from the projects and shares by policy") {
  auto r = Psephos("tally " + kData + "knapsack.pb --rule knapsack --partial fractional --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  // a whole (60); b and c tie and share 40 of 90: 22 and 18.
  CHECK(j["selected"] == nlohmann::json::array({"a", "b", "c"}));
  CHECK(j["amounts"] == nlohmann::json::array({60, 22, 18}));
  CHECK(j["rounds"][1]["decision"] == "partially_funded");
  auto none = Psephos("tally " + kData + "knapsack.pb --rule knapsack --divisible none --format json");
  REQUIRE(none.exit_code == 0);
  CHECK(nlohmann::json::parse(none.out)["amounts"] == nlohmann::json::array({60, 40}));
  auto bad = Psephos("tally " + kData + "knapsack.pb --rule knapsack --partial proportional");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("unknown partial-funding policy") != std::string::npos);
}

TEST_CASE("tally counts ranked ballots with irv, stv, schulze and rank points") {
  // First preferences x 2, y 1, z 2: y goes, its ballot moves to z: z wins 3-2.
  auto irv = Psephos("tally " + kData + "ranked.pb --rule irv --format json");
  REQUIRE(irv.exit_code == 0);
  CHECK(nlohmann::json::parse(irv.out)["selected"] == nlohmann::json::array({"z"}));
  // Equal costs of 10 and a budget of 20: two seats.
  auto stv = Psephos("tally " + kData + "ranked.pb --rule stv --format json");
  REQUIRE(stv.exit_code == 0);
  CHECK(nlohmann::json::parse(stv.out)["selected"].size() == 2);
  auto schulze = Psephos("tally " + kData + "ranked.pb --rule schulze --format json");
  REQUIRE(schulze.exit_code == 0);
  CHECK(nlohmann::json::parse(schulze.out)["ranking"].size() == 3);
  // 3-2-1 points: x 3+3+1+1+1 = 9, y 2+1+3+2+2 = 10, z 1+2+2+3+3 = 11.
  auto points = Psephos("tally " + kData + "ranked.pb --rule greedy-score --format json");
  REQUIRE(points.exit_code == 0);
  auto j = nlohmann::json::parse(points.out);
  CHECK(j["selected"] == nlohmann::json::array({"z", "y"}));
  CHECK(j["rounds"][0]["score"] == "11");
  auto custom = Psephos("tally " + kData + "ranked.pb --rule greedy-score --rank-points 5,0,0 --format json");
  REQUIRE(custom.exit_code == 0);
  CHECK(nlohmann::json::parse(custom.out)["selected"] == nlohmann::json::array({"x", "z"}));
  auto wrong = Psephos("tally " + kData + "ranked.pb --rule phragmen");
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("does not count ordinal ballots") != std::string::npos);
}
