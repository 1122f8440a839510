// Broken pabulib input: each case must fail with a message naming the line
// and the field, and no input, however mangled, may crash or hang the reader.

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "election_testing.h"
#include "psephos/ballots/pabulib.h"

namespace psephos {
namespace {

using ballots::ParsePabulib;
using engine::Election;

// Line numbers in the expectations refer to these building blocks:
//   1 META  2 key;value  3 budget;1000  4 vote_type;approval
//   5 PROJECTS  6 project_id;cost  7 a;100  8 b;200
//   9 VOTES  10 voter_id;vote  11.. ballots
#define META_OK "META\nkey;value\nbudget;1000\nvote_type;approval\n"
#define META_CUMULATIVE "META\nkey;value\nbudget;1000\nvote_type;cumulative\n"
#define META_ORDINAL "META\nkey;value\nbudget;1000\nvote_type;ordinal\n"
#define PROJECTS_OK "PROJECTS\nproject_id;cost\na;100\nb;200\n"

struct BrokenCase {
  const char* name;
  std::string_view text;
  const char* expected;  // a substring of the error message
};

// std::string_view literals, so that embedded NUL bytes count.
using namespace std::string_view_literals;

const BrokenCase kBrokenCases[] = {
    {"empty file", ""sv, "bad.pb:1: META: missing section (the file is empty)"},
    {"only blank lines", "\n  \n\r\n"sv, "bad.pb:3: META: missing section"},
    {"binary garbage", "\x89PNG\r\n\x1a\n\0\0\xff\xfe;\"\x01"sv,
     "bad.pb:1: byte \\x89 is not UTF-8 text"},
    {"ASCII garbage", "\x01PNG\r\n\x1a\n\0\0;\"\x01"sv,
     "bad.pb:1: META: expected the META section title, found '\\x01PNG'"},
    {"rows before META", "hello;world\n" META_OK PROJECTS_OK ""sv,
     "bad.pb:1: META: expected the META section title, found 'hello'"},
    {"missing META", "PROJECTS\nproject_id;cost\na;1\n"sv,
     "bad.pb:1: META: missing section: the file starts with PROJECTS"},
    {"missing PROJECTS before VOTES", META_OK "VOTES\nvoter_id;vote\n1;a\n"sv,
     "bad.pb:5: PROJECTS: missing section"},
    {"missing PROJECTS at the end", META_OK ""sv, "bad.pb:4: PROJECTS: missing section"},
    {"section repeated", META_OK PROJECTS_OK "META\n"sv,
     "bad.pb:9: META: section repeated or out of order"},
    {"PROJECTS without header", META_OK "PROJECTS\nVOTES\nvoter_id;vote\n"sv,
     "bad.pb:6: PROJECTS: section has no header row"},
    {"truncated after the VOTES title", META_OK PROJECTS_OK "VOTES\n"sv,
     "bad.pb:9: VOTES: section has no header row"},
    {"missing budget", "META\nkey;value\nvote_type;approval\n" PROJECTS_OK ""sv,
     "bad.pb:1: budget: missing from META"},
    {"missing vote_type", "META\nkey;value\nbudget;1000\n" PROJECTS_OK ""sv,
     "bad.pb:1: vote_type: missing from META"},
    {"bad budget", "META\nkey;value\nbudget;lots\nvote_type;approval\n" PROJECTS_OK ""sv,
     "bad.pb:3: budget: not a number: 'lots'"},
    {"negative budget", "META\nkey;value\nbudget;-5\nvote_type;approval\n" PROJECTS_OK ""sv,
     "bad.pb:3: budget: negative budget: '-5'"},
    {"budget given twice", META_OK "budget;2000\n" PROJECTS_OK ""sv,
     "bad.pb:5: budget: given twice (first at line 3)"},
    {"unknown vote_type", "META\nkey;value\nbudget;1000\nvote_type;approvals\n" PROJECTS_OK ""sv,
     "bad.pb:4: vote_type: unknown vote type 'approvals'"},
    {"META row without value", "META\nkey;value\nbudget\nvote_type;approval\n" PROJECTS_OK ""sv,
     "bad.pb:3: budget: missing value"},
    {"META row with too many fields", "META\nkey;value\nbudget;1000;extra\n"sv,
     "bad.pb:3: budget: too many fields"},
    {"unclosed quote in META", "META\nkey;value\ncomment;\"never closed\nbudget;1\n"sv,
     "bad.pb:3: META: unclosed quote"},
    {"header without project_id", META_OK "PROJECTS\nid;cost\na;100\n"sv,
     "bad.pb:6: project_id: missing column in the PROJECTS header"},
    {"header without cost", META_OK "PROJECTS\nproject_id;price\na;100\n"sv,
     "bad.pb:6: cost: missing column in the PROJECTS header"},
    {"header with a repeated column", META_OK "PROJECTS\nproject_id;cost;name;name\n"sv,
     "bad.pb:6: name: duplicate column in the PROJECTS header"},
    {"negative cost", META_OK "PROJECTS\nproject_id;cost\na;-100\n"sv,
     "bad.pb:7: cost: negative cost: '-100'"},
    {"non-numeric cost", META_OK "PROJECTS\nproject_id;cost\na;100\nb;abc\n"sv,
     "bad.pb:8: cost: not a number: 'abc'"},
    {"empty cost", META_OK "PROJECTS\nproject_id;cost\na;\n"sv, "bad.pb:7: cost: not a number: ''"},
    {"thousands separator", META_OK "PROJECTS\nproject_id;cost\na;1.000,50\n"sv,
     "bad.pb:7: cost: not a number: '1.000,50'"},
    {"exponent", META_OK "PROJECTS\nproject_id;cost\na;1e5\n"sv, "bad.pb:7: cost: not a number: '1e5'"},
    {"too many decimals", META_OK "PROJECTS\nproject_id;cost\na;1.0000000001\n"sv,
     "bad.pb:7: cost: more than 9 decimal digits"},
    {"cost overflows int64", META_OK "PROJECTS\nproject_id;cost\na;99999999999999999999\n"sv,
     "bad.pb:7: cost: amount too large: '99999999999999999999'"},
    {"cost overflows once scaled",
     "META\nkey;value\nbudget;1.5\nvote_type;approval\nPROJECTS\nproject_id;cost\na;9000000000000000000\n"sv,
     "bad.pb:7: cost: amount too large at 1 decimal places"},
    {"duplicate project id", META_OK "PROJECTS\nproject_id;cost\na;100\na;200\n"sv,
     "bad.pb:8: project_id: duplicate project 'a' (first at line 7)"},
    {"empty project id", META_OK "PROJECTS\nproject_id;cost\n ;100\n"sv,
     "bad.pb:7: project_id: empty project id"},
    {"project row too short", META_OK "PROJECTS\nproject_id;cost;name\na;100\n"sv,
     "bad.pb:7: name: missing field (the row has 2 fields, the PROJECTS header has 3)"},
    {"project row too long", META_OK "PROJECTS\nproject_id;cost\na;100;extra\n"sv,
     "bad.pb:7: PROJECTS: too many fields (the row has 3, the header has 2)"},
    {"a Latin-1 project name", META_OK "PROJECTS\nproject_id;cost;name\na;100;Ogr\xf3" "d\n"sv,
     "bad.pb:7: byte \\xf3 is not UTF-8 text; save the file as UTF-8"},
    {"an overlong UTF-8 slash", META_OK "PROJECTS\nproject_id;cost;name\na;100;\xc0\xaf\n"sv,
     "bad.pb:7: byte \\xc0 is not UTF-8 text; save the file as UTF-8"},
    {"a UTF-8 surrogate", "META\nkey;value\ndescription;\xed\xa0\x80\n"sv,
     "bad.pb:3: byte \\xed is not UTF-8 text; save the file as UTF-8"},
    {"unclosed quote in a project name", META_OK "PROJECTS\nproject_id;cost;name\na;100;\"open\nb;1;x\n"sv,
     "bad.pb:7: name: unclosed quote"},
    {"header without vote", META_OK PROJECTS_OK "VOTES\nvoter_id;ballot\n1;a\n"sv,
     "bad.pb:10: vote: missing column in the VOTES header"},
    {"header without voter_id", META_OK PROJECTS_OK "VOTES\nid;vote\n1;a\n"sv,
     "bad.pb:10: voter_id: missing column in the VOTES header"},
    {"unknown project in a vote", META_OK PROJECTS_OK "VOTES\nvoter_id;vote\n1;a\n2;a, zz\n"sv,
     "bad.pb:12: vote: unknown project 'zz'"},
    {"duplicate voter id", META_OK PROJECTS_OK "VOTES\nvoter_id;vote\n7;a\n8;b\n7;b\n"sv,
     "bad.pb:13: voter_id: duplicate voter '7' (first at line 11)"},
    {"empty voter id", META_OK PROJECTS_OK "VOTES\nvoter_id;vote\n;a\n"sv,
     "bad.pb:11: voter_id: empty voter id"},
    {"truncated mid-row", META_OK PROJECTS_OK "VOTES\nvoter_id;vote;age\n1;a;30\n2;b"sv,
     "bad.pb:12: age: missing field (the row has 2 fields, the VOTES header has 3)"},
    {"vote row too long", META_OK PROJECTS_OK "VOTES\nvoter_id;vote\n1;a;b\n"sv,
     "bad.pb:11: VOTES: too many fields"},
    {"unclosed quote in a vote", META_OK PROJECTS_OK "VOTES\nvoter_id;vote\n1;a\n2;\"a,b\n"sv,
     "bad.pb:12: vote: unclosed quote"},
    {"cumulative without points column", META_CUMULATIVE PROJECTS_OK "VOTES\nvoter_id;vote\n1;a\n"sv,
     "bad.pb:10: points: missing column in the VOTES header (required for cumulative ballots)"},
    {"points and vote lengths differ", META_CUMULATIVE PROJECTS_OK "VOTES\nvoter_id;vote;points\n1;a,b;5\n"sv,
     "bad.pb:11: points: 1 points for 2 projects in vote"},
    {"fractional points", META_CUMULATIVE PROJECTS_OK "VOTES\nvoter_id;vote;points\n1;a;2.5\n"sv,
     "bad.pb:11: points: fractional points are not supported: '2.5'"},
    {"non-numeric points", META_CUMULATIVE PROJECTS_OK "VOTES\nvoter_id;vote;points\n1;a;many\n"sv,
     "bad.pb:11: points: not an integer: 'many'"},
    {"negative cumulative points", META_CUMULATIVE PROJECTS_OK "VOTES\nvoter_id;vote;points\n1;a;-1\n"sv,
     "bad.pb:11: points: negative points in a cumulative ballot: '-1'"},
    {"project given points twice", META_CUMULATIVE PROJECTS_OK "VOTES\nvoter_id;vote;points\n1;a,a;1,2\n"sv,
     "bad.pb:11: vote: project 'a' listed twice"},
    {"project ranked twice", META_ORDINAL PROJECTS_OK "VOTES\nvoter_id;vote\n1;a,b,a\n"sv,
     "bad.pb:11: vote: project 'a' ranked twice"},
    {"line numbers count quoted line breaks",
     "META\nkey;value\ncomment;\"one\r\ntwo\nthree\"\nbudget;x\n"sv, "bad.pb:6: budget: not a number: 'x'"},
};

TEST_CASE("broken files are rejected with the line and the field") {
  static_assert(std::size(kBrokenCases) >= 20);
  for (const BrokenCase& c : kBrokenCases) {
    CAPTURE(c.name);
    Result<Election> result = ParsePabulib(c.text, "bad.pb");
    REQUIRE_FALSE(result.ok());
    const std::string& message = result.status().message();
    CAPTURE(message);
    CHECK(message.find(c.expected) != std::string::npos);
  }
}

// Random edits of valid files. The property is only "returns": a parse that
// fails must say where, and one that succeeds must survive a round trip.
TEST_CASE("random mutations of valid files never crash the reader") {
  const std::string seeds[] = {
      testing::ReadText(testing::TestDataPath("small_approval.pb")),
      testing::ReadText(testing::TestDataPath("small_cumulative.pb")),
      testing::ReadText(testing::TestDataPath("small_ordinal.pb")),
  };
  // Bytes that matter to the format, and then any byte at all.
  const std::string_view interesting = ";\",\n\r 0123456789.-abpvMETAVOTES\0\xff"sv;
  std::mt19937 random(20240611);
  int parsed = 0;
  int rejected = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string text = seeds[round % std::size(seeds)];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = random() % text.size();
      const char byte = random() % 2 == 0 ? interesting[random() % interesting.size()]
                                          : static_cast<char>(random() % 256);
      switch (random() % 4) {
        case 0: text[at] = byte; break;
        case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), byte); break;
        case 2: text.erase(at, 1 + random() % 8); break;
        default: text.resize(at); break;  // truncation
      }
    }
    CAPTURE(text);
    Result<Election> result = ParsePabulib(text, "fuzz.pb");
    if (!result.ok()) {
      ++rejected;
      REQUIRE(result.status().message().rfind("fuzz.pb:", 0) == 0);
      continue;
    }
    ++parsed;
    Result<Election> again = ParsePabulib(ballots::WritePabulib(*result), "again.pb");
    REQUIRE_MESSAGE(again.ok(), again.status().message());
    REQUIRE(testing::FirstDifference(*result, *again) == "");
  }
  // Both outcomes must occur, or the mutations test nothing.
  CHECK(parsed > 100);
  CHECK(rejected > 100);
}

}  // namespace
}  // namespace psephos
