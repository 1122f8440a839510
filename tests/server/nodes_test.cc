// Two server nodes (two Apis, each with its own database worker) on one
// PostgreSQL database (#17 item 2): what decides lives in the database, not
// in a node's memory.
#include <doctest/doctest.h>

#include <sstream>

#include "../support/api_fixture.h"

namespace psephos::test {
namespace {

// A code batch made on `node`; the codes.
std::vector<std::string> MakeCodes(Fixture& node, int count) {
  auto batch = node.Call(http::verb::post, "/api/v1/processes/school/codes",
                         json{{"count", count}, {"group", "family"}}.dump());
  REQUIRE(batch.status == 201);
  auto csv = node.Call(http::verb::get, batch.body["download"]);
  REQUIRE(csv.status == 200);
  std::vector<std::string> out;
  std::istringstream lines(csv.text);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) out.push_back(line.substr(0, line.find(',')));
  return out;
}

Answer Check(Fixture& node, const std::string& code) {
  return node.Call(http::verb::post, "/api/v1/processes/school/codes/check", json{{"code", code}}.dump(), false);
}

}  // namespace

TEST_CASE("nodes: a code made on one node votes on the other, once; a close on one node stops ballots on both") {
  Fixture a(Backend::kPostgres);
  a.OpenSchool(1);
  auto opened = a.store().Open();
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture b(std::move(opened).value());  // started after the process exists, before these codes
  const std::vector<std::string> codes = MakeCodes(a, 4);
  REQUIRE(codes.size() == 4);

  // B never saw codes[0] made: the database knows it.
  auto check = Check(b, codes[0]);
  REQUIRE(check.status == 200);
  CHECK(check.body["used"] == false);
  CHECK(b.Vote(codes[0], {"a"}).status == 201);
  // A's memory still says unused; the database refuses it as spent, and A says so.
  auto again = a.Vote(codes[0], {"b"});
  CHECK(again.status == 409);
  CHECK(again.body["error"]["code"] == "used_code");
  // A code voted on A reads as used on B.
  CHECK(a.Vote(codes[1], {"b"}).status == 201);
  auto used = Check(b, codes[1]);
  REQUIRE(used.status == 200);
  CHECK(used.body["used"] == true);
  CHECK(used.body["can_vote"] == false);
  // A made-up code is still unknown on both.
  CHECK(b.Vote("XXXX-XXXX-XXXX", {"a"}).status == 403);

  // Closed on A: B still believes the process open; the database refuses its ballot.
  REQUIRE(a.Call(http::verb::post, "/api/v1/processes/school/close").status / 100 == 2);
  auto late = b.Vote(codes[2], {"a"});
  CHECK(late.status == 409);
  CHECK(late.body["error"]["code"] == "election_closed");
  // ...and B learns the state from the database.
  std::string state;
  for (int i = 0; i < 500 && state != "closed"; ++i) {
    state = b.Call(http::verb::get, "/api/v1/processes/school").body.value("state", "");
    if (state != "closed") std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(state == "closed");
  // A's count holds both nodes' ballots, and nothing after the close.
  auto counted = a.WaitUntilCounted("school");
  REQUIRE(counted.status == 200);
  auto ballots = a.storage().LoadBallots(1);
  REQUIRE(ballots.ok());
  CHECK(ballots->size() == 2);
  CHECK(a.Vote(codes[3], {"a"}).status == 409);
}

}  // namespace psephos::test
