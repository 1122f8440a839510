// The board only grows: consistency proofs (RFC 9162 section 2.1.4) in the
// library, on the board and in `psephos audit --head`; and the manifest of the
// served web pages, on its route, in the bundle and in `psephos audit --web`.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "../support/api_fixture.h"
#include "../support/cli_runner.h"
#include "psephos/server/ballot_log.h"
#include "psephos/server/bundle.h"
#include "psephos/server/secrets.h"
#include "psephos/server/static_site.h"
#include "psephos/server/web_manifest.h"

using namespace psephos::server;
using nlohmann::json;
using psephos::test::Fixture;

namespace {

std::string Raw(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// H(0x01 || left || right), written apart from ballot_log.cc.
std::string NodeOf(const std::string& left, const std::string& right) {
  return Sha256Hex(std::string(1, '\x01') + Raw(left) + Raw(right));
}

// RFC 6962's MTH by its definition, apart from ballot_log.cc: split at the
// largest power of two below n.
std::string Mth(const std::vector<std::string>& leaves, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return leaves[begin];
  std::size_t k = 1;
  while (k << 1 < end - begin) k <<= 1;
  return NodeOf(Mth(leaves, begin, begin + k), Mth(leaves, begin + k, end));
}

std::vector<std::string> Leaves(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string entry = "d";  // appended, not "d" + to_string: GCC 12 warns falsely there (-Wrestrict)
    entry += std::to_string(i);
    out.push_back(LeafHash(entry));
  }
  return out;
}

std::string Flip(std::string hex) {
  hex[5] = hex[5] == 'a' ? 'b' : 'a';
  return hex;
}

}  // namespace

TEST_CASE("consistency: the proofs of RFC 6962's seven-leaf example, by hand") {
  // RFC 6962 section 2.1.3: leaves d0..d6 are a..f and d6; g = H(a,b), h = H(c,d),
  // i = H(e,f), j = d6, k = H(g,h), l = H(i,j); the head is H(k,l).
  const auto d = Leaves(7);
  const std::string g = NodeOf(d[0], d[1]), h = NodeOf(d[2], d[3]), i = NodeOf(d[4], d[5]), j = d[6];
  const std::string k = NodeOf(g, h), l = NodeOf(i, j), head = NodeOf(k, l);
  CHECK(MerkleRoot(d) == head);
  const std::string hash0 = NodeOf(g, d[2]);  // the head of the first three leaves
  const std::string hash1 = k, hash2 = NodeOf(k, i);
  CHECK(MerkleRoot(std::vector<std::string>(d.begin(), d.begin() + 3)) == hash0);
  // PROOF(3, D[7]) = [c, d, g, l], PROOF(4, D[7]) = [l], PROOF(6, D[7]) = [i, j, k].
  CHECK(ConsistencyProof(d, 3) == std::vector<std::string>{d[2], d[3], g, l});
  CHECK(ConsistencyProof(d, 4) == std::vector<std::string>{l});
  CHECK(ConsistencyProof(d, 6) == std::vector<std::string>{i, j, k});
  CHECK(VerifyConsistency(3, hash0, 7, head, {d[2], d[3], g, l}));
  CHECK(VerifyConsistency(4, hash1, 7, head, {l}));
  CHECK(VerifyConsistency(6, hash2, 7, head, {i, j, k}));
  // Two leaves from one: the second leaf; three from two: the third leaf.
  CHECK(ConsistencyProof(Leaves(2), 1) == std::vector<std::string>{d[1]});
  CHECK(ConsistencyProof(Leaves(3), 2) == std::vector<std::string>{d[2]});
  CHECK(ConsistencyProof(Leaves(3), 1) == std::vector<std::string>{d[1], d[2]});
  // Same size: no proof, the same head; size 0: the empty log, a prefix of all.
  CHECK(ConsistencyProof(d, 7).empty());
  CHECK(VerifyConsistency(7, head, 7, head, {}));
  CHECK_FALSE(VerifyConsistency(7, head, 7, hash2, {}));
  CHECK_FALSE(VerifyConsistency(7, head, 7, head, {l}));
  CHECK(ConsistencyProof(d, 0).empty());
  CHECK(VerifyConsistency(0, MerkleRoot({}), 7, head, {}));
  CHECK_FALSE(VerifyConsistency(0, hash0, 7, head, {}));
}

