// HTTPS connections in the manner of Beast's async SSL server examples: one
// Session per connection, all of its work on one strand, a chain of
// do_x/on_x steps, and the stream's timer bounding every step.

#include "psephos/server/https_server.h"

#include "psephos/server/compression.h"
#include "psephos/server/crash_log.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

namespace psephos::server {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// After an error response the client may still be sending the rest of its
// request; reading it for a while before closing keeps the kernel from
// answering with a reset that would destroy our response in flight.
constexpr std::chrono::seconds kMaxLinger{5};
constexpr std::size_t kReadChunk = 16 << 10;
// Waiting between keep-alive requests only needs the first bytes of the next
// one; a small buffer keeps idle connections cheap (Asio's TLS stream already
// holds 34 KB of record buffers each).
constexpr std::size_t kIdleReadChunk = 1 << 10;
// Accept failures such as "too many open files": pause instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetry{100};

class Session;

// What the listener shares with its connections. Sessions hold it by
// shared_ptr, so it outlives an HttpsServer destroyed before its connections.
struct ServerState {
  ServerState(Handler& h, const HttpLimits& l) : handler(h), limits(l) {}

  Handler& handler;
  const HttpLimits limits;
  std::atomic<std::size_t> open{0};
  std::atomic<bool> stopping{false};
  std::mutex mu;  // guards `sessions`, `per_address` and the listener's acceptor and timer
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;
  std::unordered_map<std::string, std::size_t> per_address;  // open connections by client address

