// Malformed and hostile requests against the real thing: an HttpsServer with
// the Api on 127.0.0.1:0, as server/main.cc assembles them. Each request
// gets a 4xx (TLS garbage: the connection is closed), nothing is stored or
// spent, and the server still answers GET /healthz afterwards. Then the
// organizer token and the voter codes: almost-right tokens are refused, and no
// public answer carries a code or a code hash. (TLS 1.1 refusal:
// https_server_test.cc.)
#include <doctest/doctest.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>

#include "../support/api_fixture.h"
#include "../support/https_client.h"
#include "../support/live_server.h"
#include "psephos/server/https_server.h"
#include "psephos/server/tls.h"

using namespace std::chrono_literals;
using nlohmann::json;
using psephos::test::HttpsClient;
using psephos::test::kSchool;
using psephos::test::kToken;
using psephos::test::RawTcpConnection;
using psephos::test::RawTlsConnection;
namespace http = boost::beast::http;
namespace server = psephos::server;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
const Headers kAdmin{{"Authorization", "Bearer " + kToken}};
const std::string kSchoolPath = "/api/v1/processes/school";

using psephos::test::LiveServer;

// The status code of a raw HTTP/1.x answer, 0 when there is none.
int StatusOf(const std::string& reply) {
  if (reply.rfind("HTTP/1.", 0) != 0 || reply.size() < 12) return 0;
  return std::atoi(reply.substr(9, 3).c_str());
}

std::string ErrorCode(const HttpsClient::Response& r) {
  auto body = r.json();
  return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
}

// The first flight of a real TLS client: what a handshake starts with.
std::string ClientHello() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  SSL_set_connect_state(ssl);
  SSL_do_handshake(ssl);  // wants to read the ServerHello; the ClientHello is in `out`
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  std::string hello(data, static_cast<std::size_t>(size));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return hello;
}

std::string Get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "Connection: close\r\n\r\n";
}

