// Synchronous HTTPS clients for server tests. Every operation runs
// asynchronously under a beast::tcp_stream deadline (timeouts only apply to
// async operations), so a misbehaving server fails a test instead of hanging it.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

namespace psephos::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

inline constexpr std::chrono::seconds kClientTimeout{10};

// A client context that trusts anything (tests use self-signed certificates).
inline ssl::context InsecureClientContext(ssl::context::method method = ssl::context::tls_client) {
  ssl::context context(method);
  context.set_verify_mode(ssl::verify_none);
  return context;
}

// Runs the async operations started by `start` to completion on `io`.
template <class Start>
void RunIo(net::io_context& io, Start&& start) {
  start();
  io.restart();
  io.run();
}

// Opens a TCP connection with a deadline; false if refused or timed out.
// `source`: the local IPv4 address to connect from (any 127.x.y.z works on loopback).
inline bool ConnectTcp(net::io_context& io, beast::tcp_stream& stream, const std::string& host,
                       std::uint16_t port, const std::string& source = "") {
  beast::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return false;
  if (!source.empty()) {
    stream.socket().open(tcp::v4(), ec);
    if (!ec) stream.socket().bind(tcp::endpoint(net::ip::make_address_v4(source), 0), ec);
    if (ec) return false;
    const tcp::endpoint target = *endpoints.begin();
    stream.expires_after(kClientTimeout);
    RunIo(io, [&] { stream.async_connect(target, [&](beast::error_code e) { ec = e; }); });
    return !ec;
  }
  stream.expires_after(kClientTimeout);
  RunIo(io, [&] { stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; }); });
  return !ec;
}

// Connects and completes a TLS handshake with SNI "localhost"; the error if it fails.
inline beast::error_code ConnectTls(net::io_context& io, beast::ssl_stream<beast::tcp_stream>& stream,
                                    const std::string& host, std::uint16_t port, const std::string& source = "") {
  if (!ConnectTcp(io, beast::get_lowest_layer(stream), host, port, source)) return net::error::connection_refused;
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(kClientTimeout);
  RunIo(io, [&] { stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; }); });
  return ec;
}

// A keep-alive HTTPS connection that sends one request at a time.
class HttpsClient {
 public:
  struct Response {
    int status = 0;  // 0 when the exchange failed; `error` says why
    std::string body;
    http::fields headers;
    std::string error;

    std::string header(std::string_view name) const {
      auto it = headers.find(name);
      return it == headers.end() ? std::string() : std::string(it->value());
    }
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  };

  HttpsClient(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) { Reconnect(); }

  bool connected() const { return stream_.has_value(); }

  // Drops the connection, if any, and opens a new one.
  bool Reconnect() {
    stream_.reset();
    buffer_.clear();
    stream_.emplace(io_, context_);
    if (ConnectTls(io_, *stream_, host_, port_)) stream_.reset();
    return connected();
  }

  Response Send(http::verb method, const std::string& target, const std::string& body = "",
                const std::string& content_type = "application/json",
                const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    Response out;
    if (!stream_) {
      out.error = "not connected";
      return out;
    }
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "localhost");
    request.set(http::field::user_agent, "psephos-test");
    if (!body.empty()) request.set(http::field::content_type, content_type);
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();

    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{64} << 20);
    parser.header_limit(1u << 20);
    if (method == http::verb::head) parser.skip(true);
    // Read while writing: a server that answers early (413) and stops
    // reading must not leave us stuck in the write.
    beast::error_code write_ec, read_ec;
    beast::get_lowest_layer(*stream_).expires_after(kClientTimeout);
    RunIo(io_, [&] {
      http::async_write(*stream_, request, [&](beast::error_code e, std::size_t) { write_ec = e; });
      http::async_read(*stream_, buffer_, parser, [&](beast::error_code e, std::size_t) { read_ec = e; });
    });
    if (read_ec) {
      out.error = (write_ec ? write_ec : read_ec).message();
      stream_.reset();
      return out;
    }
    auto response = parser.release();
    out.status = static_cast<int>(response.result_int());
    out.body = std::move(response.body());
    for (const auto& field : response) out.headers.insert(field.name_string(), field.value());
    if (!response.keep_alive()) stream_.reset();
    return out;
  }

  Response Get(const std::string& target) { return Send(http::verb::get, target); }

 private:
  std::string host_;
  std::uint16_t port_;
  net::io_context io_;
  ssl::context context_ = InsecureClientContext();
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
};

// What arrived on a raw connection before the server closed it (or gave up).
struct RawReply {
  std::string data;
  bool closed = false;  // the server closed; false: still open at the deadline
  std::chrono::steady_clock::duration elapsed{};
};

// A connection that sends arbitrary bytes, over TLS or plain TCP: for
// malformed, oversized and slow requests.
template <class Stream>
class RawConnection {
 public:
  // TLS: `context` decides the protocol versions offered.
  RawConnection(const std::string& host, std::uint16_t port, ssl::context& context, const std::string& source = "")
    requires std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>
      : stream_(io_, context) {
    error_ = ConnectTls(io_, stream_, host, port, source);
  }
  RawConnection(const std::string& host, std::uint16_t port)
    requires std::is_same_v<Stream, beast::tcp_stream>
      : stream_(io_) {
    if (!ConnectTcp(io_, stream_, host, port)) error_ = net::error::connection_refused;
  }

  bool ok() const { return !error_; }
  const beast::error_code& error() const { return error_; }
  Stream& stream() { return stream_; }

  bool Write(std::string_view bytes) {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).expires_after(kClientTimeout);
    RunIo(io_, [&] {
      net::async_write(stream_, net::buffer(bytes.data(), bytes.size()),
                       [&](beast::error_code e, std::size_t) { ec = e; });
    });
    return !ec;
  }

  // Reads until the server closes the connection or `limit` passes.
  RawReply ReadUntilClosed(std::chrono::seconds limit = kClientTimeout) {
    RawReply reply;
    const auto start = std::chrono::steady_clock::now();
    beast::get_lowest_layer(stream_).expires_after(limit);
    char chunk[4096];
    beast::error_code ec;
    while (!ec) {
      std::size_t n = 0;
      RunIo(io_, [&] {
        stream_.async_read_some(net::buffer(chunk), [&](beast::error_code e, std::size_t got) {
          ec = e;
          n = got;
        });
      });
      reply.data.append(chunk, n);
    }
    reply.elapsed = std::chrono::steady_clock::now() - start;
    reply.closed = ec != beast::error::timeout;
    return reply;
  }

 private:
  net::io_context io_;
  Stream stream_;
  beast::error_code error_;
};

using RawTlsConnection = RawConnection<beast::ssl_stream<beast::tcp_stream>>;
using RawTcpConnection = RawConnection<beast::tcp_stream>;

}  // namespace psephos::test
