// psephos explain, run as a user runs it: a process, its stdout, stderr and exit code.
#include <doctest/doctest.h>

#include "../support/cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using Run = psephos::test::CliRun;

Run Psephos(const std::string& args) { return psephos::test::RunPsephos(args); }

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// explain.pb: budget 1000 PLN, 5 voters. p1 (600) and p2 (500) 3 votes each,
// p3 (300) 2 votes.
const std::string kFile = PSEPHOS_TEST_DATA "/cli/explain.pb";
const std::string kData = PSEPHOS_TEST_DATA "/cli/";

}  // namespace

TEST_CASE("explain greedy: a skipped project, the money left and who used it") {
  // p1 wins the tie by id and takes 600; p2's turn: 400 left of its 500.
  auto r = Psephos("explain " + kFile + " --rule greedy --project p2 --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["project"] == "p2");
  CHECK(j["name"] == "Park");
  CHECK(j["currency"] == "PLN");
  CHECK(j["funded"] == false);
  CHECK(j["round"] == 2);
  CHECK(j["decision"] == "skipped");
  CHECK(j["votes"] == 3);
  CHECK(j["cost"] == 500);
  CHECK(j["turn"]["left_at_turn"] == 400);
  CHECK(j["turn"]["shortfall"] == 100);
  CHECK(j["turn"]["funded_before"] == nlohmann::json::array({"p1"}));
  CHECK(j["tied_with"] == nlohmann::json::array({"p1", "p2"}));

  auto text = Psephos("explain " + kFile + " --rule greedy --project p2");
  REQUIRE(text.exit_code == 0);
  CHECK(Has(text.out, "Project p2 (Park) was not funded."));
  CHECK(Has(text.out, "400 PLN was left and it costs 500 PLN"));
  CHECK(Has(text.out, "it was skipped"));
  CHECK(Has(text.out, "Funded before it: p1"));

  auto funded = Psephos("explain " + kFile + " --rule greedy --project p3");
  REQUIRE(funded.exit_code == 0);
  CHECK(Has(funded.out, "was funded in round 3: 2 votes; cost 300 PLN; 100 PLN left."));
}

TEST_CASE("explain greedy-threshold: the threshold a project missed") {
  auto r = Psephos("explain " + kData + "tied.pb --rule official --threshold 3 --project c --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["rule"] == "greedy-threshold");
  CHECK(j["decision"] == "below_threshold");
  CHECK(j["turn"]["threshold"] == 3);
  CHECK(j["turn"]["threshold_score"] == 2);
  auto text = Psephos("explain " + kData + "tied.pb --rule official --threshold 3 --project c");
  CHECK(Has(text.out, "below the rule's threshold of 3"));
}

TEST_CASE("explain mes: rho and price when funded, the money its supporters held when not") {
  // 200 PLN per voter. p1 wins the tie with p2 at rho 1/3: its 3 supporters pay 200 each.
  auto funded = Psephos("explain " + kFile + " --rule mes --project p1 --format json");
  REQUIRE(funded.exit_code == 0);
  auto f = nlohmann::json::parse(funded.out);
  CHECK(f["funded"] == true);
  CHECK(f["round"] == 1);
  CHECK(f["mes"]["rho"] == "1/3");
  CHECK(f["mes"]["price"] == "200");
  CHECK(f["mes"]["supporters"] == 3);

  // p2's supporters v1, v2 paid all they had: only v4's 200 is left of 500.
  auto r = Psephos("explain " + kFile + " --rule mes --project p2 --format json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["funded"] == false);
  CHECK(j["round"].is_null());
  CHECK(j["decision"] == "unaffordable");
  CHECK(j["mes"]["supporters"] == 3);
  CHECK(j["mes"]["money_at_end"] == "200");
  CHECK(j["mes"]["shortfall"] == "300");
  CHECK(j["mes"]["needed_per_supporter"] == "500/3");
  CHECK(j["mes"]["unaffordable_after_rounds"] == 1);
  CHECK(j["mes"]["last_rho"] == "1/3");
  // At rho 1/3 each would pay 500/3: 500/3 in all (only v4 has money); a
  // newcomer with 200 pays 500/3 too: (500 - 500/3) / (500/3) = 2 more.
  CHECK(j["mes"]["extra_supporters_at_last_rho"] == 2);
  CHECK(j["mes"]["steps"].size() == 1);

  auto text = Psephos("explain " + kFile + " --rule mes --project p2");
  REQUIRE(text.exit_code == 0);
  CHECK(Has(text.out, "Project p2 (Park) was not funded. Its 3 supporters held 200 PLN at the end; it costs 500 PLN"));
  CHECK(Has(text.out, "it would need about 2 more supporters"));
  CHECK(Has(text.out, "It became unaffordable in round 1, when p1 was funded."));
}

TEST_CASE("explain without --project explains every project from one count") {
  // JSON: a projects array, in the file's order, each as --project gives it.
  auto all = Psephos("explain " + kFile + " --rule mes --format json");
  REQUIRE(all.exit_code == 0);
  auto j = nlohmann::json::parse(all.out);
  CHECK(j["rule"] == "mes");
  CHECK(j["tie_break"] == "id");
  REQUIRE(j["projects"].size() == 3);
  const std::string ids[] = {"p1", "p2", "p3"};
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string& id = ids[i];
    CHECK(j["projects"][i]["project"] == id);
    auto one = Psephos("explain " + kFile + " --rule mes --format json --project " + id);
    REQUIRE(one.exit_code == 0);
    CHECK(nlohmann::json::parse(one.out) == j["projects"][i]);
  }
  CHECK(j["projects"][0]["mes"]["rho"] == "1/3");
  CHECK(j["projects"][1]["decision"] == "unaffordable");

  // Text: the rule's line once, then a paragraph per project.
  auto text = Psephos("explain " + kFile + " --rule greedy");
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("rule: greedy") == 0);
  CHECK(text.out.find("rule: greedy", 1) == std::string::npos);
  CHECK(Has(text.out, "Project p1 (Sports hall with a roof, a climbing wall\xE2\x80\xA6) was funded in round 1"));
  CHECK(Has(text.out, "Project p2 (Park)"));
  CHECK(Has(text.out, "Project p3 (Library)"));
}

TEST_CASE("explain phragmen and irv name the load and the round") {
  auto ph = Psephos("explain " + kFile + " --rule phragmen --project p1 --format json");
  REQUIRE(ph.exit_code == 0);
  auto j = nlohmann::json::parse(ph.out);
  CHECK(j["decision"] == "stopped");
  CHECK(j["phragmen"]["stop_project"] == "p1");
  CHECK(j["phragmen"].contains("load"));
  auto text = Psephos("explain " + kFile + " --rule phragmen --project p1");
  CHECK(Has(text.out, "the rule stopped there"));

  auto irv = Psephos("explain " + kData + "ranked.pb --rule irv --project y");
  REQUIRE(irv.exit_code == 0);
  CHECK(Has(irv.out, "Project y was eliminated in round 1 with 1 vote"));
}

TEST_CASE("explain shortens long names and groups digits") {
  auto r = Psephos("explain " + kFile + " --rule greedy --project p1");
  REQUIRE(r.exit_code == 0);
  CHECK(Has(r.out, "Project p1 (Sports hall with a roof, a climbing wall\xE2\x80\xA6) was funded in round 1"));
  CHECK(Has(r.out, "budget: 1,000 PLN"));
}

TEST_CASE("explain reports bad input with exit code 2") {
  auto unknown = Psephos("explain " + kFile + " --rule greedy --project nope");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.out.empty());
  CHECK(Has(unknown.err, "unknown project id 'nope'"));

  auto rule = Psephos("explain " + kFile + " --rule nonsense --project p1");
  CHECK(rule.exit_code == 2);
  CHECK(Has(rule.err, "unknown rule 'nonsense'"));

  // tally takes no --project.
  auto tally = Psephos("tally " + kFile + " --rule greedy --project p1");
  CHECK(tally.exit_code == 2);
  CHECK(Has(tally.err, "unknown option --project"));
}