  // Counts a new connection from `address`, unless that address or the
  // server as a whole is at its limit. A trusted proxy's own address has no
  // per-address limit: every voter arrives from it before its header names them.
  bool Admit(const std::string& address, bool proxy) {
    std::lock_guard lock(mu);
    if (open.load() >= limits.max_connections) return false;
    std::size_t& n = per_address[address];
    if (!proxy && n >= limits.max_connections_per_address) return false;
    ++n;
    open.fetch_add(1);
    return true;
  }
  // Counts an admitted connection under another address (the voter a proxy
  // names), unless that address is at its limit.
  bool Move(const std::string& from, const std::string& to) {
    std::lock_guard lock(mu);
    auto target = per_address.try_emplace(to, 0).first;
    if (target->second >= limits.max_connections_per_address) return false;
    ++target->second;
    if (auto it = per_address.find(from); it != per_address.end() && --it->second == 0) per_address.erase(it);
    return true;
  }
  void Release(const std::string& address) {
    std::lock_guard lock(mu);
    if (auto it = per_address.find(address); it != per_address.end() && --it->second == 0) per_address.erase(it);
    open.fetch_sub(1);
  }
};

Response ErrorResponse(http::status status, std::string_view code, std::string_view message) {
  Response res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  return res;
}

// A v4-mapped IPv6 peer (dual-stack listener) is reported as plain IPv4.
std::string ClientAddress(const net::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

// The PROXY protocol, version 2 (HAProxy's send-proxy-v2): a 16-byte header
// (signature, version and command, address family, length of what follows),
// then the addresses (and TLVs, ignored). Only from a --proxy-protocol-from address.
constexpr std::array<unsigned char, 12> kProxySignature{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                        0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::size_t kProxyHeader = 16;
constexpr std::size_t kProxyMaxBody = 512;  // addresses (at most 216 bytes) and TLVs

// The client address a PROXY v2 header names: "" for LOCAL (the proxy's own
// health check) or an unspecified family, nullopt if the header is invalid.
std::optional<std::string> ProxySource(const unsigned char* header, const unsigned char* body, std::size_t length) {
  if (!std::equal(kProxySignature.begin(), kProxySignature.end(), header)) return std::nullopt;
  const unsigned version = header[12] >> 4, command = header[12] & 0x0F, family = header[13];
  if (version != 2 || command > 1) return std::nullopt;
  if (command == 0) return std::string();  // LOCAL
  if (family == 0x11 && length >= 12) {     // TCP over IPv4: source, destination, ports
    net::ip::address_v4::bytes_type bytes;
    std::copy(body, body + 4, bytes.begin());
    return net::ip::make_address_v4(bytes).to_string();
  }
  if (family == 0x21 && length >= 36) {  // TCP over IPv6
    net::ip::address_v6::bytes_type bytes;
    std::copy(body, body + 16, bytes.begin());
    return ClientAddress(net::ip::make_address_v6(bytes));
  }
  return std::string();  // UNSPEC and others: the proxy's own address stands
}

// Parse errors that mean the client sent something that is not HTTP/1.1, as
// opposed to end of stream or our own limits.
bool IsBadRequest(const beast::error_code& ec) {
  if (ec.category() != http::make_error_code(http::error::bad_method).category()) return false;
  return ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::need_more && ec != http::error::buffer_overflow &&
         ec != http::error::stale_parser && ec != http::error::short_read &&
         ec != http::error::body_limit && ec != http::error::header_limit && ec != http::error::bad_alloc;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `client` was admitted by ServerState::Admit; the session releases it.
  // `proxied`: the peer is a trusted proxy, whose connection may begin with a PROXY v2 header.
  Session(tcp::socket&& socket, ssl::context& tls, std::shared_ptr<ServerState> state, std::string client,
          bool proxied = false)
      : stream_(std::move(socket), tls), state_(std::move(state)), client_(std::move(client)), proxied_(proxied) {}

  ~Session() {
    {
      std::lock_guard lock(state_->mu);
      state_->sessions.erase(this);
    }
    state_->Release(client_);
  }

  // Registers with the server, unless it is stopping (then the socket closes
  // with the session), and starts the handshake on the session's strand.
  void Run() {
    {
      std::lock_guard lock(state_->mu);
      if (state_->stopping) return;
      state_->sessions.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(
                                              proxied_ ? &Session::DoProxyWait : &Session::DoHandshake,
                                              shared_from_this()));
  }

  // From Stop(), on any thread. A connection waiting for a request is cut at
  // once; a request with the handler is answered (Connection: close) first.
  void Interrupt() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ == Phase::kHandshake || self->phase_ == Phase::kReading ||
          self->phase_ == Phase::kLingering)
        self->Lowest().cancel();
    });
  }

 private:
  enum class Phase { kHandshake, kReading, kHandling, kWriting, kClosing, kLingering };

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }
  const HttpLimits& limits() const { return state_->limits; }

  // From a trusted proxy: a first byte of 0x0D starts a PROXY v2 header (a
  // TLS ClientHello starts with 0x16, so a direct connection goes on as usual).
  void DoProxyWait() {
    if (state_->stopping) return Abort();
    phase_ = Phase::kHandshake;
    // A bare wait is not bounded by the stream's timer: this one is.
    proxy_timer_.emplace(stream_.get_executor());
    proxy_timer_->expires_after(limits().handshake_timeout);
    proxy_timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Lowest().socket().cancel();
    });
    Lowest().socket().async_wait(tcp::socket::wait_read,
                                 beast::bind_front_handler(&Session::OnProxyWait, shared_from_this()));
  }

  void OnProxyWait(beast::error_code ec) {
    proxy_timer_->cancel();
    if (ec) return Abort();
    Lowest().expires_after(limits().handshake_timeout);
    unsigned char first = 0;
    Lowest().socket().receive(net::buffer(&first, 1), tcp::socket::message_peek, ec);
    if (ec) return Abort();
    if (first != kProxySignature[0]) return DoHandshake();
    net::async_read(Lowest(), net::buffer(proxy_.data(), kProxyHeader),
                    beast::bind_front_handler(&Session::OnProxyHeader, shared_from_this()));
  }

  void OnProxyHeader(beast::error_code ec, std::size_t) {
    const std::size_t length = (std::size_t{proxy_[14]} << 8) | proxy_[15];
    if (ec || length > kProxyMaxBody) return Abort();
    net::async_read(Lowest(), net::buffer(proxy_.data() + kProxyHeader, length),
                    beast::bind_front_handler(&Session::OnProxyAddresses, shared_from_this()));
  }

  // Counted from now on under the voter's address, not the proxy's.
  void OnProxyAddresses(beast::error_code ec, std::size_t length) {
    if (ec) return Abort();
    const auto source = ProxySource(proxy_.data(), proxy_.data() + kProxyHeader, length);
    if (!source) return Abort();
    if (!source->empty() && *source != client_) {
      if (!state_->Move(client_, *source)) return Abort();  // that voter's address is at its limit
      client_ = *source;
    }
    DoHandshake();
  }

  void DoHandshake() {
    if (state_->stopping) return Abort();
    phase_ = Phase::kHandshake;
    Lowest().expires_after(limits().handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) return Abort();
    // A new connection gets read_timeout, not idle_timeout, for its first request.
    DoReadRequest();
  }

  // Between keep-alive requests: wait up to idle_timeout for the first bytes
  // of the next one, then give the whole request read_timeout.
  void DoWaitIdle() {
    if (state_->stopping) return Close(false);
    if (buffer_.size() > 0) return DoReadRequest();  // pipelined bytes already here
    buffer_.shrink_to_fit();  // a large body's buffer is not kept while idle
    phase_ = Phase::kReading;
    Lowest().expires_after(limits().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kIdleReadChunk),
                            beast::bind_front_handler(&Session::OnIdleData, shared_from_this()));
  }

  void OnIdleData(beast::error_code ec, std::size_t bytes) {
    if (ec == net::error::operation_aborted) return Close(false);  // Stop()
    if (ec) return Abort();  // the client left, or idle_timeout
    buffer_.commit(bytes);
    DoReadRequest();
  }

  void DoReadRequest() {
    if (state_->stopping) return Close(false);
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->body_limit(static_cast<std::uint64_t>(limits().max_body_bytes));
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(limits().max_header_bytes, UINT32_MAX)));
    // One deadline for headers and body: trickling bytes does not extend it.
    Lowest().expires_after(limits().read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit)
      return SendError(http::status::payload_too_large, "body_too_large",
                       "request body exceeds " + std::to_string(limits().max_body_bytes) + " bytes");
    if (ec == http::error::header_limit)
      return SendError(http::status::request_header_fields_too_large, "headers_too_large",
                       "request headers exceed " + std::to_string(limits().max_header_bytes) + " bytes");
    if (IsBadRequest(ec)) return SendError(http::status::bad_request, "bad_request", "malformed HTTP request");
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted) return Close(false);
    if (ec) return Abort();  // read_timeout, a truncated message, a TLS error

    Request request = parser_->release();
    parser_.reset();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    head_ = request.method() == http::verb::head;
    compression_ = CompressionContextOf(request);
    phase_ = Phase::kHandling;
    Lowest().expires_never();  // the handler's time is its own; no I/O is pending

    // The reply may come from any thread: hop onto the strand. A second call
    // finds the session past kHandling and is dropped there.
    Reply reply = [self = shared_from_this()](Response response) {
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->OnReply(std::move(response));
      });
    };
    try {
      const CrashLogScope crash_scope(request.method_string(), request.target());
      state_->handler.Handle(std::move(request), client_, reply);
    } catch (const std::exception&) {
      // Posted like any reply, so one the handler sent before throwing wins.
      reply(ErrorResponse(http::status::internal_server_error, "internal_error", "internal server error"));
    }
  }

  void OnReply(Response response) {
    if (phase_ != Phase::kHandling) return;
    MaybeCompress(compression_, response);
    Finish(response, keep_alive_ && !state_->stopping);
    DoWrite(std::move(response), false);
  }

  // Error responses end the connection: the rest of the request is unread.
  void SendError(http::status status, std::string_view code, const std::string& message) {
    keep_alive_ = false;
    version_ = 11;
    head_ = false;
    Response response = ErrorResponse(status, code, message);
    Finish(response, false);
    DoWrite(std::move(response), true);
  }

  void Finish(Response& res, bool keep_alive) const {
    res.version(version_);
    res.set(http::field::server, "psephos");
    AddSecurityHeaders(res);
    const unsigned code = res.result_int();
    const bool bodiless = code / 100 == 1 || code == 204 || code == 304;
    if (bodiless) res.body().clear();  // prepare_payload() throws otherwise
    const std::size_t length = res.body().size();
    if (head_) res.body().clear();
    res.prepare_payload();
    if (bodiless) res.erase(http::field::content_length);  // RFC 9110 8.6: none on 1xx/204
    else if (head_) res.content_length(length);  // what GET would send
    res.keep_alive(keep_alive);
  }

  void DoWrite(Response response, bool linger) {
    phase_ = Phase::kWriting;
    linger_ = linger;
    response_ = std::move(response);
    Lowest().expires_after(limits().write_timeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    if (ec) return Abort();
    const bool keep_alive = response_->keep_alive();
    response_.reset();
    if (!keep_alive || state_->stopping) return Close(linger_);
    DoWaitIdle();
  }

  // Sends close_notify without waiting for the peer's (as nginx does): the
  // TLS RFCs allow it, and a silent client cannot hold the connection open.
  void Close(bool linger) {
    phase_ = Phase::kClosing;
    linger_ = linger;
    SSL* ssl = stream_.native_handle();
    SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
    Lowest().expires_after(limits().write_timeout);
    stream_.async_shutdown(beast::bind_front_handler(&Session::OnShutdown, shared_from_this()));
  }

  void OnShutdown(beast::error_code ec) {
    if (ec || !linger_) return Abort();
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().expires_after(std::min<std::chrono::seconds>(limits().read_timeout, kMaxLinger));
    phase_ = Phase::kLingering;
    DoDrain();
  }

  // Discards what the client still sends until it closes or time is up.
  void DoDrain() {
    buffer_.clear();
    Lowest().async_read_some(buffer_.prepare(kReadChunk),
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) return self->Abort();
                               self->DoDrain();
                             });
  }

  void Abort() {
    phase_ = Phase::kClosing;
    Lowest().close();
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  std::shared_ptr<ServerState> state_;
  std::string client_;
  const bool proxied_;
  std::array<unsigned char, kProxyHeader + kProxyMaxBody> proxy_{};
  std::optional<net::steady_timer> proxy_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<Response> response_;
  Phase phase_ = Phase::kHandshake;
  bool keep_alive_ = false;
  CompressionContext compression_;  // the request's, for its reply
  bool head_ = false;
  bool linger_ = false;
  unsigned version_ = 11;
};

}  // namespace

