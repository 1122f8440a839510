// The ballot log, the public board, results bundles and their audit.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <functional>
#include <random>
#include <sstream>

#include "../support/api_fixture.h"
#include "../support/cli_runner.h"
#include "psephos/server/ballot_log.h"
#include "psephos/server/bundle.h"
#include "psephos/server/signing.h"

using namespace psephos::server;
using nlohmann::json;
using psephos::test::Fixture;

TEST_CASE("log: RFC 6962 hashing and inclusion proofs for every leaf of trees up to 33") {
  // RFC 6962 / Certificate Transparency: the empty tree and the empty leaf.
  CHECK(MerkleRoot({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(LeafHash("") == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  std::vector<std::string> leaves;
  for (int n = 1; n <= 33; ++n) {
    leaves.push_back(LeafHash("entry " + std::to_string(n)));
    const std::string root = MerkleRoot(leaves);
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      const auto proof = InclusionProof(leaves, i);
      CHECK(VerifyInclusion(leaves[i], i, leaves.size(), proof, root));
      // The same proof fails for another leaf, another place, or a changed step.
      CHECK_FALSE(VerifyInclusion(LeafHash("forged"), i, leaves.size(), proof, root));
      if (leaves.size() > 1) CHECK_FALSE(VerifyInclusion(leaves[i], (i + 1) % leaves.size(), leaves.size(), proof, root));
      if (!proof.empty()) {
        auto bad = proof;
        bad[0][0] = bad[0][0] == 'a' ? 'b' : 'a';
        CHECK_FALSE(VerifyInclusion(leaves[i], i, leaves.size(), bad, root));
      }
    }
  }
  // Two leaves: the head is H(0x01 || leaf0 || leaf1); order matters.
  std::vector<std::string> two{leaves[0], leaves[1]};
  std::vector<std::string> swapped{leaves[1], leaves[0]};
  CHECK(MerkleRoot(two) != MerkleRoot(swapped));
}

TEST_CASE("signing: Ed25519 signatures verify and fail on any change") {
  auto key = SigningKey::Generate();
  REQUIRE(key.ok());
  const std::string signature = key->Sign("the results");
  CHECK(VerifySignature(key->PublicHex(), "the results", signature));
  CHECK_FALSE(VerifySignature(key->PublicHex(), "the results!", signature));
  auto again = SigningKey::FromPrivateHex(key->PrivateHex());
  REQUIRE(again.ok());
  CHECK(again->PublicHex() == key->PublicHex());
  CHECK_FALSE(SigningKey::FromPrivateHex("zz").ok());
}

namespace {

// A published school process with four ballots; returns the bundle and the receipts.
json PublishedBundle(Fixture& f, std::vector<std::string>* receipts) {
  auto codes = f.OpenSchool(6);
  const std::vector<json> votes{{"a", "c"}, {"a"}, {"b", "c"}, {"c"}};
  for (std::size_t i = 0; i < votes.size(); ++i) {
    auto r = f.Vote(codes[i], votes[i]);
    REQUIRE(r.status == 201);
    receipts->push_back(r.body["receipt"]);
  }
  auto board = f.Call(http::verb::get, "/api/v1/processes/school/board", "", false);
  REQUIRE(board.status == 200);
  CHECK(board.body["ballots"] == 4);
  CHECK(board.body["head"] == MerkleRoot(*receipts));
  // Receipts are looked up only after the close.
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/board/receipts/" + (*receipts)[0], "", false).status == 409);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/close").status == 200);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/bundle", "", false).status == 409);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/publish").status == 200);
  auto bundle = f.Call(http::verb::get, "/api/v1/processes/school/bundle", "", false);
  REQUIRE(bundle.status == 200);
  return bundle.body;
}

