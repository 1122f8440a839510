// psephos report, run as a user runs it: text, JSON shape, the SVG map and bad input.
#include <doctest/doctest.h>

#include "../support/cli_runner.h"

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using Run = psephos::test::CliRun;

Run Psephos(const std::string& args) { return psephos::test::RunPsephos(args); }

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// report.pb: worked out by hand in tests/engine/report_test.cc. mes funds A
// and C (90 of 120 PLN), greedy A and B (100).
const std::string kFile = PSEPHOS_TEST_DATA "/cli/report.pb";

}  // namespace

TEST_CASE("report text: one rule against another, projects, groups and categories") {
  auto r = Psephos("report " + kFile + " --rule mes --compare greedy --by sex");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(Has(r.out, "money spent                            90 PLN      100 PLN"));
  CHECK(Has(r.out, "none of their projects funded        12.5% (1)   37.5% (3)"));
  CHECK(Has(r.out, "funded projects per voter, average   0.88        1.12"));
  CHECK(Has(r.out, "only mes funds 1 project with 2 votes: C"));
  CHECK(Has(r.out, "only greedy funds 1 project with 4 votes: B"));
  CHECK(Has(r.out, "more of their projects funded: 25.0% of voters under mes, 50.0% under greedy"));
  CHECK(Has(r.out, "B   4      40 PLN  -       30.0%    funded  100.0%"));
  CHECK(Has(r.out, "By sex"));
  CHECK(Has(r.out, "  M    4       25.0%           0.75            66.7%"));
  CHECK(Has(r.out, "By target (share of votes against share of the money spent)"));
}

TEST_CASE("report json: the shape and the figures") {
  auto r = Psephos("report " + kFile + " --rule mes --compare greedy --by age --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["budget"] == 120);
  CHECK(j["voters"] == 8);
  REQUIRE(j["outcomes"].size() == 2);
  const auto& mes = j["outcomes"][0];
  CHECK(mes["rule"] == "mes");
  CHECK(mes["spent"] == 90);
  CHECK(mes["left"] == 30);
  CHECK(mes["voters"]["nothing_funded"] == 1);
  CHECK(mes["voters"]["nothing_funded_share"] == doctest::Approx(0.125));
  CHECK(mes["voters"]["average_funded"] == doctest::Approx(0.875));
  CHECK(mes["voters"]["average_funded_cost"] == doctest::Approx(45));
  CHECK(mes["voters"]["distribution"] == nlohmann::json::array({1, 7}));
  CHECK(mes["two_or_more"]["voters"] == 4);
  REQUIRE(mes["projects"].size() == 4);
  CHECK(mes["projects"][1]["id"] == "B");
  CHECK(mes["projects"][1]["name"] == "Benches");
  CHECK(mes["projects"][1]["votes"] == 4);
  CHECK(mes["projects"][1]["cost"] == 40);
  CHECK(mes["projects"][1]["funded"] == false);
  CHECK(mes["projects"][1]["effective_support"] == doctest::Approx(0.3));
  CHECK(mes["groups"]["column"] == "age");
  CHECK(mes["groups"]["values"][0]["value"] == "0-17");
  CHECK(mes["groups"]["values"][0]["figures"]["voters"] == 1);
  CHECK(mes["groups"]["values"][0]["money_share"] == doctest::Approx(60.0 / 90));
  CHECK(mes["categories"][0]["column"] == "category");
  CHECK(mes["categories"][0]["labels"][1]["label"] == "parks");
  CHECK(mes["categories"][0]["distance"] == doctest::Approx(1.0 / 12));
  const auto& greedy = j["outcomes"][1];
  CHECK(greedy["projects"][2]["needed_score"] == 4);
  CHECK(greedy["projects"][2]["effective_support"] == doctest::Approx(0.5));
  const auto& c = j["comparison"];
  CHECK(c["first"] == "mes");
  CHECK(c["second"] == "greedy");
  CHECK(c["only_first"]["projects"] == nlohmann::json::array({"C"}));
  CHECK(c["only_first"]["votes"] == 2);
  CHECK(c["only_second"]["projects"] == nlohmann::json::array({"B"}));
  CHECK(c["better_by_count"]["first"] == 2);
  CHECK(c["better_by_count"]["second"] == 4);
  CHECK(c["better_by_exclusion"]["first"] == 2);
  CHECK(c["better_by_exclusion"]["second_share"] == 0);

  // One rule: no comparison, no groups.
  auto one = Psephos("report " + kFile + " --rule greedy --format json");
  REQUIRE(one.exit_code == 0);
  auto k = nlohmann::json::parse(one.out);
  CHECK(k["outcomes"].size() == 1);
  CHECK_FALSE(k.contains("comparison"));
  CHECK_FALSE(k["outcomes"][0].contains("groups"));
}

TEST_CASE("report --map: funded and unfunded projects with a place, per rule, with text alternatives") {
  const auto svg = std::filesystem::temp_directory_path() / "psephos_report_map_test.svg";
  auto r = Psephos("report " + kFile + " --rule mes --compare greedy --map " + svg.string());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string map = psephos::test::Slurp(svg);
  std::filesystem::remove(svg);
  CHECK(map.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(Has(map, "role=\"img\""));
  // A and C have a place; B and D do not.
  CHECK(Has(map, "<desc id=\"map-desc\">mes: 2 of the 2 projects with a place are funded (2 funded in all). "
                 "greedy: 1 of the 2 projects with a place are funded (2 funded in all). </desc>"));
  CHECK(Has(map, "<title>C Library corner: not funded, 2 votes</title>"));
  CHECK(Has(map, "<title>C Library corner: funded, 2 votes</title>"));
  CHECK_FALSE(Has(map, "Benches"));
}

TEST_CASE("report: bad input is named, exit 2") {
  auto column = Psephos("report " + kFile + " --rule mes --by district");
  CHECK(column.exit_code == 2);
  CHECK(Has(column.err, "psephos report: no voter column 'district' to group by; the file has sex, age"));
  auto rule = Psephos("report " + kFile + " --rule mes --compare nosuchrule");
  CHECK(rule.exit_code == 2);
  CHECK(Has(rule.err, "--compare: "));
  auto no_rule = Psephos("report " + kFile);
  CHECK(no_rule.exit_code == 2);
  CHECK(Has(no_rule.err, "no rule given"));
  auto value = Psephos("report " + kFile + " --rule mes --by");
  CHECK(value.exit_code == 2);
  CHECK(Has(value.err, "option --by needs a value"));
  auto nomap = Psephos("report " PSEPHOS_TEST_DATA "/cli/explain.pb --rule mes --map /tmp/psephos_never.svg");
  CHECK(nomap.exit_code == 2);
  CHECK(Has(nomap.err, "no project has both a latitude and a longitude"));
  CHECK_FALSE(std::filesystem::exists("/tmp/psephos_never.svg"));
  auto help = Psephos("--help");
  CHECK(Has(help.out, "report FILE.pb --rule RULE [--compare RULE2]"));
}
