// Compression and caching over real HTTPS (the in-process server): gzip when
// asked and worth it, the same bytes once decompressed, Vary on every
// compressible answer, precompressed assets with their own ETag, immutable
// versioned URLs and revalidated pages, and never gzip beside a credential
// (BREACH: see compression.h).
#include <doctest/doctest.h>

#include <regex>

#include "../support/live_server.h"
#include "psephos/server/compression.h"
#include "psephos/server/static_site.h"

namespace psephos::test {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
const Headers kGzip{{"Accept-Encoding", "gzip, deflate, br"}};

HttpsClient::Response Get(LiveServer& s, const std::string& target, const Headers& headers = {},
                          http::verb verb = http::verb::get) {
  auto client = s.Client();
  return client.Send(verb, target, "", "", headers);
}

std::string Version(LiveServer& s) {
  const std::string page = Get(s, "/vote/school").body;
  std::smatch m;
  REQUIRE(std::regex_search(page, m, std::regex("/static/([0-9a-f]{12})/css/app\\.css")));
  return m[1];
}

TEST_CASE("gzip: Accept-Encoding is read as RFC 9110 says") {
  CHECK(server::AcceptsGzip("gzip"));
  CHECK(server::AcceptsGzip("deflate, GZIP;q=0.5"));
  CHECK(server::AcceptsGzip("*"));
  CHECK(server::AcceptsGzip("br, x-gzip"));
  CHECK_FALSE(server::AcceptsGzip(""));
  CHECK_FALSE(server::AcceptsGzip("identity"));
  CHECK_FALSE(server::AcceptsGzip("gzip;q=0"));
  CHECK_FALSE(server::AcceptsGzip("gzip; q=0.000, *"));
  CHECK_FALSE(server::AcceptsGzip("*;q=0"));
  CHECK_FALSE(server::AcceptsGzip("gzipper"));
  CHECK(server::Gunzip(server::Gzip("hello hello hello", 9)) == "hello hello hello");
  CHECK_FALSE(server::Gunzip("not gzip").has_value());
  const std::string packed = server::Gzip(std::string(4000, 'a'), 9);
  CHECK_FALSE(server::Gunzip(packed.substr(0, packed.size() - 4)).has_value());  // truncated
}

TEST_CASE("gzip: pages and assets, precompressed, equal to the plain bytes once decompressed") {
  LiveServer s;
  s.OpenSchool();
  const std::string v = Version(s);
  const std::vector<std::string> targets{"/vote/school", "/static/" + v + "/js/voteflow.js", "/static/" + v + "/css/app.css",
                                         "/static/" + v + "/i18n/es.json", "/static/js/ballot.js"};
  for (const std::string& target : targets) {
    CAPTURE(target);
    auto plain = Get(s, target);
    auto packed = Get(s, target, kGzip);
    REQUIRE(plain.status == 200);
    REQUIRE(packed.status == 200);
    CHECK(plain.header("Content-Encoding").empty());
    CHECK(packed.header("Content-Encoding") == "gzip");
    CHECK(plain.header("Vary") == "Accept-Encoding");
    CHECK(packed.header("Vary") == "Accept-Encoding");
    CHECK(packed.body.size() < plain.body.size() / 2);
    CHECK(server::Gunzip(packed.body) == plain.body);
    // Each representation its own strong validator.
    CHECK(!plain.header("ETag").empty());
    CHECK(packed.header("ETag") != plain.header("ETag"));
    // HEAD: GET's headers, the compressed length, no body.
    auto head = Get(s, target, kGzip, http::verb::head);
    CHECK(head.status == 200);
    CHECK(head.header("Content-Encoding") == "gzip");
    CHECK(head.header("Content-Length") == std::to_string(packed.body.size()));
    CHECK(head.body.empty());
  }
  // The same bytes the server embedded, whatever the encoding.
  for (const auto& f : server::EmbeddedWebFiles()) {
    if (f.path != "js/common.js") continue;
    CHECK(server::Gunzip(Get(s, "/static/" + v + "/js/common.js", kGzip).body) == std::string(f.body));
  }
  // Below kMinCompressBytes: sent as it is.
  auto health = Get(s, "/healthz", kGzip);
  CHECK(health.header("Content-Encoding").empty());
}

TEST_CASE("caching: versioned assets immutable, pages revalidated with ETag and 304, old URLs still served") {
  LiveServer s;
  const std::string v = Version(s);
  auto asset = Get(s, "/static/" + v + "/js/vote.js", kGzip);
  CHECK(asset.header("Cache-Control") == "public, max-age=31536000, immutable");
  auto unversioned = Get(s, "/static/js/vote.js", kGzip);
  CHECK(unversioned.status == 200);
  CHECK(unversioned.header("Cache-Control") == "no-cache");
  CHECK(server::Gunzip(unversioned.body) == server::Gunzip(asset.body));
  auto page = Get(s, "/vote/school", kGzip);
  CHECK(page.header("Cache-Control") == "no-cache");
  const std::string etag = page.header("ETag");
  REQUIRE(etag.size() > 10);
  Headers again = kGzip;
  again.emplace_back("If-None-Match", etag);
  auto revalidated = Get(s, "/vote/school", again);
  CHECK(revalidated.status == 304);
  CHECK(revalidated.body.empty());
  CHECK(revalidated.header("ETag") == etag);
  // The plain representation does not match the gzip one's validator.
  CHECK(Get(s, "/vote/school", {{"If-None-Match", etag}}).status == 200);
}

TEST_CASE("gzip: public JSON compressed, never beside a credential, nor for a POST (BREACH)") {
  LiveServer s;
  auto codes = s.OpenSchool();
  // A POST reflects what the client sent: plain.
  auto client = s.Client();
  const std::string body = R"({"code": ")" + codes[0] + R"(", "ballots": {"main": {"projects": ["a"]}}})";
  auto voted = client.Send(http::verb::post, "/api/v1/processes/school/ballots", body, "application/json", kGzip);
  CHECK(voted.status == 201);
  CHECK(voted.header("Content-Encoding").empty());
  REQUIRE(s.Admin(http::verb::post, "/api/v1/processes/school/close")["state"] == "closed");
  REQUIRE(s.Admin(http::verb::post, "/api/v1/processes/school/publish")["state"] == "published");

  // The published results, as anyone reads them.
  const std::string results = "/api/v1/processes/school/results";
  auto plain = Get(s, results);
  auto packed = Get(s, results, kGzip);
  REQUIRE(plain.status == 200);
  REQUIRE(plain.body.size() >= server::kMinCompressBytes);
  CHECK(packed.header("Content-Encoding") == "gzip");
  CHECK(packed.header("Vary") == "Accept-Encoding");
  CHECK(packed.body.size() < plain.body.size());
  CHECK(nlohmann::json::parse(*server::Gunzip(packed.body)) == nlohmann::json::parse(plain.body));

  // The organizer's answers (with the token) stay plain, however large.
  Headers admin = kLiveAdmin;
  admin.emplace_back("Accept-Encoding", "gzip");
  auto organizer = Get(s, results, admin);
  REQUIRE(organizer.status == 200);
  CHECK(organizer.body.size() >= server::kMinCompressBytes);
  CHECK(organizer.header("Content-Encoding").empty());
  CHECK(organizer.json()["slug"] == "school");
  Headers cookie = kGzip;
  cookie.emplace_back("Cookie", "session=x");
  CHECK(Get(s, results, cookie).header("Content-Encoding").empty());
}

}  // namespace
}  // namespace psephos::test
