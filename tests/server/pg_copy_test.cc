// psephos-server --copy-to: a school's SQLite data moved into PostgreSQL, then
// served and audited from there.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include "../support/api_fixture.h"
#include "../support/cli_runner.h"

namespace psephos::test {
namespace {

CliRun RunServer(const std::string& args) {
  TempDir dir;
  const std::string out = dir.file("out"), err = dir.file("err");
  const int status = std::system((std::string(PSEPHOS_SERVER) + " " + args + " >" + out + " 2>" + err).c_str());
  return CliRun{WEXITSTATUS(status), Slurp(out), Slurp(err)};
}

}  // namespace

TEST_CASE("postgres: --copy-to moves an SQLite store with its log, receipts and codes, and the copy's bundle passes "
          "psephos audit") {
  Fixture original;  // SQLite
  json school = json::parse(kSchool);
  school["revoting"] = "latest";
  REQUIRE(original.Call(http::verb::post, "/api/v1/processes", school.dump()).status == 201);
  auto batch = original.Call(http::verb::post, "/api/v1/processes/school/codes", R"({"count": 4, "group": "family"})");
  REQUIRE(batch.status == 201);
  auto csv = original.Call(http::verb::get, batch.body["download"]);
  std::vector<std::string> codes;
  for (std::size_t at = csv.text.find('\n') + 1; at < csv.text.size(); at = csv.text.find('\n', at) + 1) {
    codes.push_back(csv.text.substr(at, csv.text.find(',', at) - at));
  }
  REQUIRE(codes.size() == 4);
  REQUIRE(original.Call(http::verb::post, "/api/v1/processes/school/open").status == 200);
  std::vector<std::string> receipts;
  for (const auto& [code, projects] : std::vector<std::pair<std::string, json>>{
           {codes[0], {"a"}}, {codes[1], {"b", "c"}}, {codes[0], {"c"}}, {codes[2], {"a", "c"}}}) {
    auto r = original.Vote(code, projects);
    REQUIRE(r.status == 201);
    receipts.push_back(r.body["receipt"]);
  }
  REQUIRE(original.Call(http::verb::post, "/api/v1/processes/school/close").status == 200);
  REQUIRE(original.WaitUntilCounted("school").status == 200);
  REQUIRE(original.Call(http::verb::post, "/api/v1/processes/school/publish").status == 200);
  auto before = original.Call(http::verb::get, "/api/v1/processes/school/bundle", "", false);
  REQUIRE(before.status == 200);

  // Pictures are bytes (bytea), not text: every byte value, quotes and backslashes included.
  std::string jpeg;
  for (int i = 0; i < 512; ++i) jpeg += static_cast<char>(i % 256);
  jpeg += "'\\\"";
  REQUIRE(original.storage().PutImages({ImageRecord{std::string(64, 'e'), 2, 1, jpeg}}).ok());
  auto account = original.storage().AddAccount(AccountRecord{0, "ana@school.example", "Ana", "$argon2id$v=19$x", true, 5});
  REQUIRE(account.ok());
  REQUIRE(original.storage().SetOrganizerRole(1, *account, "owner").ok());
  REQUIRE(original.storage().AppendAction(ActionRecord{0, 6, *account, "Ana", "school", "POST /x", "d"}).ok());
  auto actions_before = original.storage().LoadActions("school", 0, 100);
  REQUIRE(actions_before.ok());

  TestPgDatabase target;
  auto copy = RunServer("--database " + original.store().location() + " --copy-to '" + target.url() + "'");
  REQUIRE_MESSAGE(copy.exit_code == 0, copy.err);
  CHECK(copy.out.find("copied 1 processes, 4 ballots, 4 voter codes") == 0);
  CHECK(copy.out.find("the copy reads back the same") != std::string::npos);
  // Only into an empty database: a second copy changes nothing.
  auto again = RunServer("--database " + original.store().location() + " --copy-to '" + target.url() + "'");
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("already holds data") != std::string::npos);

  auto opened = OpenPgStorage(target.url());
  REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  Fixture copied(std::move(opened).value());
  auto after = copied.Call(http::verb::get, "/api/v1/processes/school/bundle", "", false);
  REQUIRE(after.status == 200);
  CHECK(after.body["log"] == before.body["log"]);  // the same entries, in the same order, the same head
  CHECK(after.body["results"] == before.body["results"]);
  for (const auto& receipt : receipts) {
    CHECK(copied.Call(http::verb::get, "/api/v1/processes/school/board/receipts/" + receipt, "", false).status ==
          200);
  }
  auto images = copied.storage().LoadImages();
  REQUIRE(images.ok());
  REQUIRE(images->size() == 1);
  CHECK(images->front().jpeg == jpeg);
  auto accounts = copied.storage().LoadAccounts();
  REQUIRE(accounts.ok());
  REQUIRE(accounts->size() == 1);
  CHECK(accounts->front().email == "ana@school.example");
  CHECK(accounts->front().admin);
  auto roles = copied.storage().LoadOrganizerRoles();
  REQUIRE(roles.ok());
  CHECK(roles->size() == 1);
  auto actions = copied.storage().LoadActions("school", 0, 100);
  REQUIRE(actions.ok());
  REQUIRE(actions->size() == actions_before->size());
  CHECK(actions->front().who == "Ana");  // newest first
  // The copy's identities continue after the ids copied.
  auto next = copied.storage().AddAccount(AccountRecord{0, "ben@school.example", "Ben", "$argon2id$v=19$y", false, 7});
  REQUIRE(next.ok());
  CHECK(*next == *account + 1);
  // Codes keep their state: a voted code is refused, an unused one votes, on the copy.
  auto codes_after = copied.storage().LoadCodes(1);
  REQUIRE(codes_after.ok());
  int spent = 0;
  for (const auto& c : *codes_after) spent += c.spent ? 1 : 0;
  CHECK(spent == 3);
  TempDir dir;
  const std::string file = dir.file("bundle.json");
  std::ofstream(file) << after.body.dump();
  auto audit = RunPsephos("audit " + file);
  CHECK_MESSAGE(audit.exit_code == 0, audit.out << audit.err);
  CHECK(audit.out.find("AUDIT PASSED") != std::string::npos);
}

TEST_CASE("postgres: psephos-server --database names an unreachable PostgreSQL without its password") {
  TempDir dir;
  auto r = RunServer("--data " + dir.file("data") +
                     " --database 'postgresql://psephos:s3cret@127.0.0.1:1/votes?connect_timeout=5'");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("cannot open the database postgresql://psephos@127.0.0.1:1/votes") != std::string::npos);
  CHECK(r.err.find("s3cret") == std::string::npos);
  auto wrong = RunServer("--data " + dir.file("data") + " --copy-to " + dir.file("x.db"));
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("--copy-to takes a postgresql:// URL") != std::string::npos);
}

}  // namespace psephos::test
