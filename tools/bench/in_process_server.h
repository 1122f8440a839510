// The server assembled in this process as server/main.cc does (SQLite in
// WAL with synchronous=FULL, self-signed TLS, the group-committing DbWorker,
// the Api), for the benchmarks; stopped as on SIGTERM.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "psephos/server/api.h"
#include "psephos/server/https_server.h"

namespace psephos::bench {

void NameThread(const std::string& name);

struct InProcessServer {
  // Declared in main.cc's order, so destroyed in the reverse of it.
  std::unique_ptr<server::Storage> storage;
  std::unique_ptr<boost::asio::ssl::context> tls;
  std::optional<server::DbWorker> worker;
  std::unique_ptr<server::Api> api;
  std::optional<boost::asio::io_context> io;
  std::optional<server::HttpsServer> server;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard;
  std::vector<std::thread> pool;
  server::HttpLimits limits;  // set before Start

  Status Start(const std::filesystem::path& data, const std::string& token, long threads);
  // Stop taking connections, let queued writes commit and their replies go out.
  void Stop();
  ~InProcessServer() { Stop(); }
};

}  // namespace psephos::bench