TEST_CASE("log head: extended leaf by leaf or in steps, it equals the head of the whole log") {
  const auto all = Leaves(70);
  LogHead one_by_one, in_steps;
  CHECK(one_by_one.Extend({}) == MerkleRoot({}));
  for (std::size_t n = 1; n <= all.size(); ++n) {
    const std::vector<std::string> leaves(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    CAPTURE(n);
    CHECK(one_by_one.Extend(leaves) == Mth(all, 0, n));
    CHECK(one_by_one.size() == n);
    if (n % 7 == 0 || n == all.size()) CHECK(in_steps.Extend(leaves) == MerkleRoot(leaves));
  }
}

TEST_CASE("consistency: every pair of sizes up to 40 proves, against independently computed heads") {
  const auto all = Leaves(40);
  std::vector<std::string> roots{MerkleRoot({})};
  for (std::size_t n = 1; n <= all.size(); ++n) roots.push_back(Mth(all, 0, n));
  for (std::size_t n = 1; n <= all.size(); ++n) {
    const std::vector<std::string> leaves(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    REQUIRE(MerkleRoot(leaves) == roots[n]);
    for (std::size_t m = 1; m <= n; ++m) {
      CAPTURE(m);
      CAPTURE(n);
      const auto proof = ConsistencyProof(leaves, m);
      REQUIRE(VerifyConsistency(m, roots[m], n, roots[n], proof));
      // At most two hashes per level of the tree.
      CHECK(proof.size() <= 2 * 7);
      if (m == n) continue;
      // A wrong head on either side, a wrong size, or any changed, dropped,
      // added or swapped step is refused.
      CHECK_FALSE(VerifyConsistency(m, Flip(roots[m]), n, roots[n], proof));
      CHECK_FALSE(VerifyConsistency(m, roots[m], n, Flip(roots[n]), proof));
      CHECK_FALSE(VerifyConsistency(m, roots[m - 1], n, roots[n], proof));
      if (n < all.size()) CHECK_FALSE(VerifyConsistency(m, roots[m], n + 1, roots[n + 1], proof));
      if (m > 1) CHECK_FALSE(VerifyConsistency(m - 1, roots[m], n, roots[n], proof));
      CHECK_FALSE(VerifyConsistency(n, roots[n], m, roots[m], proof));
      for (std::size_t s = 0; s < proof.size(); ++s) {
        auto bad = proof;
        bad[s] = Flip(bad[s]);
        CHECK_FALSE(VerifyConsistency(m, roots[m], n, roots[n], bad));
      }
      auto shorter = proof;
      shorter.pop_back();
      CHECK_FALSE(VerifyConsistency(m, roots[m], n, roots[n], shorter));
      auto longer = proof;
      longer.push_back(roots[1]);
      CHECK_FALSE(VerifyConsistency(m, roots[m], n, roots[n], longer));
      if (proof.size() > 1) {
        auto swapped = proof;
        std::swap(swapped[0], swapped[1]);
        if (swapped != proof) CHECK_FALSE(VerifyConsistency(m, roots[m], n, roots[n], swapped));
      }
      // A rewritten prefix (one early leaf changed) gives a head no proof reaches.
      auto rewritten = leaves;
      rewritten[0] = LeafHash("changed");
      CHECK_FALSE(VerifyConsistency(m, roots[m], n, MerkleRoot(rewritten), ConsistencyProof(rewritten, m)));
    }
  }
  CHECK_FALSE(VerifyConsistency(1, "not hex", 2, roots[2], ConsistencyProof(Leaves(2), 1)));
  CHECK_FALSE(VerifyConsistency(1, roots[1], 2, roots[2], {"zz"}));
}

namespace {

// Votes `count` ballots in the school process, noting the board after each.
std::vector<json> VoteNotingHeads(Fixture& f, const std::vector<std::string>& codes, std::size_t count) {
  std::vector<json> boards;
  for (std::size_t i = 0; i < count; ++i) {
    REQUIRE(f.Vote(codes[i], json::array({i % 2 ? "a" : "c"})).status == 201);
    auto board = f.Call(http::verb::get, "/api/v1/processes/school/board", "", false);
    REQUIRE(board.status == 200);
    boards.push_back(board.body);
  }
  return boards;
}

}  // namespace

TEST_CASE("consistency: the board proves that each head seen while voting is a prefix of the later one") {
  Fixture f;
  const auto codes = f.OpenSchool(6);
  const auto boards = VoteNotingHeads(f, codes, 5);
  const auto get = [&](const std::string& query) {
    return f.Call(http::verb::get, "/api/v1/processes/school/board/consistency" + query, "", false);
  };
  for (const json& noted : boards) {
    const std::size_t from = noted["ballots"];
    auto r = get("?from=" + std::to_string(from));
    REQUIRE(r.status == 200);
    CHECK(r.body["from"] == from);
    CHECK(r.body["to"] == 5);
    CHECK(r.body["old_head"] == noted["head"]);
    CHECK(r.body["head"] == boards.back()["head"]);
    CHECK(VerifyConsistency(from, noted["head"].get<std::string>(), 5, boards.back()["head"].get<std::string>(),
                            r.body["proof"].get<std::vector<std::string>>()));
  }
  // Between two earlier heads.
  auto between = get("?from=2&to=4");
  REQUIRE(between.status == 200);
  CHECK(between.body["old_head"] == boards[1]["head"]);
  CHECK(between.body["head"] == boards[3]["head"]);
  CHECK(VerifyConsistency(2, boards[1]["head"].get<std::string>(), 4, boards[3]["head"].get<std::string>(),
                          between.body["proof"].get<std::vector<std::string>>()));
  // Out of range or not a size: 400 saying what.
  struct Bad {
    const char* query;
    const char* code;
    const char* says;
  };
  for (const Bad& bad : {Bad{"", "missing_from", "from=SIZE"}, Bad{"?from=x", "invalid_size", "from"},
                         Bad{"?from=-1", "invalid_size", "from"}, Bad{"?from=99999999999999999999", "invalid_size", "from"},
                         Bad{"?from=6", "size_out_of_range", "5 ballots"}, Bad{"?from=1&to=6", "size_out_of_range", "only 5"},
                         Bad{"?from=4&to=3", "size_out_of_range", "to=3"}, Bad{"?from=1&to=2x", "invalid_size", "to"}}) {
    CAPTURE(bad.query);
    auto r = get(bad.query);
    CHECK(r.status == 400);
    CHECK(r.body["error"]["code"] == bad.code);
    CHECK(r.body["error"]["message"].get<std::string>().find(bad.says) != std::string::npos);
  }
  CHECK(f.Call(http::verb::get, "/api/v1/processes/nobody/board/consistency?from=1", "", false).status == 404);
}

TEST_CASE("manifest: the route names every served file by the hash of the bytes served") {
  Fixture f;
  auto r = f.Call(http::verb::get, "/api/v1/manifest", "", false);
  REQUIRE(r.status == 200);
  const json manifest = r.body["manifest"];
  CHECK(manifest == WebManifest());
  CHECK(r.body["sha256"] == ManifestHash(manifest));
  CHECK(manifest["files"].size() == EmbeddedWebFiles().size());
  const std::string version = manifest["version"];
  // Where each page is served; assets are under /static/<version>/.
  const std::map<std::string, std::string> pages{
      {"index.html", "/"},           {"admin.html", "/admin"},     {"kiosk.html", "/kiosk"},
      {"clerk.html", "/clerk"},      {"paper.html", "/paper"},     {"vote.html", "/vote/school"},
      {"results.html", "/results/school"}, {"check.html", "/check/school"},
      {"ideas.html", "/ideas/school"},     {"review.html", "/review/school"},
      {"progress.html", "/progress/school"}};
  for (const auto& [path, hash] : manifest["files"].items()) {
    CAPTURE(path);
    const bool page = path.ends_with(".html");
    if (page) REQUIRE_MESSAGE(pages.count(path), "a page the test does not know where to fetch");
    auto served = f.Call(http::verb::get, page ? pages.at(path) : "/static/" + version + "/" + path, "", false);
    REQUIRE(served.status == 200);
    CHECK(Sha256Hex(served.text) == hash);
  }
  // The checkout's server/web gives the same manifest, version included.
  auto local = ManifestOfDirectory(std::string(PSEPHOS_SOURCE_DIR) + "/server/web");
  REQUIRE(local.ok());
  CHECK(*local == manifest);
  CHECK(ManifestDifferences(manifest, *local).empty());
  CHECK_FALSE(ManifestOfDirectory(std::string(PSEPHOS_SOURCE_DIR) + "/no-such-dir").ok());
}

namespace {

// A published bundle of the school process with five ballots, and the boards
// noted after each ballot.
json PublishedBundle(Fixture& f, std::vector<json>* boards) {
  const auto codes = f.OpenSchool(6);
  *boards = VoteNotingHeads(f, codes, 5);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/close").status == 200);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/publish").status == 200);
  auto bundle = f.Call(http::verb::get, "/api/v1/processes/school/bundle", "", false);
  REQUIRE(bundle.status == 200);
  return bundle.body;
}

std::string Noted(const json& board) {
  return std::to_string(board["ballots"].get<std::size_t>()) + ":" + board["head"].get<std::string>();
}

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("bundle: carries the signed web manifest, a changed manifest breaks the signature") {
  Fixture f;
  std::vector<json> boards;
  const json bundle = PublishedBundle(f, &boards);
  CHECK(bundle["web_manifest"] == WebManifest());
  const AuditReport report = AuditBundle(bundle);
  CHECK(report.ok());
  bool named = false;
  for (const auto& line : report.passed) named = named || Has(line, "manifest sha256 " + ManifestHash(WebManifest()));
  CHECK(named);
  json tampered = bundle;
  tampered["web_manifest"]["files"]["js/vote.js"] = Sha256Hex("another script");
  const AuditReport bad = AuditBundle(tampered);
  CHECK_FALSE(bad.ok());
  CHECK(Has(bad.failed.front(), "signature: does not match"));
  json dropped = bundle;
  dropped.erase("web_manifest");
  bool missing = false;
  for (const auto& line : AuditBundle(dropped).failed) missing = missing || Has(line, "web manifest: the bundle has none");
  CHECK(missing);
  // Heads checked in the library: every noted head, and nothing else.
  for (const json& b : boards) CHECK(CheckHead(bundle, b["ballots"].get<std::size_t>(), b["head"].get<std::string>()).ok);
  CHECK_FALSE(CheckHead(bundle, 2, boards[2]["head"].get<std::string>()).ok);
  CHECK(Has(CheckHead(bundle, 6, boards[4]["head"].get<std::string>()).message, "holds only 5 ballots"));
}

TEST_CASE("psephos audit --head proves noted heads are prefixes of the final log, --web compares the pages") {
  Fixture f;
  std::vector<json> boards;
  const json bundle = PublishedBundle(f, &boards);
  psephos::test::TempDir dir;
  const std::string file = dir.file("bundle.json");
  std::ofstream(file) << bundle.dump();
  using psephos::test::RunPsephos;

  // Two heads noted while voting, and the checkout's pages: all hold.
  auto pass = RunPsephos("audit " + file + " --head " + Noted(boards[1]) + " --head " + Noted(boards[3]) + " --web " +
                         PSEPHOS_SOURCE_DIR + "/server/web");
  CHECK(pass.exit_code == 0);
  CHECK(Has(pass.out, "ok       head 2:" + boards[1]["head"].get<std::string>() + ": the final log of 5 ballots only grew"));
  CHECK(Has(pass.out, "ok       head 4:"));
  CHECK(Has(pass.out, "ok       web pages: the " + std::to_string(EmbeddedWebFiles().size()) + " files"));
  CHECK(Has(pass.out, "manifest sha256 " + ManifestHash(WebManifest())));
  CHECK(Has(pass.out, "AUDIT PASSED"));

  // A wrong hex, a head of another size, a size beyond the log: exit 1, named.
  const std::string wrong = "3:" + Flip(boards[2]["head"].get<std::string>());
  auto fail = RunPsephos("audit " + file + " --head " + wrong);
  CHECK(fail.exit_code == 1);
  CHECK(Has(fail.out, "MISMATCH head " + wrong + ": the final log does NOT extend it: its first 3 ballots hash to " +
                          boards[2]["head"].get<std::string>()));
  CHECK(Has(fail.out, "AUDIT FAILED"));
  CHECK(RunPsephos("audit " + file + " --head 2:" + boards[2]["head"].get<std::string>()).exit_code == 1);
  auto beyond = RunPsephos("audit " + file + " --head 6:" + boards[4]["head"].get<std::string>());
  CHECK(beyond.exit_code == 1);
  CHECK(Has(beyond.out, "the final log holds only 5 ballots"));
  // Not SIZE:HEX: bad input.
  const std::string head0 = boards[0]["head"];
  for (const std::string& bad : {std::string("5"), "x:" + head0, std::string("1:abc"), ":" + head0}) {
    auto r = RunPsephos("audit " + file + " --head " + bad);
    CHECK(r.exit_code == 2);
    CHECK(Has(r.err, "--head wants SIZE:HEX"));
  }

  // A checkout whose pages differ from the served ones: each difference named.
  psephos::test::TempDir web;
  std::filesystem::copy(std::string(PSEPHOS_SOURCE_DIR) + "/server/web", web.path(),
                        std::filesystem::copy_options::recursive);
  std::ofstream(web.file("js/vote.js"), std::ios::app) << "\n// changed\n";
  std::ofstream(web.file("extra.js")) << "// not served\n";
  auto differs = RunPsephos("audit " + file + " --web " + web.path().string());
  CHECK(differs.exit_code == 1);
  CHECK(Has(differs.out, "MISMATCH web page js/vote.js: served with hash " +
                             WebManifest()["files"]["js/vote.js"].get<std::string>()));
  CHECK(Has(differs.out, "MISMATCH web page extra.js: in the local files but not served"));
  CHECK(Has(differs.out, "MISMATCH web page version:"));
  auto no_dir = RunPsephos("audit " + file + " --web " + dir.file("none"));
  CHECK(no_dir.exit_code == 1);
  CHECK(Has(no_dir.out, "not a directory"));
}
