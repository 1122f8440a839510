// Two server nodes (two Apis, each with its own database worker) on one
// PostgreSQL database (#17 item 2): what decides lives in the database, not
// in a node's memory.
#include <doctest/doctest.h>

#include "../support/api_fixture.h"

namespace psephos::test {
namespace {

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
  const std::vector<std::string> codes = a.MakeCodes(4, "family");
  REQUIRE(codes.size() == 4);

  // B never saw codes[0] made: the database knows it.
  auto check = Check(b, codes[0]);
  REQUIRE(check.status == 200);
  CHECK(check.body["used"] == false);
  auto on_b = b.Vote(codes[0], {"a"});
  CHECK(on_b.status == 201);
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
  // Both nodes read one ballot log: the same size and Merkle head.
  auto board_a = a.Call(http::verb::get, "/api/v1/processes/school/board", "", false);
  auto board_b = b.Call(http::verb::get, "/api/v1/processes/school/board", "", false);
  REQUIRE(board_a.status == 200);
  REQUIRE(board_b.status == 200);
  CHECK(board_a.body["ballots"] == 2);
  CHECK(board_b.body["ballots"] == 2);
  CHECK(board_a.body["head"] == board_b.body["head"]);
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
  // A ballot taken by B is on A's board, with its proof.
  CHECK(a.Call(http::verb::get, "/api/v1/processes/school/board/receipts/" + on_b.body["receipt"].get<std::string>(),
               "", false).status == 200);
}

}  // namespace psephos::test