std::string Post(const std::string& target, const std::string& headers, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "Connection: close\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("bad requests: malformed HTTP gets a 4xx and the server keeps serving") {
  LiveServer live;
  live.OpenSchool();
  std::string many_headers;
  for (int i = 0; i < 2000; ++i) many_headers += "X-H" + std::to_string(i) + ": v\r\n";
  const std::string ballot = R"({"code": "AAAA-BBBB-CCCC-DDDD", "ballots": {"main": {"projects": ["a"]}}})";
  const std::string json_type = "Content-Type: application/json\r\n";
  struct Case {
    const char* name;
    std::string request;
    int status;  // expected exactly; 0: any 4xx
  };
  const std::vector<Case> cases{
      {"not HTTP at all", "\x01\x02\x03 garbage\r\n\r\n", 400},
      {"an HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0},
      {"an unknown HTTP version", "GET /healthz HTTP/9.9\r\nHost: localhost\r\n\r\n", 400},
      {"a header line without a colon", "GET /healthz HTTP/1.1\r\nHost localhost\r\n\r\n", 400},
      {"a NUL in a header value", std::string("GET /healthz HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 35), 400},
      {"a control character in the target", "GET /heal\x7fthz HTTP/1.1\r\nHost: localhost\r\n\r\n", 400},
      {"a 20 KiB header", Get("/healthz", "X-Big: " + std::string(20 << 10, 'h') + "\r\n"), 431},
      {"2000 headers", Get("/healthz", many_headers), 431},
      {"a 64 KiB target", Get("/api/v1/processes/" + std::string(64 << 10, 'a')), 431},
      {"an 8 KiB target", Get("/api/v1/processes/" + std::string(8 << 10, 'a')), 404},
      {"path traversal at the root", Get("/../../etc/passwd"), 404},
      {"path traversal under processes", Get("/api/v1/processes/../../../../etc/passwd"), 404},
      {"encoded path traversal", Get("/api/v1/processes/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), 404},
      {"path traversal to a code download",
       Get(kSchoolPath + "/codes/../../../../etc/passwd.csv", "Authorization: Bearer " + kToken + "\r\n"), 404},
      {"traversal as a code batch",
       Get(kSchoolPath + "/codes/..%2f..%2fetc%2fpasswd.csv", "Authorization: Bearer " + kToken + "\r\n"), 404},
      {"an absolute-form target", Get("http://evil.example/api/v1/key"), 404},
      {"DELETE a process", "DELETE " + kSchoolPath + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " +
                               kToken + "\r\nConnection: close\r\n\r\n", 405},
      {"PATCH the collection", "PATCH /api/v1/processes HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " +
                                   kToken + "\r\nConnection: close\r\n\r\n", 405},
      {"GET on the ballot box: the route table answers which methods it takes", Get(kSchoolPath + "/ballots"), 405},
      {"POST to /healthz", Post("/healthz", "Content-Length: 0\r\n", ""), 405},  // a page path: GET and HEAD only
      {"an invented method", "BREW /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 0},
      {"Content-Length: -1", Post(kSchoolPath + "/ballots", json_type + "Content-Length: -1\r\n", ballot), 400},
      {"Content-Length: 1e30", Post(kSchoolPath + "/ballots", json_type + "Content-Length: 1e30\r\n", ballot), 400},
      {"Content-Length: 99999999999999999999",
       Post(kSchoolPath + "/ballots", json_type + "Content-Length: 99999999999999999999\r\n", ballot), 0},
      {"two different Content-Lengths",
       Post(kSchoolPath + "/ballots", json_type + "Content-Length: 5\r\nContent-Length: 6\r\n", ballot), 400},
      {"Content-Length and chunked together (smuggling)",
       Post(kSchoolPath + "/ballots", json_type + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
            "0\r\n\r\n"), 400},
      {"a chunk size that is not hex",
       Post(kSchoolPath + "/ballots", json_type + "Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n"), 400},
      {"a body over the limit, announced", Post(kSchoolPath + "/ballots", json_type + "Content-Length: 2000000\r\n",
                                                std::string(1000, ' ')), 413},
  };
  auto ctx = psephos::test::InsecureClientContext();
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    RawTlsConnection raw("127.0.0.1", live.port(), ctx);
    REQUIRE(raw.ok());
    raw.Write(c.request);  // the server may answer and close before it has read everything
    const auto reply = raw.ReadUntilClosed(10s);
    const int status = StatusOf(reply.data);
    CHECK_MESSAGE(reply.closed, reply.data.substr(0, 200));
    if (c.status) {
      CHECK_MESSAGE(status == c.status, reply.data.substr(0, 300));
    } else {
      CHECK_MESSAGE((status >= 400 && status < 500), reply.data.substr(0, 300));
    }
    CHECK(reply.data.find("root:") == std::string::npos);
    CHECK(live.Healthy());
  }
  // Nothing above changed the process.
  auto turnout = live.Admin(http::verb::get, kSchoolPath + "/turnout");
  CHECK(turnout["codes"] == 5);
  CHECK(turnout["ballots"] == 0);
}

TEST_CASE("bad requests: malformed API bodies get a 4xx and spend no code") {
  LiveServer live;
  const auto codes = live.OpenSchool();
  const std::string& code = codes[0];
  auto client = live.Client();
  auto vote = [&](const std::string& body, const std::string& type = "application/json") {
    return client.Send(http::verb::post, kSchoolPath + "/ballots", body, type);
  };
  auto admin = [&](const std::string& target, const std::string& body, http::verb verb = http::verb::post) {
    return client.Send(verb, target, body, "application/json", kAdmin);
  };
  const std::string good_ballot = R"("ballots": {"main": {"projects": ["a"]}})";
  const std::string valid = R"({"code": ")" + code + R"(", )" + good_ballot + "}";
  std::string deep_open(100000, '['), deep_close(100000, ']');
  auto definition = [](const std::string& amount, const std::string& cost) {
    return R"({"slug": "x", "title": "X", "budgets": [{"id": "m", "amount": )" + amount +
           R"(, "projects": [{"id": "a", "name": "A", "cost": )" + cost + "}]}]}";
  };
  struct Case {
    const char* name;
    HttpsClient::Response response;
    int status;               // expected exactly; 0: any 4xx
    const char* error = "";   // expected error code, when stable
  };
  const std::vector<Case> cases{
      {"a ballot as text/plain", vote(valid, "text/plain"), 415, "unsupported_media_type"},
      {"a ballot as a form", vote("code=" + code, "application/x-www-form-urlencoded"), 415},
      {"a ballot as multipart", vote(valid, "multipart/form-data; boundary=x"), 415},
      {"a ballot with an empty content type", vote(valid, ""), 415},
      {"a definition as text/json", client.Send(http::verb::post, "/api/v1/processes", kSchool, "text/json", kAdmin),
       415},
      {"invalid UTF-8 in a string", vote("{\"code\": \"\xff\xfe\", " + good_ballot + "}"), 400, "malformed_json"},
      {"an overlong UTF-8 slash", vote("{\"code\": \"\xc0\xaf\", " + good_ballot + "}"), 400, "malformed_json"},
      {"a lone surrogate escape", vote(R"({"code": "\ud800", )" + good_ballot + "}"), 400, "malformed_json"},
      {"truncated JSON", vote(valid.substr(0, valid.size() / 2)), 400, "malformed_json"},
      {"an empty body", vote(""), 0},
      {"a JSON array", vote("[]"), 400, "malformed_json"},
      {"a JSON string", vote("\"" + code + "\""), 400, "malformed_json"},
      {"100000 nested arrays", vote("{\"code\": " + deep_open + deep_close + "}"), 400},
      {"the code as a number", vote(R"({"code": 12345, )" + good_ballot + "}"), 400, "missing_code"},
      {"an unknown field in a ballot", vote(R"({"code": ")" + code + R"(", "admin": true, )" + good_ballot + "}"),
       400, "unknown_field"},
      {"duplicated code keys, the last one wrong",
       vote(R"({"code": ")" + code + R"(", "code": "AAAA-BBBB-CCCC-DDDD", )" + good_ballot + "}"), 400,
       "malformed_json"},
      {"duplicated ballots keys, the last one broken",
       vote(R"({"code": ")" + code + R"(", )" + good_ballot + R"(, "ballots": {"main": {"projects": ["a", "b", "c"]}}})"),
       400, "malformed_json"},
      {"points on an approval ballot",
       vote(R"({"code": ")" + code + R"(", "ballots": {"main": {"projects": ["a"], "points": [99999999999999999999]}}})"),
       0},
      {"a negative point", vote(R"({"code": ")" + code + R"(", "ballots": {"main": {"projects": ["a"], "points": [-1]}}})"),
       0},
      {"an unknown project", vote(R"({"code": ")" + code + R"(", "ballots": {"main": {"projects": ["../a"]}}})"), 422},
      {"an unknown budget", vote(R"({"code": ")" + code + R"(", "ballots": {"main": {"projects": ["a"]}, "x": {}}})"),
       422},
      {"count: -1", admin(kSchoolPath + "/codes", R"({"count": -1})"), 422, "invalid_count"},
      {"count: 0", admin(kSchoolPath + "/codes", R"({"count": 0})"), 422, "invalid_count"},
      {"count: 1e30", admin(kSchoolPath + "/codes", R"({"count": 1e30})"), 422, "invalid_count"},
      {"count: 99999999999999999999", admin(kSchoolPath + "/codes", R"({"count": 99999999999999999999})"), 400,
       "malformed_json"},
      {"count: -9223372036854775808", admin(kSchoolPath + "/codes", R"({"count": -9223372036854775808})"), 422,
       "invalid_count"},
      {"count: 2.5", admin(kSchoolPath + "/codes", R"({"count": 2.5})"), 422, "invalid_count"},
      {"count: \"5\"", admin(kSchoolPath + "/codes", R"({"count": "5"})"), 422, "invalid_count"},
      {"count over the batch limit", admin(kSchoolPath + "/codes", R"({"count": 100001})"), 422, "invalid_count"},
      {"duplicated count keys, the last one negative", admin(kSchoolPath + "/codes", R"({"count": 3, "count": -1})"),
       400, "malformed_json"},
      {"a group that is not the process's", admin(kSchoolPath + "/codes", R"({"count": 1, "group": "admin"})"), 422,
       "invalid_group"},
      {"amount: -1", admin("/api/v1/processes", definition("-1", "1")), 422, "invalid_definition"},
      {"amount: 1e30", admin("/api/v1/processes", definition("1e30", "1")), 422, "invalid_definition"},
      {"amount: 99999999999999999999", admin("/api/v1/processes", definition("99999999999999999999", "1")), 400,
       "malformed_json"},
      {"amount: 1.5 (binary floating point)", admin("/api/v1/processes", definition("1.5", "1")), 422,
       "invalid_definition"},
      {"cost: -9223372036854775808", admin("/api/v1/processes", definition("10", "-9223372036854775808")), 422,
       "invalid_definition"},
      {"a cost that overflows at the budget's scale",
       admin("/api/v1/processes", definition(R"("0.000000001")", "999999999999999999")), 422, "invalid_definition"},
      {"an unknown field in a definition",
       admin("/api/v1/processes", R"({"slug": "y", "title": "Y", "owner": "me", "budgets": []})"), 422,
       "invalid_definition"},
      {"duplicated slug keys, the last one invalid",
       admin("/api/v1/processes", R"({"slug": "ok", "slug": "../etc", "title": "Y", "budgets": []})"), 400,
       "malformed_json"},
      {"a pabulib import that is not pabulib",
       client.Send(http::verb::post, "/api/v1/processes/import?slug=z", "META\nkey;value\nbudget;-5\n", "text/plain",
                   kAdmin), 422, "invalid_definition"},
      {"an import without a slug",
       client.Send(http::verb::post, "/api/v1/processes/import", "META\n", "text/plain", kAdmin), 400, "missing_slug"},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    CAPTURE(c.response.body.substr(0, 300));
    if (c.status) {
      CHECK(c.response.status == c.status);
    } else {
      CHECK((c.response.status >= 400 && c.response.status < 500));
    }
    if (*c.error) CHECK(ErrorCode(c.response) == c.error);
  }
  CHECK(live.Healthy());
  // No process was made, no code created or spent; the code still votes once.
  auto list = live.Admin(http::verb::get, "/api/v1/processes");
  CHECK(list["processes"].size() == 1);
  auto turnout = live.Admin(http::verb::get, kSchoolPath + "/turnout");
  CHECK(turnout["codes"] == 5);
  CHECK(turnout["ballots"] == 0);
  CHECK(vote(valid).status == 201);
  CHECK(vote(valid).status == 409);
}

TEST_CASE("bad requests: TLS garbage and truncated handshakes only close the connection") {
  LiveServer live;
  const std::string hello = ClientHello();
  REQUIRE(hello.size() > 100);
  REQUIRE(hello[0] == '\x16');  // a handshake record
  SUBCASE("half a ClientHello, then the client closes") {
    for (int i = 0; i < 20; ++i) {
      RawTcpConnection raw("127.0.0.1", live.port());
      REQUIRE(raw.ok());
      REQUIRE(raw.Write(hello.substr(0, hello.size() / 2)));
    }
  }
  SUBCASE("half a ClientHello, then silence: cut after the handshake timeout") {
    RawTcpConnection raw("127.0.0.1", live.port());
    REQUIRE(raw.ok());
    REQUIRE(raw.Write(hello.substr(0, hello.size() / 2)));
    const auto reply = raw.ReadUntilClosed(10s);
    CHECK(reply.closed);
    CHECK(reply.elapsed < 5s);
  }
  SUBCASE("a whole ClientHello, then garbage instead of the client's next flight") {
    RawTcpConnection raw("127.0.0.1", live.port());
    REQUIRE(raw.ok());
    raw.Write(hello + std::string(512, '\x42'));
    CHECK(raw.ReadUntilClosed(10s).closed);
  }
  SUBCASE("a record header announcing 16 KiB that never comes") {
    RawTcpConnection raw("127.0.0.1", live.port());
    REQUIRE(raw.ok());
    REQUIRE(raw.Write(std::string("\x16\x03\x01\x40\x00\x01\x00\x3f\xfc", 9)));
    CHECK(raw.ReadUntilClosed(10s).closed);
  }
  SUBCASE("random bytes") {
    std::string noise;
    unsigned x = 12345;
    for (int i = 0; i < 4096; ++i) noise += static_cast<char>((x = x * 1103515245u + 12345u) >> 16);
    RawTcpConnection raw("127.0.0.1", live.port());
    REQUIRE(raw.ok());
    raw.Write(noise);
    const auto reply = raw.ReadUntilClosed(10s);
    CHECK(reply.closed);
    CHECK(StatusOf(reply.data) == 0);
  }
  SUBCASE("plain HTTP on the HTTPS port") {
    RawTcpConnection raw("127.0.0.1", live.port());
    REQUIRE(raw.ok());
    raw.Write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const auto reply = raw.ReadUntilClosed(10s);
    CHECK(reply.closed);
    CHECK(reply.data.find("\"ok\"") == std::string::npos);
  }
  CHECK(live.Healthy());
}

TEST_CASE("bad requests: slow and oversized bodies are cut") {
  LiveServer live;
  const auto codes = live.OpenSchool();
  auto ctx = psephos::test::InsecureClientContext();
  const std::string head = "POST " + kSchoolPath +
                           "/ballots HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n";
  SUBCASE("a body that stops halfway") {
    RawTlsConnection raw("127.0.0.1", live.port(), ctx);
    REQUIRE(raw.ok());
    REQUIRE(raw.Write(head + "Content-Length: 100\r\n\r\n{\"code\": \"" + codes[0]));
    const auto reply = raw.ReadUntilClosed(10s);
    CHECK(reply.closed);
    CHECK(reply.elapsed < 5s);
    CHECK(StatusOf(reply.data) == 0);  // nothing was handled
  }
  SUBCASE("a body trickled a byte at a time") {
    RawTlsConnection raw("127.0.0.1", live.port(), ctx);
    REQUIRE(raw.ok());
    const std::string body = R"({"code": ")" + codes[0] + R"(", "ballots": {"main": {"projects": ["a"]}}})";
    REQUIRE(raw.Write(head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
    const auto start = std::chrono::steady_clock::now();
    bool cut = false;
    for (std::size_t i = 0; i < body.size() && !cut; ++i) {
      cut = !raw.Write(body.substr(i, 1));
      std::this_thread::sleep_for(300ms);
    }
    CHECK(cut);
    CHECK(std::chrono::steady_clock::now() - start < 6s);
  }
  SUBCASE("a 2 MiB ballot") {
    auto client = live.Client();
    auto r = client.Send(http::verb::post, kSchoolPath + "/ballots", std::string(2 << 20, ' '));
    CHECK(r.status == 413);
    CHECK(ErrorCode(r) == "body_too_large");
  }
  CHECK(live.Healthy());
  CHECK(live.Admin(http::verb::get, kSchoolPath + "/turnout")["ballots"] == 0);
}

TEST_CASE("security: organizer routes refuse missing, wrong and almost-right tokens") {
  LiveServer live;
  live.OpenSchool();
  std::string last_changed = kToken, shorter = kToken.substr(0, kToken.size() - 1);
  last_changed.back() = last_changed.back() == 't' ? 'u' : 't';
  const std::vector<std::optional<std::string>> tokens{
      std::nullopt,
      "",
      "Bearer",
      "Bearer ",
      "Bearer wrong",
      "Bearer " + shorter,
      "Bearer " + kToken + "x",
      "Bearer " + last_changed,
      "Bearer " + kToken + "\t" + kToken,
      "Basic b3JnYW5pemVyLXNlY3JldA==",  // base64 of the token
      "Token " + kToken,
      kToken,
      "Bearer " + server::Sha256Hex(kToken),  // what the server stores
  };
  const std::string pb = "META\nkey;value\nbudget;100\nvote_type;approval\nnum_projects;1\nnum_votes;0\n"
                         "PROJECTS\nproject_id;cost\np;10\nVOTES\nvoter_id;vote\n";
  struct Route {
    http::verb verb;
    std::string target;
    std::string body;
    std::string type = "application/json";
  };
  const std::vector<Route> routes{
      {http::verb::get, "/api/v1/processes", ""},
      {http::verb::post, "/api/v1/processes", std::string(kSchool).replace(std::string(kSchool).find("school"), 6, "evil")},
      {http::verb::post, "/api/v1/processes/import?slug=evil", pb, "text/plain"},
      {http::verb::get, kSchoolPath, ""},
      {http::verb::put, kSchoolPath, kSchool},
      {http::verb::post, kSchoolPath + "/codes", R"({"count": 1, "group": "student"})"},
      {http::verb::get, kSchoolPath + "/codes/1.csv", ""},
      {http::verb::get, kSchoolPath + "/turnout", ""},
      {http::verb::post, kSchoolPath + "/open", ""},
      {http::verb::post, kSchoolPath + "/close", ""},
      {http::verb::post, kSchoolPath + "/publish", ""},
  };
  auto client = live.Client();
  for (const auto& token : tokens) {
    for (const auto& route : routes) {
      CAPTURE(token.value_or("(no Authorization header)"));
      CAPTURE(route.target);
      Headers headers;
      if (token) headers.emplace_back("Authorization", *token);
      auto r = client.Send(route.verb, route.target, route.body, route.type, headers);
      CHECK(r.status == 401);
      CHECK(ErrorCode(r) == "unauthorized");
      CHECK(r.header("WWW-Authenticate") == "Bearer");
      if (!client.connected()) client.Reconnect();
    }
    // Results and bundle are not given out early to a wrong token either.
    Headers headers;
    if (token) headers.emplace_back("Authorization", *token);
    CHECK(client.Send(http::verb::get, kSchoolPath + "/results", "", "", headers).status == 409);
    CHECK(client.Send(http::verb::get, kSchoolPath + "/bundle", "", "", headers).status == 409);
  }
  // Nothing happened: still one open process with its five codes.
  auto list = live.Admin(http::verb::get, "/api/v1/processes");
  REQUIRE(list["processes"].size() == 1);
  CHECK(list["processes"][0]["state"] == "open");
  CHECK(list["processes"][0]["turnout"]["codes"] == 5);
}

TEST_CASE("security: no public answer carries a voter code or a code hash") {
  LiveServer live;
  const auto codes = live.OpenSchool();
  auto client = live.Client();
  std::vector<std::string> receipts;
  for (std::size_t i = 0; i < 3; ++i) {
    auto r = client.Send(http::verb::post, kSchoolPath + "/ballots",
                         json{{"code", codes[i]}, {"ballots", {{"main", {{"projects", {"a"}}}}}}}.dump());
    REQUIRE(r.status == 201);
    receipts.push_back(r.json()["receipt"]);
  }
  // Every form in which a code could leak, for every code (voted or not).
  std::vector<std::string> secrets;
  for (const auto& code : codes) {
    std::string lower = code, bare;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (char ch : code)
      if (ch != '-') bare += ch;
    const std::string normalized = server::NormalizeVoterCode(code);
    for (const auto& s : {code, lower, bare, normalized, server::VoterCodeHash(normalized), server::Sha256Hex(code),
                          server::Sha256Hex(normalized)})
      secrets.push_back(s);
  }
  auto check_clean = [&](const std::string& what, const HttpsClient::Response& r) {
    CAPTURE(what);
    REQUIRE(r.status == 200);
    for (const auto& s : secrets) {
      CAPTURE(s);
      CHECK(r.body.find(s) == std::string::npos);
      CHECK(r.header("Content-Disposition").find(s) == std::string::npos);
    }
  };
  check_clean("board while open", client.Get(kSchoolPath + "/board"));
  check_clean("ballot", client.Get(kSchoolPath + "/ballot"));
  check_clean("organizer turnout", client.Send(http::verb::get, kSchoolPath + "/turnout", "", "", kAdmin));
  check_clean("organizer summary", client.Send(http::verb::get, kSchoolPath, "", "", kAdmin));
  REQUIRE(client.Send(http::verb::post, kSchoolPath + "/close", "", "", kAdmin).status == 200);
  REQUIRE(client.Send(http::verb::post, kSchoolPath + "/publish", "", "", kAdmin).status == 200);
  check_clean("results", client.Get(kSchoolPath + "/results"));
  check_clean("board after the close", client.Get(kSchoolPath + "/board"));
  check_clean("bundle", client.Get(kSchoolPath + "/bundle"));
  check_clean("organizer list", client.Send(http::verb::get, "/api/v1/processes", "", "", kAdmin));
  for (const auto& receipt : receipts) check_clean("receipt lookup", client.Get(kSchoolPath + "/board/receipts/" + receipt));
  // A code is no key to anything public: used as a receipt or a slug it finds nothing.
  CHECK(client.Get(kSchoolPath + "/board/receipts/" + codes[0]).status == 404);
  CHECK(client.Get("/api/v1/processes/" + codes[0] + "/results").status == 404);
}