bool Mentions(const AuditReport& report, const std::string& text) {
  for (const auto& f : report.failed) {
    if (f.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string Failures(const AuditReport& report) {
  std::string out;
  for (const auto& f : report.failed) out += f + "\n";
  return out;
}

}  // namespace

TEST_CASE("bundle: a published bundle passes its audit and proves each receipt") {
  Fixture f;
  std::vector<std::string> receipts;
  const json bundle = PublishedBundle(f, &receipts);
  const std::string key = f.Call(http::verb::get, "/api/v1/key", "", false).body["public_key"];
  const AuditReport report = AuditBundle(bundle, key);
  CHECK_MESSAGE(report.ok(), Failures(report));
  CHECK(report.passed.size() == 8);  // signature, web manifest, corrections, log, .pb, channels, recount, report
  CHECK(std::count(report.passed.begin(), report.passed.end(),
                   "budget main: the who-got-what report matches the recount") == 1);
  CHECK(bundle["results"][0]["report"]["outcomes"][0]["voters"]["voters"] == 4);
  CHECK(bundle["ballots_pb"]["main"].get<std::string>().find("VOTES") != std::string::npos);
  for (std::size_t i = 0; i < receipts.size(); ++i) {
    const ReceiptCheck check = CheckReceipt(bundle, receipts[i]);
    CHECK(check.found);
    CHECK(check.index == i);
    CHECK(check.proof_ok);
  }
  CHECK_FALSE(CheckReceipt(bundle, LeafHash("not a ballot")).found);
  // The board gives the same entry and a proof that checks against the head.
  auto looked_up = f.Call(http::verb::get, "/api/v1/processes/school/board/receipts/" + receipts[2], "", false);
  REQUIRE(looked_up.status == 200);
  CHECK(looked_up.body["ballot"]["main"]["projects"] == json::array({"b", "c"}));
  CHECK(LeafHash(looked_up.body["entry"].get<std::string>()) == receipts[2]);
  CHECK(VerifyInclusion(receipts[2], 2, 4, looked_up.body["proof"].get<std::vector<std::string>>(),
                        bundle["log"]["head"]));
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/board/receipts/" + LeafHash("x"), "", false).status == 404);
}

TEST_CASE("bundle: every kind of tampering is detected and named") {
  Fixture f;
  std::vector<std::string> receipts;
  const json bundle = PublishedBundle(f, &receipts);
  auto entries = [](json& b) -> json& { return b["log"]["entries"]; };
  struct Case {
    const char* name;
    std::function<void(json&)> tamper;
    const char* named;
  };
  const std::vector<Case> cases{
      {"drop a ballot", [&](json& b) { entries(b).erase(entries(b).begin() + 1); }, "entries hash to head"},
      {"add a ballot",
       [&](json& b) {
         json extra = entries(b)[0];
         extra["entry"] = LogEntry("school", R"({"main":{"projects":["b"]}})", "00");
         entries(b).push_back(extra);
       },
       "a ballot was added, dropped, changed or moved"},
      {"change a ballot",
       [&](json& b) { entries(b)[0]["entry"] = LogEntry("school", R"({"main":{"projects":["b"]}})", "11"); },
       "entries hash to head"},
      {"reorder ballots", [&](json& b) { std::swap(entries(b)[0], entries(b)[3]); }, "entries hash to head"},
      {"change the budget", [](json& b) { b["process"]["budgets"][0]["amount"] = 1000; }, "recount"},
      {"change a result",
       [](json& b) { b["results"][0]["outcome"]["selected"] = json::array({"b"}); },
       "funded projects differ"},
      {"change a round",
       [](json& b) { b["results"][0]["outcome"]["rounds"][0]["score"] = "99"; },
       "round 1 differs"},
      {"change the who-got-what report",
       [](json& b) {
         json& voters = b["results"][0]["report"]["outcomes"][0]["voters"];
         voters["nothing_funded"] = voters["nothing_funded"].get<int>() + 1;
       },
       "the who-got-what report differs from the recount"},
      {"change the .pb file",
       [](json& b) { b["ballots_pb"]["main"] = b["ballots_pb"]["main"].get<std::string>() + "99;a\n"; },
       "the .pb file does not hold exactly the log's ballots"},
      {"change the signature",
       [](json& b) {
         std::string v = b["signature"]["value"];
         v[0] = v[0] == 'a' ? 'b' : 'a';
         b["signature"]["value"] = v;
       },
       "signature: does not match"},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    json tampered = bundle;
    c.tamper(tampered);
    const AuditReport report = AuditBundle(tampered);
    CHECK_FALSE(report.ok());
    CHECK_MESSAGE(Mentions(report, c.named), Failures(report));
    if (std::string(c.name) != "change the signature") CHECK(Mentions(report, "signature: does not match"));
  }
  // Another server's key is named even when its signature is valid.
  CHECK(Mentions(AuditBundle(bundle, std::string(64, '0')), "not the published key"));
}

namespace {

psephos::test::CliRun Psephos(const std::string& args, const psephos::test::TempDir&) {
  return psephos::test::RunPsephos(args);
}

}  // namespace

TEST_CASE("psephos audit checks a downloaded bundle and a receipt from the command line") {
  Fixture f;
  std::vector<std::string> receipts;
  json bundle = PublishedBundle(f, &receipts);
  const std::string key = f.Call(http::verb::get, "/api/v1/key", "", false).body["public_key"];
  psephos::test::TempDir dir;
  const std::string file = dir.file("bundle.json");
  std::ofstream(file) << bundle.dump();
  auto pass = Psephos("audit " + file + " --key " + key + " --receipt " + receipts[1], dir);
  CHECK(pass.exit_code == 0);
  CHECK(pass.out.find("AUDIT PASSED") != std::string::npos);
  CHECK(pass.out.find("ballot 2 of the log") != std::string::npos);

  auto unknown = Psephos("audit " + file + " --receipt " + LeafHash("nobody"), dir);
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.out.find("no ballot in the log has it") != std::string::npos);

  bundle["log"]["entries"].erase(bundle["log"]["entries"].begin());
  std::ofstream(file) << bundle.dump();
  auto fail = Psephos("audit " + file, dir);
  CHECK(fail.exit_code == 1);
  CHECK(fail.out.find("MISMATCH log:") != std::string::npos);
  CHECK(fail.out.find("AUDIT FAILED") != std::string::npos);

  CHECK(Psephos("audit " + dir.file("missing.json"), dir).exit_code == 2);
}
