// The HTTPS layer over real sockets: a test handler behind an HttpsServer on
// 127.0.0.1, two io threads, a self-signed certificate in a temp dir.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <nlohmann/json.hpp>

#include "../support/https_client.h"
#include "../support/temp_dir.h"
#include "psephos/server/https_server.h"
#include "psephos/server/tls.h"

using namespace psephos;
using namespace std::chrono_literals;
namespace http = boost::beast::http;
using server::HttpLimits;
using test::HttpsClient;
using test::RawTcpConnection;
using test::RawTlsConnection;

namespace {

// Polls `done` for up to `limit`: liveness checks, not timing assertions.
template <class Pred>
bool Eventually(Pred done, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

server::Response Echo(const server::Request& request, const std::string& client) {
  server::Response response{http::status::ok, request.version()};
  response.set(http::field::content_type, "application/json");
  response.body() = nlohmann::json{{"method", std::string(request.method_string())},
                                   {"target", std::string(request.target())},
                                   {"body", request.body()},
                                   {"client", client}}
                        .dump();
  return response;
}

// /later replies from another thread after 50 ms; /gate holds the reply until
// the test releases it; /throw throws; /twice replies twice; /cached sets its
// own Cache-Control; /empty is a 204; anything else echoes at once.
class TestHandler : public server::Handler {
 public:
  void Handle(server::Request request, const std::string& client, server::Reply reply) override {
    const std::string target(request.target());
    if (target == "/later") {
      std::lock_guard lock(mu_);
      threads_.emplace_back([request = std::move(request), client, reply] {
        std::this_thread::sleep_for(50ms);
        reply(Echo(request, client));
      });
      return;
    }
    if (target == "/gate") {
      std::lock_guard lock(mu_);
      gate_ = [request = std::move(request), client, reply] { reply(Echo(request, client)); };
      return;
    }
    if (target == "/throw") throw std::runtime_error("handler failure");
    auto response = Echo(request, client);
    if (target == "/cached") response.set(http::field::cache_control, "max-age=60");
    if (target == "/empty") response.result(http::status::no_content);  // the body must go
    if (target == "/twice") reply(response);
    reply(std::move(response));
  }

  bool gate_waiting() {
    std::lock_guard lock(mu_);
    return static_cast<bool>(gate_);
  }
  void OpenGate() {
    std::function<void()> gate;
    {
      std::lock_guard lock(mu_);
      gate.swap(gate_);
    }
    if (gate) gate();
  }
  void JoinThreads() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
  std::function<void()> gate_;
};

HttpLimits TestLimits() {
  HttpLimits limits;
  limits.max_body_bytes = 64 << 10;
  limits.max_header_bytes = 8 << 10;
  limits.handshake_timeout = 5s;
  limits.read_timeout = 5s;
  limits.write_timeout = 5s;
  limits.idle_timeout = 5s;
  return limits;
}

class TestServer {
 public:
  explicit TestServer(HttpLimits limits = TestLimits()) {
    const std::string cert = dir_.file("tls/cert.pem"), key = dir_.file("tls/key.pem");
    REQUIRE(server::EnsureSelfSignedCertificate(cert, key, "localhost").ok());
    auto tls = server::MakeServerTlsContext(cert, key);
    REQUIRE(tls.ok());
    tls_ = std::move(tls).value();
    server_.emplace(io_, *tls_, handler_, limits);
    REQUIRE(server_->Listen("127.0.0.1", 0).ok());
    REQUIRE(server_->port() != 0);
    server_->Start();
    for (int i = 0; i < 2; ++i) {
      threads_.emplace_back([this] {
        io_.run();
        ++finished_;
      });
    }
  }

  ~TestServer() {
    StopAndWait();
    handler_.JoinThreads();  // before io_ goes: their replies post to it
  }

  // Stops the server and lets the io threads run dry; true if they returned
  // within `limit` (otherwise they are stopped by force).
  bool StopAndWait(std::chrono::milliseconds limit = 5000ms) {
    if (threads_.empty()) return true;
    server_->Stop();
    guard_.reset();
    const bool returned = Eventually([&] { return finished_ == static_cast<int>(threads_.size()); }, limit);
    if (!returned) io_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    return returned;
  }

  std::uint16_t port() const { return server_->port(); }
  server::HttpsServer& server() { return *server_; }
  TestHandler& handler() { return handler_; }
  HttpsClient Client() const { return HttpsClient("127.0.0.1", port()); }

 private:
  test::TempDir dir_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  TestHandler handler_;
  boost::asio::io_context io_;
  // Keeps run() going while a reply is with another thread and no I/O is pending.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_{
      std::in_place, io_.get_executor()};
  std::optional<server::HttpsServer> server_;
  std::vector<std::thread> threads_;
  std::atomic<int> finished_{0};
};

void CheckSecurityHeaders(const HttpsClient::Response& r) {
  CHECK(r.header("Strict-Transport-Security") == "max-age=63072000");
  CHECK(r.header("X-Content-Type-Options") == "nosniff");
  CHECK(r.header("X-Frame-Options") == "DENY");
  CHECK(r.header("Referrer-Policy") == "no-referrer");
  CHECK(r.header("Content-Security-Policy") == "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  CHECK(r.header("Server") == "psephos");
}

std::string ErrorCode(const HttpsClient::Response& r) {
  auto body = r.json();
  if (!body.is_object() || !body.contains("error")) return "";
  return body["error"].value("code", "");
}

}  // namespace

TEST_CASE("https: GET is answered with the security headers") {
  TestServer server;
  auto client = server.Client();
  REQUIRE(client.connected());
  auto r = client.Get("/hello?x=1");
  REQUIRE(r.status == 200);
  auto body = r.json();
  CHECK(body["method"] == "GET");
  CHECK(body["target"] == "/hello?x=1");
  CHECK(body["client"] == "127.0.0.1");
  CheckSecurityHeaders(r);
  CHECK(r.header("Cache-Control") == "no-store");
  CHECK(r.header("Content-Length") == std::to_string(r.body.size()));
  CHECK(r.header("Content-Type") == "application/json");
}

TEST_CASE("https: the handler's own Cache-Control is kept") {
  TestServer server;
  auto client = server.Client();
  auto r = client.Get("/cached");
  REQUIRE(r.status == 200);
  CHECK(r.header("Cache-Control") == "max-age=60");
}

TEST_CASE("https: HEAD gets GET's length and no body") {
  TestServer server;
  auto client = server.Client();
  auto get = client.Get("/same");
  auto head = client.Send(http::verb::head, "/same");
  REQUIRE(head.status == 200);
  CHECK(head.body.empty());
  // The echo differs only in the method name: "GET" vs "HEAD".
  CHECK(head.header("Content-Length") == std::to_string(get.body.size() + 1));
  CHECK(client.connected());
}

TEST_CASE("https: a 204 carries no body and no Content-Length") {
  TestServer server;
  auto client = server.Client();
  auto r = client.Get("/empty");
  REQUIRE(r.status == 204);
  CHECK(r.body.empty());
  CHECK(r.header("Content-Length").empty());
  CHECK(client.Get("/after").status == 200);
}

TEST_CASE("https: keep-alive serves three requests on one connection") {
  TestServer server;
  auto client = server.Client();
  for (int i = 0; i < 3; ++i) {
    auto r = client.Send(http::verb::post, "/n", "{\"i\":" + std::to_string(i) + "}");
    REQUIRE(r.status == 200);
    CHECK(r.json()["body"] == "{\"i\":" + std::to_string(i) + "}");
    CHECK(r.header("Connection") != "close");
    REQUIRE(client.connected());  // Send drops the connection on Connection: close
  }
  CHECK(server.server().open_connections() == 1);
}

TEST_CASE("https: a body over the limit gets 413 body_too_large") {
  TestServer server;
  auto client = server.Client();
  auto r = client.Send(http::verb::post, "/upload", std::string(256 << 10, 'x'));
  REQUIRE(r.status == 413);
  CHECK(ErrorCode(r) == "body_too_large");
  CHECK(r.header("Content-Type") == "application/json");
  CHECK(r.header("Connection") == "close");
  CheckSecurityHeaders(r);
  CHECK_FALSE(client.connected());
  // A body just under the limit is fine.
  REQUIRE(client.Reconnect());
  CHECK(client.Send(http::verb::post, "/upload", std::string(60 << 10, 'x')).status == 200);
  // Megabytes the server never reads do not reset the connection under the answer.
  auto huge = client.Send(http::verb::post, "/upload", std::string(8 << 20, 'x'));
  CHECK(huge.status == 413);
  CHECK(ErrorCode(huge) == "body_too_large");
}

TEST_CASE("https: a chunked body over the limit gets 413") {
  TestServer server;
  auto ctx = test::InsecureClientContext();
  RawTlsConnection raw("127.0.0.1", server.port(), ctx);
  REQUIRE(raw.ok());
  std::string request = "POST /up HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 80; ++i) request += "400\r\n" + std::string(0x400, 'y') + "\r\n";  // 80 KiB
  request += "0\r\n\r\n";
  REQUIRE(raw.Write(request));
  auto reply = raw.ReadUntilClosed();
  CHECK(reply.closed);
  CHECK(reply.data.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0) == 0);
  CHECK(reply.data.find("\"body_too_large\"") != std::string::npos);
}

