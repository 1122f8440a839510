#include "in_process_server.h"

#include <pthread.h>

#include <chrono>

#include "psephos/server/secrets.h"
#include "psephos/server/signing.h"
#include "psephos/server/tls.h"

namespace psephos::bench {

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace ps = psephos::server;
using Clock = std::chrono::steady_clock;

void NameThread(const std::string& name) { pthread_setname_np(pthread_self(), name.substr(0, 15).c_str()); }

Status InProcessServer::Start(const fs::path& data, const std::string& token, long threads) {
  auto opened = ps::OpenSqliteStorage((data / "psephos.db").string());
  if (!opened.ok()) return opened.status();
  storage = std::move(opened).value();
  if (Status s = storage->PutSetting("admin_token_sha256", ps::Sha256Hex(token)); !s.ok()) return s;
  auto fresh = ps::SigningKey::Generate();  // made once and stored, like the token
  if (!fresh.ok()) return fresh.status();
  if (Status s = storage->PutSetting("signing_key_ed25519", fresh->PrivateHex()); !s.ok()) return s;
  const std::string cert = (data / "tls" / "cert.pem").string(), pem = (data / "tls" / "key.pem").string();
  if (Status s = ps::EnsureSelfSignedCertificate(cert, pem, "localhost"); !s.ok()) return s;
  auto context = ps::MakeServerTlsContext(cert, pem);
  if (!context.ok()) return context.status();
  tls = std::move(context).value();
  worker.emplace(*storage);
  ps::ApiOptions options;
  options.wrong_codes.burst = 1 << 30;  // one client address sends everything
  auto created = ps::Api::Create(*worker, ps::Sha256Hex(token), *fresh, options);
  if (!created.ok()) return created.status();
  api = std::move(created).value();
  io.emplace(static_cast<int>(threads));
  server.emplace(*io, *tls, *api, limits);
  if (Status s = server->Listen("127.0.0.1", 0); !s.ok()) return s;
  guard.emplace(net::make_work_guard(*io));
  server->Start();
  for (long i = 0; i < threads; ++i) {
    pool.emplace_back([this, i] { NameThread("srv-io-" + std::to_string(i)); io->run(); });
  }
  return Status::Ok();
}

void InProcessServer::Stop() {
  if (pool.empty()) return;
  server->Stop();
  api->Stop();
  worker->Stop();
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (server->open_connections() > 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  guard.reset();
  io->stop();
  for (auto& t : pool) t.join();
  pool.clear();
}

}  // namespace psephos::bench
