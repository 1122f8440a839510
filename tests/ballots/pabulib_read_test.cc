// Reading pabulib files: hand-made files checked field by field, format
// variants (BOM, CRLF, decimal commas, quoting), and every shared real file.

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "election_testing.h"
#include "psephos/ballots/pabulib.h"

namespace psephos {
namespace {

using ballots::ParsePabulib;
using ballots::ReadPabulibFile;
using engine::BallotType;
using engine::Election;
using engine::ProjectIndex;
using testing::FirstDifference;
using testing::ReadText;
using testing::TestDataPath;

std::vector<ProjectIndex> Ballot(const Election& e, std::size_t b) {
  auto span = e.profile.projects(b);
  return {span.begin(), span.end()};
}

std::vector<std::int64_t> Points(const Election& e, std::size_t b) {
  auto span = e.profile.points(b);
  return {span.begin(), span.end()};
}

Election MustParse(std::string_view text) {
  Result<Election> result = ParsePabulib(text, "inline.pb");
  REQUIRE_MESSAGE(result.ok(), result.status().message());
  return std::move(result).value();
}

TEST_CASE("reads a hand-made approval file field by field") {
  Result<Election> result = ReadPabulibFile(TestDataPath("small_approval.pb"));
  REQUIRE_MESSAGE(result.ok(), result.status().message());
  const Election& e = *result;

  // META: every entry verbatim and in order, budget and vote_type included.
  const std::vector<engine::Field> meta = {
      {"description", "Hand-made approval election"},
      {"country", "Nowhere"},
      {"num_projects", "4"},
      {"num_votes", "5"},
      {"budget", "1000,50"},
      {"vote_type", "approval"},
      {"rule", "greedy"},
      {"comment", "#1: a quoted comment; it spans\ntwo lines and has \"quotes\""},
  };
  CHECK(e.meta == meta);
  CHECK(e.ballot_type == BallotType::kApproval);
  // "1000,50" and "250.25" have two decimals, so every amount is in cents.
  CHECK(e.money_scale == 2);
  CHECK(e.budget == 100050);

  REQUIRE(e.projects.size() == 4);
  CHECK(e.projects[0].id == "p1");
  CHECK(e.projects[0].cost == 40000);
  CHECK(e.projects[1].id == "p2");
  CHECK(e.projects[1].cost == 25025);
  CHECK(e.projects[2].id == "p3");
  CHECK(e.projects[2].cost == 60000);
  CHECK(e.projects[3].id == "p4");
  CHECK(e.projects[3].cost == 10000);  // "  100  " is trimmed
  // Extra project columns, in file order, raw strings, quoting undone.
  const std::vector<engine::Field> p1 = {
      {"votes", "3"}, {"name", "Park benches"}, {"category", "greenery;public space"}};
  CHECK(e.projects[0].attributes == p1);
  CHECK(*e.projects[1].Attribute("name") == "The \"big\" mural");
  CHECK(*e.projects[3].Attribute("category") == "");

  REQUIRE(e.profile.size() == 5);
  CHECK_FALSE(e.profile.has_points());
  CHECK(Ballot(e, 0) == std::vector<ProjectIndex>{0, 1});
  CHECK(Ballot(e, 1) == std::vector<ProjectIndex>{0, 2});  // repeated p1 dropped
  CHECK(Ballot(e, 2).empty());                              // empty ballot
  CHECK(Ballot(e, 3) == std::vector<ProjectIndex>{2});
  CHECK(Ballot(e, 4) == std::vector<ProjectIndex>{1, 0});  // file order kept
  CHECK(e.profile.total_entries() == 7);

  CHECK(e.voter_columns == std::vector<std::string>{"voter_id", "age", "sex"});
  const std::vector<std::string> values = {"v1", "34", "F", "v2", "51", "M", "v3", "29", "F",
                                           "v4", "",   "",  "v5", "70", "M"};
  CHECK(e.voter_values == values);
}

TEST_CASE("a BOM and CRLF or mixed line ends give the same election") {
  const std::string lf = ReadText(TestDataPath("small_approval.pb"));
  const Election expected = MustParse(lf);

  std::string crlf = "\xEF\xBB\xBF";
  std::string mixed;
  std::string cr_only;
  bool alternate = false;
  for (char c : lf) {
    if (c == '\n') {
      crlf += "\r\n";
      mixed += (alternate = !alternate) ? "\r\n" : "\n";
      cr_only += '\r';
    } else {
      crlf += c;
      mixed += c;
      cr_only += c;
    }
  }
  for (const std::string& text : {crlf, mixed, cr_only}) {
    const Election e = MustParse(text);
    CHECK(FirstDifference(e, expected) == "");
  }
  // The BOM is not part of the first title.
  const Election with_bom = MustParse(crlf);
  CHECK(with_bom.meta.front().first == "description");
}

TEST_CASE("decimal commas and points set a common money scale") {
  const Election e = MustParse(
      "META\nkey;value\nbudget;1234,5\nvote_type;approval\n"
      "PROJECTS\nproject_id;cost\na;10,25\nb;3\nc;0.125\nd;0\n"
      "VOTES\nvoter_id;vote\n1;a,c\n");
  CHECK(e.money_scale == 3);  // "0.125"
  CHECK(e.budget == 1234500);
  CHECK(e.projects[0].cost == 10250);
  CHECK(e.projects[1].cost == 3000);
  CHECK(e.projects[2].cost == 125);
  CHECK(e.projects[3].cost == 0);
  CHECK(*e.Meta("budget") == "1234,5");  // meta keeps the text as written
}

TEST_CASE("integer amounts keep scale 0") {
  const Election e = MustParse(
      "META\nkey;value\nbudget;6112868\nvote_type;approval\n"
      "PROJECTS\nproject_id;cost\nL010;1603000\n");
  CHECK(e.money_scale == 0);
  CHECK(e.budget == 6112868);
  CHECK(e.projects[0].cost == 1603000);
  CHECK(e.profile.size() == 0);  // no VOTES section: no ballots
}

TEST_CASE("quoted fields hold separators and quotes and line breaks") {
  const Election e = MustParse(
      "META\nkey;value\nbudget;10\nvote_type;approval\n"
      "PROJECTS\nproject_id;cost;name;note\n"
      "\"x;1\";5;\"say \"\"hi\"\"\";\"two\nlines\"\n"
      "y;5;a \"literal\" quote;  padded  \n"
      "VOTES\nvoter_id;vote;comment\n"
      "\"v;1\";\"x;1,y\";\"a;b\"\"c\"\n");
  REQUIRE(e.projects.size() == 2);
  CHECK(e.projects[0].id == "x;1");
  CHECK(*e.projects[0].Attribute("name") == "say \"hi\"");
  CHECK(*e.projects[0].Attribute("note") == "two\nlines");
  CHECK(*e.projects[1].Attribute("name") == "a \"literal\" quote");
  CHECK(*e.projects[1].Attribute("note") == "padded");
  REQUIRE(e.profile.size() == 1);
  CHECK(Ballot(e, 0) == std::vector<ProjectIndex>{0, 1});
  CHECK(e.voter_values == std::vector<std::string>{"v;1", "a;b\"c"});
}

TEST_CASE("section titles ignore case and empty fields and the META header is optional") {
  const Election e = MustParse(
      "\n  meta ;;\nbudget;7\nvote_type;Approval\n\n"
      "Projects;\nproject_id;cost;\np;7;\n"
      "VOTES\nvoter_id;vote\n1;p\n\n");
  CHECK(e.meta.size() == 2);
  CHECK(e.budget == 7);
  CHECK(e.ballot_type == BallotType::kApproval);
  REQUIRE(e.projects.size() == 1);
  CHECK(e.projects[0].attributes.empty());
  CHECK(e.profile.size() == 1);
}

TEST_CASE("voter_id comes first in voter_columns wherever it is in the header") {
  const Election e = MustParse(
      "META\nkey;value\nbudget;7\nvote_type;approval\n"
      "PROJECTS\nproject_id;cost\np;7\n"
      "VOTES\nage;vote;voter_id\n30;p;abc\n");
  CHECK(e.voter_columns == std::vector<std::string>{"voter_id", "age"});
  CHECK(e.voter_values == std::vector<std::string>{"abc", "30"});
}

TEST_CASE("num_votes and num_projects in META are not enforced") {
  const Election e = MustParse(
      "META\nkey;value\nnum_projects;9\nnum_votes;99\nbudget;7\nvote_type;approval\n"
      "PROJECTS\nproject_id;cost\np;7\nVOTES\nvoter_id;vote\n1;p\n");
  CHECK(e.projects.size() == 1);
  CHECK(e.profile.size() == 1);
  CHECK(*e.Meta("num_votes") == "99");
}

TEST_CASE("cumulative ballots carry parallel points") {
  Result<Election> result = ReadPabulibFile(TestDataPath("small_cumulative.pb"));
  REQUIRE_MESSAGE(result.ok(), result.status().message());
  const Election& e = *result;
  CHECK(e.ballot_type == BallotType::kCumulative);
  CHECK(e.budget == 500);
  REQUIRE(e.profile.size() == 4);
  CHECK(e.profile.has_points());
  CHECK(Ballot(e, 0) == std::vector<ProjectIndex>{0, 1});
  CHECK(Points(e, 0) == std::vector<std::int64_t>{7, 3});
  CHECK(Ballot(e, 1) == std::vector<ProjectIndex>{2});
  CHECK(Points(e, 1) == std::vector<std::int64_t>{10});
  CHECK(Ballot(e, 2).empty());
  CHECK(Points(e, 2).empty());
  CHECK(Ballot(e, 3) == std::vector<ProjectIndex>{1, 0, 2});
  CHECK(Points(e, 3) == std::vector<std::int64_t>{1, 6, 3});
  // points is part of the profile, not a voter column.
  CHECK(e.voter_columns == std::vector<std::string>{"voter_id", "district"});
  CHECK(*e.projects[0].Attribute("score") == "17");
}

TEST_CASE("ordinal ballots keep the ranking order and a points column stays a voter column") {
  Result<Election> result = ReadPabulibFile(TestDataPath("small_ordinal.pb"));
  REQUIRE_MESSAGE(result.ok(), result.status().message());
  const Election& e = *result;
  CHECK(e.ballot_type == BallotType::kOrdinal);
  REQUIRE(e.profile.size() == 3);
  CHECK_FALSE(e.profile.has_points());
  CHECK(Ballot(e, 0) == std::vector<ProjectIndex>{2, 0, 1});
  CHECK(Ballot(e, 1) == std::vector<ProjectIndex>{1});
  CHECK(Ballot(e, 2) == std::vector<ProjectIndex>{0, 2});
  CHECK(e.voter_columns == std::vector<std::string>{"voter_id", "points", "voting_method"});
  CHECK(e.voter_values[1] == "3,2,1");
}

TEST_CASE("scoring ballots accept negative and whole-valued decimal points") {
  Result<Election> result = ReadPabulibFile(TestDataPath("small_scoring.pb"));
  REQUIRE_MESSAGE(result.ok(), result.status().message());
  const Election& e = *result;
  CHECK(e.ballot_type == BallotType::kScoring);
  CHECK(e.money_scale == 2);
  CHECK(e.budget == 9050);
  CHECK(e.projects[0].cost == 4025);
  CHECK(Points(e, 0) == std::vector<std::int64_t>{-2, 5});
  CHECK(Points(e, 1) == std::vector<std::int64_t>{0});

  const Election whole = MustParse(
      "META\nkey;value\nbudget;1\nvote_type;scoring\nPROJECTS\nproject_id;cost\na;1\n"
      "VOTES\nvoter_id;vote;points\n1;a;3.00\n");
  CHECK(Points(whole, 0) == std::vector<std::int64_t>{3});
}

TEST_CASE("choose-1 ballots") {
  Result<Election> result = ReadPabulibFile(TestDataPath("small_choose1.pb"));
  REQUIRE_MESSAGE(result.ok(), result.status().message());
  const Election& e = *result;
  CHECK(e.ballot_type == BallotType::kChoose1);
  REQUIRE(e.profile.size() == 3);
  CHECK(Ballot(e, 0) == std::vector<ProjectIndex>{0});
  CHECK(Ballot(e, 2) == std::vector<ProjectIndex>{1});
  CHECK(e.SupportCounts() == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("an unreadable path is reported") {
  Result<Election> result = ReadPabulibFile(TestDataPath("no_such_file.pb"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message().find("cannot open ") == 0);
  CHECK(result.status().message().find("no_such_file.pb: No such file or directory") != std::string::npos);
}

// Counts the non-blank lines after a section title up to the next title,
// header excluded: an independent count that is right as long as no row of
// the section holds a quoted line break, which holds for the shared files.
std::size_t CountRows(const std::string& text, std::string_view title) {
  std::size_t rows = 0;
  bool inside = false;
  bool header = false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (line == "META" || line == "PROJECTS" || line == "VOTES") {
      inside = line == title;
      header = inside;
      continue;
    }
    if (!inside) continue;
    if (header) {
      header = false;
    } else {
      ++rows;
    }
  }
  return rows;
}

TEST_CASE("every shared pabulib file parses with the advertised counts") {
  const std::vector<std::string> files = testing::SharedPabulibFiles();
  // The shared set holds 60 files; fewer means the data is missing or moved.
  REQUIRE(files.size() >= 60);
  int with_num_votes = 0;
  for (const std::string& path : files) {
    CAPTURE(path);
    const std::string text = ReadText(path);
    Result<Election> result = ParsePabulib(text, path);
    REQUIRE_MESSAGE(result.ok(), result.status().message());
    const Election& e = *result;
    // No shared file disagrees with its META counts; an exception would be
    // listed here by name rather than loosening the check.
    if (const std::string* num_votes = e.Meta("num_votes")) {
      ++with_num_votes;
      CHECK(std::to_string(e.profile.size()) == *num_votes);
    }
    if (const std::string* num_projects = e.Meta("num_projects")) {
      CHECK(std::to_string(e.projects.size()) == *num_projects);
    }
    CHECK(e.projects.size() == CountRows(text, "PROJECTS"));
    CHECK(e.profile.size() == CountRows(text, "VOTES"));
    CHECK(e.voter_values.size() == e.profile.size() * e.voter_columns.size());
    CHECK(e.budget > 0);
    const bool points = e.ballot_type == BallotType::kCumulative || e.ballot_type == BallotType::kScoring;
    CHECK(e.profile.has_points() == points);
  }
  CHECK(with_num_votes == static_cast<int>(files.size()));
}

TEST_CASE("real files: decimal budgets and repeated approvals") {
  const std::string dir = PSEPHOS_SHARED_PABULIB;
  Result<Election> krakow = ReadPabulibFile(dir + "/Poland_Krakow_2024_Nowa_Huta.pb");
  REQUIRE_MESSAGE(krakow.ok(), krakow.status().message());
  CHECK(krakow->money_scale == 2);
  CHECK(krakow->budget == 300958574);  // budget;3009585.74
  CHECK(krakow->ballot_type == BallotType::kOrdinal);

  Result<Election> lodz = ReadPabulibFile(dir + "/Poland_Lodz_2022.pb");
  REQUIRE_MESSAGE(lodz.ok(), lodz.status().message());
  CHECK(lodz->profile.size() == 90494);
  CHECK(lodz->projects.size() == 160);
  CHECK(lodz->projects[0].id == "L010");
  CHECK(lodz->projects[0].cost == 1603000);
  // A quoted name with "" escapes and a ';'-free tail.
  const std::string* name = lodz->projects[lodz->FindProject("L026")].Attribute("name");
  REQUIRE(name != nullptr);
  CHECK(*name == "\"Przywracamy \"Paradę Wolności\". \"City of dreams\" - Festiwal muzyki "
                 "elektronicznej.\" Lokalizacja: Łódź");
}

}  // namespace
}  // namespace psephos
