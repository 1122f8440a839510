// psephos-server in one test process, over real sockets: the Api behind an
// HttpsServer on 127.0.0.1:0, as server/main.cc assembles them.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>

#include "api_fixture.h"
#include "https_client.h"
#include "psephos/server/https_server.h"
#include "psephos/server/tls.h"

namespace psephos::test {

using namespace std::chrono_literals;
inline const std::vector<std::pair<std::string, std::string>> kLiveAdmin{{"Authorization", "Bearer " + kToken}};

// psephos-server in-process: SQLite store, database thread, Api, HTTPS on two
// io threads, with short timeouts so slow clients are cut quickly.
class LiveServer {
 public:
  LiveServer() {
    storage_ = std::move(psephos::server::OpenSqliteStorage(dir_.file("psephos.db"))).value();
    worker_ = std::make_unique<psephos::server::DbWorker>(*storage_);
    psephos::server::ApiOptions options;
    options.wrong_codes.burst = 1000;  // the table sends wrong codes on purpose
    api_ = std::move(psephos::server::Api::Create(*worker_, psephos::server::Sha256Hex(kToken), *psephos::server::SigningKey::Generate(),
                                         options))
               .value();
    const std::string cert = dir_.file("tls/cert.pem"), key = dir_.file("tls/key.pem");
    REQUIRE(psephos::server::EnsureSelfSignedCertificate(cert, key, "localhost").ok());
    tls_ = std::move(psephos::server::MakeServerTlsContext(cert, key)).value();
    psephos::server::HttpLimits limits;
    limits.handshake_timeout = 2s;
    limits.read_timeout = 2s;
    limits.write_timeout = 5s;
    limits.idle_timeout = 5s;
    server_.emplace(io_, *tls_, *api_, limits);
    REQUIRE(server_->Listen("127.0.0.1", 0).ok());
    server_->Start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  ~LiveServer() {
    server_->Stop();
    worker_->Stop();  // every queued write commits and replies
    guard_.reset();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (server_->open_connections() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  std::uint16_t port() const { return server_->port(); }
  HttpsClient Client() const { return HttpsClient("127.0.0.1", port()); }

  bool Healthy() const {
    auto client = Client();
    return client.Get("/healthz").status == 200;
  }

  // Creates "school" (kSchool), five student codes, opens it; returns the codes.
  std::vector<std::string> OpenSchool() {
    auto client = Client();
    REQUIRE(client.Send(http::verb::post, "/api/v1/processes", kSchool, "application/json", kLiveAdmin).status == 201);
    auto batch = client.Send(http::verb::post, "/api/v1/processes/school/codes", R"({"count": 5, "group": "student"})",
                             "application/json", kLiveAdmin);
    REQUIRE(batch.status == 201);
    auto csv = client.Send(http::verb::get, batch.json()["download"], "", "", kLiveAdmin);
    REQUIRE(csv.status == 200);
    std::vector<std::string> codes;
    std::istringstream lines(csv.body);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) codes.push_back(line.substr(0, line.find(',')));
    REQUIRE(client.Send(http::verb::post, "/api/v1/processes/school/open", "", "", kLiveAdmin).status == 200);
    return codes;
  }

  json Admin(http::verb verb, const std::string& target) {
    auto client = Client();
    return client.Send(verb, target, "", "", kLiveAdmin).json();
  }

 private:
  TempDir dir_;
  std::unique_ptr<psephos::server::Storage> storage_;
  std::unique_ptr<psephos::server::DbWorker> worker_;
  std::unique_ptr<psephos::server::Api> api_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_{
      std::in_place, io_.get_executor()};
  std::optional<psephos::server::HttpsServer> server_;
  std::vector<std::thread> threads_;
};

}  // namespace psephos::test