class HttpsServer::Impl : public std::enable_shared_from_this<HttpsServer::Impl> {
 public:
  Impl(net::io_context& io, ssl::context& tls, Handler& handler, const HttpLimits& limits)
      : io_(io),
        tls_(tls),
        state_(std::make_shared<ServerState>(handler, limits)),
        acceptor_(io),
        retry_timer_(io) {}

  Status Listen(const std::string& host, std::uint16_t port) {
    const std::string where =
        (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
    tcp::resolver resolver(io_);
    beast::error_code ec;
    auto results = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec) return Status::Invalid("cannot listen on " + where + ": " + ec.message());
    // "localhost" resolves to ::1 and 127.0.0.1; one acceptor takes IPv4 first.
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    std::stable_partition(endpoints.begin(), endpoints.end(),
                          [](const tcp::endpoint& e) { return e.address().is_v4(); });
    if (endpoints.empty()) return Status::Invalid("cannot listen on " + where + ": no address");

    std::lock_guard lock(state_->mu);
    for (const auto& endpoint : endpoints) {
      ec = TryListen(endpoint);
      if (!ec) {
        port_ = acceptor_.local_endpoint(ec).port();
        return Status::Ok();
      }
    }
    return Status::Invalid("cannot listen on " + where + ": " + ec.message());
  }