TEST_CASE("https: headers over the limit get 431 headers_too_large") {
  TestServer server;
  auto client = server.Client();
  auto r = client.Send(http::verb::get, "/", "", "application/json", {{"X-Big", std::string(20 << 10, 'h')}});
  REQUIRE(r.status == 431);
  CHECK(ErrorCode(r) == "headers_too_large");
  CHECK(r.header("Connection") == "close");
}

TEST_CASE("https: a malformed request line gets 400 bad_request and a close") {
  TestServer server;
  auto ctx = test::InsecureClientContext();
  RawTlsConnection raw("127.0.0.1", server.port(), ctx);
  REQUIRE(raw.ok());
  REQUIRE(raw.Write("this is not http\r\n\r\n"));
  auto reply = raw.ReadUntilClosed();
  CHECK(reply.closed);
  CHECK(reply.data.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(reply.data.find("\"bad_request\"") != std::string::npos);
  CHECK(reply.data.find("Connection: close") != std::string::npos);
}

TEST_CASE("https: slowloris is cut after read_timeout") {
  auto limits = TestLimits();
  limits.read_timeout = 1s;
  limits.idle_timeout = 30s;
  TestServer server(limits);
  auto ctx = test::InsecureClientContext();

  SUBCASE("a partial header line, then silence") {
    RawTlsConnection raw("127.0.0.1", server.port(), ctx);
    REQUIRE(raw.ok());
    REQUIRE(raw.Write("GET / HTTP/1.1\r\nHost: loc"));
    auto reply = raw.ReadUntilClosed(10s);
    CHECK(reply.closed);
    CHECK(reply.elapsed < 3s);
  }
  SUBCASE("a byte every 200 ms does not extend the deadline") {
    RawTlsConnection raw("127.0.0.1", server.port(), ctx);
    REQUIRE(raw.ok());
    const auto start = std::chrono::steady_clock::now();
    bool cut = false;
    for (int i = 0; i < 50 && !cut; ++i) {  // 10 s of trickling at most
      cut = !raw.Write(i == 0 ? "GET / HTTP/1.1\r\nX: " : "a");
      std::this_thread::sleep_for(200ms);
    }
    CHECK(cut);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
  }
}

TEST_CASE("https: a connection that never starts TLS is dropped after handshake_timeout") {
  auto limits = TestLimits();
  limits.handshake_timeout = 1s;
  TestServer server(limits);
  RawTcpConnection raw("127.0.0.1", server.port());
  REQUIRE(raw.ok());
  auto reply = raw.ReadUntilClosed(10s);
  CHECK(reply.closed);
  CHECK(reply.elapsed < 3s);
}

TEST_CASE("https: an idle keep-alive connection is closed after idle_timeout") {
  auto limits = TestLimits();
  limits.idle_timeout = 1s;
  TestServer server(limits);
  auto ctx = test::InsecureClientContext();
  RawTlsConnection raw("127.0.0.1", server.port(), ctx);
  REQUIRE(raw.ok());
  REQUIRE(raw.Write("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  auto reply = raw.ReadUntilClosed(10s);
  CHECK(reply.data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(reply.closed);
  CHECK(reply.elapsed < 3s);
  CHECK(Eventually([&] { return server.server().open_connections() == 0; }));
}

TEST_CASE("https: TLS 1.1 is refused, TLS 1.2 and 1.3 are accepted") {
  TestServer server;
  SUBCASE("TLS 1.1") {
    // Let the client offer TLS 1.1 at all: OpenSSL 3 disables it at the default security level.
    auto ctx = test::InsecureClientContext(boost::asio::ssl::context::tlsv11_client);
    SSL_CTX_set_security_level(ctx.native_handle(), 0);
    SSL_CTX_set_cipher_list(ctx.native_handle(), "DEFAULT:@SECLEVEL=0");
    RawTlsConnection raw("127.0.0.1", server.port(), ctx);
    CHECK_FALSE(raw.ok());
  }
  SUBCASE("TLS 1.2 negotiates ECDHE with an AEAD cipher") {
    auto ctx = test::InsecureClientContext(boost::asio::ssl::context::tlsv12_client);
    RawTlsConnection raw("127.0.0.1", server.port(), ctx);
    REQUIRE(raw.ok());
    SSL* ssl = raw.stream().native_handle();
    CHECK(std::string(SSL_get_version(ssl)) == "TLSv1.2");
    CHECK(std::string(SSL_get_cipher_name(ssl)).rfind("ECDHE-ECDSA-", 0) == 0);
  }
  SUBCASE("TLS 1.2 without forward secrecy is refused") {
    auto ctx = test::InsecureClientContext(boost::asio::ssl::context::tlsv12_client);
    SSL_CTX_set_cipher_list(ctx.native_handle(), "AES128-GCM-SHA256:AES256-SHA");
    RawTlsConnection raw("127.0.0.1", server.port(), ctx);
    CHECK_FALSE(raw.ok());
  }
  SUBCASE("TLS 1.3") {
    auto ctx = test::InsecureClientContext();
    RawTlsConnection raw("127.0.0.1", server.port(), ctx);
    REQUIRE(raw.ok());
    CHECK(std::string(SSL_get_version(raw.stream().native_handle())) == "TLSv1.3");
  }
}

TEST_CASE("https: a reply from another thread reaches the client") {
  TestServer server;
  auto client = server.Client();
  for (int i = 0; i < 3; ++i) {
    auto r = client.Send(http::verb::post, "/later", "late");
    REQUIRE(r.status == 200);
    CHECK(r.json()["body"] == "late");
    CheckSecurityHeaders(r);
  }
  CHECK(client.connected());
}

TEST_CASE("https: a throwing handler gets 500, a second reply is ignored") {
  TestServer server;
  auto client = server.Client();
  auto r = client.Get("/throw");
  CHECK(r.status == 500);
  CHECK(ErrorCode(r) == "internal_error");
  REQUIRE(client.connected());
  CHECK(client.Get("/twice").status == 200);
  // Had the second reply been written, it would be read as this answer.
  auto next = client.Get("/next");
  REQUIRE(next.status == 200);
  CHECK(next.json()["target"] == "/next");
}

TEST_CASE("https: connections beyond max_connections are refused") {
  auto limits = TestLimits();
  limits.max_connections = 1;
  TestServer server(limits);
  std::optional<HttpsClient> first;
  first.emplace("127.0.0.1", server.port());
  REQUIRE(first->connected());
  REQUIRE(Eventually([&] { return server.server().open_connections() == 1; }));
  auto ctx = test::InsecureClientContext();
  RawTlsConnection second("127.0.0.1", server.port(), ctx);
  CHECK_FALSE(second.ok());
  CHECK(first->Get("/still").status == 200);
  first.reset();
  REQUIRE(Eventually([&] { return server.server().open_connections() == 0; }));
  auto third = server.Client();
  CHECK(third.Get("/now").status == 200);
}

TEST_CASE("attack: connections beyond max_connections_per_address are refused, other addresses are served") {
  auto limits = TestLimits();
  limits.max_connections_per_address = 3;
  TestServer server(limits);
  auto ctx = test::InsecureClientContext();
  // One address holds three idle connections, as slowloris would pile them up.
  std::vector<std::unique_ptr<RawTlsConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawTlsConnection>("127.0.0.1", server.port(), ctx, "127.0.0.2"));
    REQUIRE(held.back()->ok());
  }
  REQUIRE(Eventually([&] { return server.server().open_connections() == 3; }));
  RawTlsConnection fourth("127.0.0.1", server.port(), ctx, "127.0.0.2");
  CHECK_FALSE(fourth.ok());  // closed before the handshake
  // Another address (a voter elsewhere) is served as usual.
  RawTlsConnection other("127.0.0.1", server.port(), ctx, "127.0.0.3");
  REQUIRE(other.ok());
  REQUIRE(other.Write("GET /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  CHECK(other.ReadUntilClosed().data.starts_with("HTTP/1.1 200"));
  // Once one of its connections ends, the first address gets a place again.
  held.pop_back();
  REQUIRE(Eventually([&] { return server.server().open_connections() == 2; }));
  RawTlsConnection again("127.0.0.1", server.port(), ctx, "127.0.0.2");
  CHECK(again.ok());
}

TEST_CASE("https: Stop finishes the request in hand, closes idle connections and stops accepting") {
  TestServer server;
  auto idle = server.Client();
  REQUIRE(idle.Get("/").status == 200);
  std::optional<HttpsClient::Response> held;
  std::thread holder([&, port = server.port()] {
    HttpsClient client("127.0.0.1", port);
    held = client.Get("/gate");
  });
  REQUIRE(Eventually([&] { return server.handler().gate_waiting(); }));
  REQUIRE(server.server().open_connections() == 2);

  server.server().Stop();
  RawTcpConnection refused("127.0.0.1", server.port());
  CHECK_FALSE(refused.ok());
  // The idle connection goes; the one with a request in hand stays for its answer.
  CHECK(Eventually([&] { return server.server().open_connections() == 1; }));
  CHECK(idle.Get("/").status == 0);

  server.handler().OpenGate();
  holder.join();
  REQUIRE(held.has_value());
  CHECK(held->status == 200);
  CHECK(held->header("Connection") == "close");
  CHECK(Eventually([&] { return server.server().open_connections() == 0; }));
  CHECK(server.StopAndWait());
}

TEST_CASE("https: Listen reports a port in use and an unknown host") {
  TestServer server;
  boost::asio::io_context io;
  auto ctx = test::InsecureClientContext();  // any context will do; nothing connects
  TestHandler handler;
  server::HttpsServer second(io, ctx, handler);
  auto status = second.Listen("127.0.0.1", server.port());
  REQUIRE_FALSE(status.ok());
  CHECK(status.message() ==
        "cannot listen on 127.0.0.1:" + std::to_string(server.port()) + ": Address already in use");
  CHECK_FALSE(second.Listen("no-such-host.invalid", 0).ok());
  // Host names resolve; port 0 picks a free port.
  server::HttpsServer third(io, ctx, handler);
  REQUIRE(third.Listen("localhost", 0).ok());
  CHECK(third.port() != 0);
}

// The PROXY protocol v2 (HAProxy's send-proxy-v2) from a trusted load balancer.
namespace {

// A v2 header: PROXY (or LOCAL) over TCP from `source` (IPv4 or IPv6), to port 443.
std::string ProxyHeader(const std::string& source, bool local = false) {
  const auto address = boost::asio::ip::make_address(source);
  std::string body;
  if (address.is_v4()) {
    const auto src = address.to_v4().to_bytes(), dst = boost::asio::ip::make_address_v4("127.0.0.1").to_bytes();
    body.append(src.begin(), src.end()).append(dst.begin(), dst.end());
  } else {
    const auto src = address.to_v6().to_bytes(), dst = boost::asio::ip::make_address_v6("::1").to_bytes();
    body.append(src.begin(), src.end()).append(dst.begin(), dst.end());
  }
  body.append("\x15\xb3\x01\xbb", 4);  // ports 5555 and 443
  std::string header("\r\n\r\n\0\r\nQUIT\n", 12);
  header += static_cast<char>(local ? 0x20 : 0x21);
  header += static_cast<char>(address.is_v4() ? 0x11 : 0x21);
  header += static_cast<char>(body.size() >> 8);
  header += static_cast<char>(body.size() & 0xFF);
  return header + body;
}

// A connection from `from` that sends `prefix` before TLS; Who() asks the
// handler which client address it was given ("" once the server closed it).
class ProxiedConnection {
 public:
  ProxiedConnection(std::uint16_t port, const std::string& from, const std::string& prefix) : stream_(io_, ctx_) {
    auto& tcp = boost::beast::get_lowest_layer(stream_);
    if (!test::ConnectTcp(io_, tcp, "127.0.0.1", port, from)) return;
    boost::beast::error_code ec;
    if (!prefix.empty()) boost::asio::write(tcp.socket(), boost::asio::buffer(prefix), ec);
    SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
    tcp.expires_after(test::kClientTimeout);
    test::RunIo(io_, [&] { stream_.async_handshake(boost::asio::ssl::stream_base::client, [&](auto e) { ec = e; }); });
    open_ = !ec;
  }

  std::string Who() {
    if (!open_) return "";
    http::request<http::empty_body> request{http::verb::get, "/who", 11};
    request.set(http::field::host, "localhost");
    http::response<http::string_body> response;
    boost::beast::error_code ec;
    boost::beast::get_lowest_layer(stream_).expires_after(test::kClientTimeout);
    test::RunIo(io_, [&] {
      http::async_write(stream_, request, [&](auto e, std::size_t) {
        if (e) ec = e;
      });
      http::async_read(stream_, buffer_, response, [&](auto e, std::size_t) {
        if (e) ec = e;
      });
    });
    if (ec) return "";
    return nlohmann::json::parse(response.body()).value("client", "");
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ssl::context ctx_ = test::InsecureClientContext();
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  bool open_ = false;
};

}  // namespace

TEST_CASE("https: a PROXY v2 header from a trusted load balancer names the client, for every per-address limit") {
  auto limits = TestLimits();
  limits.proxy_addresses = {"127.0.0.2"};
  limits.max_connections_per_address = 1;
  TestServer server(limits);
  const auto port = server.port();
  // (Addresses below are not reused: a closed connection is released by the server a moment later.)
  CHECK(ProxiedConnection(port, "127.0.0.2", ProxyHeader("203.0.113.9")).Who() == "203.0.113.9");
  CHECK(ProxiedConnection(port, "127.0.0.2", ProxyHeader("2001:db8::7")).Who() == "2001:db8::7");
  // Its health checks (LOCAL) and its direct connections (TLS at once) are its own.
  CHECK(ProxiedConnection(port, "127.0.0.2", ProxyHeader("203.0.113.10", /*local=*/true)).Who() == "127.0.0.2");
  CHECK(ProxiedConnection(port, "127.0.0.2", "").Who() == "127.0.0.2");
  // The balancer's own address has no per-address limit: all voters come from it.
  ProxiedConnection check(port, "127.0.0.2", ""), check_too(port, "127.0.0.2", "");
  CHECK(check.Who() == "127.0.0.2");
  CHECK(check_too.Who() == "127.0.0.2");
  // One connection per address: two voters behind the balancer are served at once, a
  // voter's second is refused; the first still works.
  ProxiedConnection first(port, "127.0.0.2", ProxyHeader("203.0.113.7"));
  ProxiedConnection other(port, "127.0.0.2", ProxyHeader("203.0.113.8"));
  ProxiedConnection again(port, "127.0.0.2", ProxyHeader("203.0.113.7"));
  CHECK(other.Who() == "203.0.113.8");
  CHECK(again.Who() == "");
  CHECK(first.Who() == "203.0.113.7");
}

TEST_CASE("attack: PROXY headers from an untrusted address, and malformed ones, are refused without harm") {
  auto limits = TestLimits();
  limits.proxy_addresses = {"127.0.0.2"};
  limits.handshake_timeout = 1s;  // the header cut short waits this long
  TestServer server(limits);
  const auto port = server.port();
  // Anyone else claiming another address: not read, the TLS handshake fails.
  CHECK(ProxiedConnection(port, "127.0.0.3", ProxyHeader("203.0.113.7")).Who() == "");
  CHECK(ProxiedConnection(port, "127.0.0.3", "").Who() == "127.0.0.3");
  // From the balancer: a wrong signature, version 1's text form, an unknown command,
  // a length past the limit, a header cut short (then silence until the handshake timeout).
  std::string bad_signature = ProxyHeader("203.0.113.7"), bad_command = bad_signature, too_long = bad_signature;
  bad_signature[5] = 'X';
  bad_command[12] = 0x22;
  too_long[14] = 0x10;
  for (const std::string& header : {bad_signature, std::string("\r\nPROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n"),
                                    bad_command, too_long, ProxyHeader("203.0.113.7").substr(0, 20)}) {
    CHECK(ProxiedConnection(port, "127.0.0.2", header).Who() == "");
  }
  CHECK(ProxiedConnection(port, "127.0.0.2", ProxyHeader("203.0.113.9")).Who() == "203.0.113.9");
  CHECK(Eventually([&] { return server.server().open_connections() == 0; }));
}
