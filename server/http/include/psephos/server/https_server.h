// HTTPS listener and connections (Boost.Beast + OpenSSL): TLS 1.2/1.3 only,
// one strand per connection, body and header limits, timeouts.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "psephos/engine/status.h"
#include "psephos/server/http.h"

namespace psephos::server {

struct HttpLimits {
  std::size_t max_body_bytes = 1 << 20;       // larger bodies get 413
  std::size_t max_header_bytes = 16 << 10;    // larger headers get 431
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds read_timeout{15};      // a whole request, headers and body (no slowloris)
  std::chrono::seconds write_timeout{15};
  std::chrono::seconds idle_timeout{60};      // keep-alive between requests
  std::size_t max_connections = 10000;        // beyond: accepted and closed at once
  // From one client address (a school's NAT holds hundreds of phones); beyond: closed at once.
  std::size_t max_connections_per_address = 500;
  // A load balancer's addresses (as ClientAddress spells them): connections from
  // these may begin with a PROXY protocol v2 header (HAProxy's send-proxy-v2), and
  // the address it names is then the client's, for every per-address limit; the
  // balancer's own address has none (only max_connections bounds it).
  std::vector<std::string> proxy_addresses;
};

class HttpsServer {
 public:
  HttpsServer(boost::asio::io_context& io, boost::asio::ssl::context& tls, Handler& handler,
              HttpLimits limits = {});
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Binds and listens; port 0 picks a free port (see port()).
  Status Listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const;
  // Starts accepting connections on the io_context's threads.
  void Start();
  // Stops accepting; open connections finish the request in hand, then close.
  void Stop();
  std::size_t open_connections() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

// Every response gets these: HSTS, nosniff, frame denial, referrer policy,
// a strict content security policy, and no caching of API answers.
void AddSecurityHeaders(Response& response);

}  // namespace psephos::server