  void Start() { DoAccept(); }

  void Stop() {
    std::vector<std::shared_ptr<Session>> sessions;
    {
      // Under the lock with Session::Run(): no session starts after this.
      std::lock_guard lock(state_->mu);
      state_->stopping = true;
      beast::error_code ignored;
      acceptor_.close(ignored);
      retry_timer_.cancel();
      for (const auto& entry : state_->sessions)
        if (auto session = entry.second.lock()) sessions.push_back(std::move(session));
    }
    // Outside the lock: dropping the last reference runs ~Session, which takes it.
    for (const auto& session : sessions) session->Interrupt();
  }

  std::uint16_t port() const { return port_; }
  std::size_t open_connections() const { return state_->open.load(); }

 private:
  beast::error_code TryListen(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    if (acceptor_.is_open()) acceptor_.close(ec);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      beast::error_code ignored;
      acceptor_.close(ignored);
    }
    return ec;
  }

  void DoAccept() {
    std::lock_guard lock(state_->mu);
    if (state_->stopping || !acceptor_.is_open()) return;
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor_.async_accept(net::make_strand(io_),
                           beast::bind_front_handler(&Impl::OnAccept, shared_from_this()));
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || state_->stopping) return;
    if (ec) {
      std::lock_guard lock(state_->mu);
      if (state_->stopping) return;
      retry_timer_.expires_after(kAcceptRetry);
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec) self->DoAccept();
      });
      return;
    }
    beast::error_code ignored;
    const auto peer = socket.remote_endpoint(ignored);
    const std::string client = ignored ? std::string() : ClientAddress(peer.address());
    const bool proxied = std::find(state_->limits.proxy_addresses.begin(), state_->limits.proxy_addresses.end(),
                                   client) != state_->limits.proxy_addresses.end();
    if (!state_->Admit(client, proxied)) {
      socket.close(ignored);  // over a limit: refused at once, before any TLS work
    } else {
      socket.set_option(tcp::no_delay(true), ignored);
      std::shared_ptr<Session> session;
      try {
        session = std::make_shared<Session>(std::move(socket), tls_, state_, client, proxied);
      } catch (const std::exception&) {
        state_->Release(client);  // no memory or no SSL object for this one; keep serving the others
      }
      if (session) session->Run();
    }
    DoAccept();
  }

  net::io_context& io_;
  ssl::context& tls_;
  std::shared_ptr<ServerState> state_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::atomic<std::uint16_t> port_{0};
};

HttpsServer::HttpsServer(net::io_context& io, ssl::context& tls, Handler& handler, HttpLimits limits)
    : impl_(std::make_shared<Impl>(io, tls, handler, limits)) {}

HttpsServer::~HttpsServer() { impl_->Stop(); }

Status HttpsServer::Listen(const std::string& host, std::uint16_t port) { return impl_->Listen(host, port); }
std::uint16_t HttpsServer::port() const { return impl_->port(); }
void HttpsServer::Start() { impl_->Start(); }
void HttpsServer::Stop() { impl_->Stop(); }
std::size_t HttpsServer::open_connections() const { return impl_->open_connections(); }

void AddSecurityHeaders(Response& response) {
  response.set(http::field::strict_transport_security, "max-age=63072000");
  response.set("X-Content-Type-Options", "nosniff");
  response.set(http::field::x_frame_options, "DENY");
  response.set("Referrer-Policy", "no-referrer");
  response.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  // API answers are per-voter and change: no caching unless the handler says so.
  if (response.find(http::field::cache_control) == response.end())
    response.set(http::field::cache_control, "no-store");
}

}  // namespace psephos::server
