// Load benchmark of the HTTPS voting server. Prints figures; it is not a test.
//
//   psephos_server_load [--connections 32] [--seconds 5] [--rate 2000] ...  (--help)
//
// Assembles the server in this process as psephos-server does (SQLite in WAL
// with synchronous=FULL under a new /tmp directory, self-signed TLS, the group
// committing DbWorker, the Api), creates and opens a process over HTTPS, then:
//   closed loop: C keep-alive TLS connections each cast ballots back to back;
//   open loop:   ballots at a fixed rate, timed from their scheduled send time;
// and finally stops the server, reopens the database and checks that exactly
// the acknowledged ballots (201) are stored.
#include <openssl/ssl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "psephos/server/api.h"
#include "psephos/server/https_server.h"
#include "psephos/server/secrets.h"
#include "psephos/server/tls.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace fs = std::filesystem;
namespace ps = psephos::server;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using psephos::Status;
using nlohmann::json;

constexpr const char* kHelp = R"(usage: psephos_server_load [options]

  --connections N      keep-alive TLS connections (default 32)
  --client-threads N   io threads driving the client connections (default 1)
  --server-threads N   io threads of the server (default 1); the DB writer is one more
  --seconds S          length of each measured phase (default 5)
  --warmup S           closed-loop warm-up before measuring (default 1)
  --rate N             open-loop ballots per second (default 2000; 0 skips the open loop)
  --codes N            voter codes to make (default: enough for 30000 ballots/s)
  --data DIR           data directory (default: a new one under /tmp, removed afterwards)
  --keep               keep the data directory
)";

constexpr std::chrono::seconds kTimeout{30};
constexpr int kProjects = 10;
constexpr int kMaxProjects = 3;
constexpr const char* kSlug = "load-test";
constexpr const char* kBudget = "city";
enum Phase { kClosedLoop = 1, kOpenLoop = 2 };

struct Options {
  long connections = 32, client_threads = 1, server_threads = 1, codes = 0;
  double seconds = 5, warmup = 1, rate = 2000;
  std::string data;
  bool keep = false;
};

std::optional<Options> ParseArgs(int argc, char** argv) {
  Options o;
  auto number = [](const std::string& name, const std::string& v, double min, double max) {
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || d < min || d > max) {
      std::fprintf(stderr, "--%s: expected a number from %g to %g, got '%s'\n", name.c_str(), min, max, v.c_str());
      std::exit(2);
    }
    return d;
  };
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "--help" || name == "-h") return std::nullopt;
    if (name == "--keep") {
      o.keep = true;
      continue;
    }
    if (name.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::fprintf(stderr, "unexpected argument %s\n%s", name.c_str(), kHelp);
      std::exit(2);
    }
    name = name.substr(2);
    const std::string v = argv[++i];
    if (name == "connections") o.connections = static_cast<long>(number(name, v, 1, 10000));
    else if (name == "client-threads") o.client_threads = static_cast<long>(number(name, v, 1, 64));
    else if (name == "server-threads") o.server_threads = static_cast<long>(number(name, v, 1, 64));
    else if (name == "codes") o.codes = static_cast<long>(number(name, v, 1, 1e8));
    else if (name == "seconds") o.seconds = number(name, v, 0.1, 3600);
    else if (name == "warmup") o.warmup = number(name, v, 0, 3600);
    else if (name == "rate") o.rate = number(name, v, 0, 1e6);
    else if (name == "data") o.data = v;
    else {
      std::fprintf(stderr, "unknown option --%s\n%s", name.c_str(), kHelp);
      std::exit(2);
    }
  }
  return o;
}

void NameThread(const std::string& name) { pthread_setname_np(pthread_self(), name.substr(0, 15).c_str()); }

// ---------------------------------------------------------------------------
// The server, assembled as server/src/main.cc does, and stopped as on SIGTERM.

struct InProcessServer {
  // Declared in main.cc's order, so destroyed in the reverse of it.
  std::unique_ptr<ps::Storage> storage;
  std::unique_ptr<ssl::context> tls;
  std::optional<ps::DbWorker> worker;
  std::unique_ptr<ps::Api> api;
  std::optional<net::io_context> io;
  std::optional<ps::HttpsServer> server;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  std::vector<std::thread> pool;

  Status Start(const fs::path& data, const std::string& token, long threads) {
    auto opened = ps::OpenSqliteStorage((data / "psephos.db").string());
    if (!opened.ok()) return opened.status();
    storage = std::move(opened).value();
    if (Status s = storage->PutSetting("admin_token_sha256", ps::Sha256Hex(token)); !s.ok()) return s;
    const std::string cert = (data / "tls" / "cert.pem").string(), key = (data / "tls" / "key.pem").string();
    if (Status s = ps::EnsureSelfSignedCertificate(cert, key, "localhost"); !s.ok()) return s;
    auto context = ps::MakeServerTlsContext(cert, key);
    if (!context.ok()) return context.status();
    tls = std::move(context).value();
    worker.emplace(*storage);
    ps::ApiOptions options;
    options.code_failures_per_minute = 1 << 30;  // one client address sends everything
    auto created = ps::Api::Create(*worker, ps::Sha256Hex(token), *ps::SigningKey::Generate(), options);
    if (!created.ok()) return created.status();
    api = std::move(created).value();
    io.emplace(static_cast<int>(threads));
    server.emplace(*io, *tls, *api);
    if (Status s = server->Listen("127.0.0.1", 0); !s.ok()) return s;
    guard.emplace(net::make_work_guard(*io));
    server->Start();
    for (long i = 0; i < threads; ++i) {
      pool.emplace_back([this, i] {
        NameThread("srv-io-" + std::to_string(i));
        io->run();
      });
    }
    return Status::Ok();
  }

  // Stop taking connections, let queued writes commit and their replies go out.
  void Stop() {
    if (pool.empty()) return;
    server->Stop();
    worker->Stop();
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (server->open_connections() > 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    guard.reset();
    io->stop();
    for (auto& t : pool) t.join();
    pool.clear();
  }

  ~InProcessServer() { Stop(); }
};

// ---------------------------------------------------------------------------
// Setting up over HTTPS: a blocking client (the server runs on its own threads).

class SetupClient {
 public:
  SetupClient(std::uint16_t port, std::string token) : token_(std::move(token)) {
    context_.set_verify_mode(ssl::verify_none);
    beast::get_lowest_layer(stream_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
    stream_.handshake(ssl::stream_base::client);
  }

  // The status, and the body (throws on transport errors).
  std::pair<int, std::string> Send(http::verb verb, const std::string& target, const std::string& body = "") {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, "localhost");
    request.set(http::field::authorization, "Bearer " + token_);
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    http::write(stream_, request);
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{1} << 30);
    http::read(stream_, buffer_, parser);
    return {static_cast<int>(parser.get().result_int()), parser.get().body()};
  }

 private:
  std::string token_;
  net::io_context io_;
  ssl::context context_{ssl::context::tls_client};
  beast::ssl_stream<beast::tcp_stream> stream_{io_, context_};
  beast::flat_buffer buffer_;
};

// Creates the process (one approval budget), makes `count` codes, opens it.
std::vector<std::string> SetUpProcess(std::uint16_t port, const std::string& token, long count) {
  SetupClient client(port, token);
  json projects = json::array();
  for (int i = 1; i <= kProjects; ++i) {
    const std::string n = std::to_string(i);  // (not "p" + to_string(i): GCC 12 -Wrestrict false positive)
    projects.push_back({{"id", std::string("p").append(n)}, {"name", std::string("Project ").append(n)},
                        {"cost", 50000 + 10000 * i}});
  }
  const json definition{
      {"slug", kSlug},
      {"title", "Load test"},
      {"budgets",
       {{{"id", kBudget}, {"title", "City budget"}, {"amount", 300000}, {"currency", "USD"}, {"rule", "greedy"},
         {"ballot", {{"type", "approval"}, {"min_projects", 1}, {"max_projects", kMaxProjects}}},
         {"projects", projects}}}}};
  const std::string base = std::string("/api/v1/processes/") + kSlug;
  auto expect = [](const std::pair<int, std::string>& r, int status, const char* what) {
    if (r.first != status) throw std::runtime_error(std::string(what) + ": " + std::to_string(r.first) + " " + r.second);
    return r.second;
  };
  expect(client.Send(http::verb::post, "/api/v1/processes", definition.dump()), 201, "create");
  std::vector<std::string> codes;
  codes.reserve(static_cast<std::size_t>(count));
  for (long left = count; left > 0;) {
    const long n = std::min<long>(left, 100000);
    const json batch = json::parse(
        expect(client.Send(http::verb::post, base + "/codes", json{{"count", n}}.dump()), 201, "codes"));
    std::istringstream csv(expect(client.Send(http::verb::get, batch["download"]), 200, "download"));
    std::string line;
    std::getline(csv, line);  // code,group
    while (std::getline(csv, line)) codes.push_back(line.substr(0, line.find(',')));
    left -= n;
  }
  expect(client.Send(http::verb::post, base + "/open"), 200, "open");
  return codes;
}

// ---------------------------------------------------------------------------
// The load: asynchronous keep-alive clients.

struct Sample {
  std::int64_t start_ns;  // the send time (open loop: when it was scheduled)
  std::int64_t done_ns;   // the whole response was read
  int status;             // 0: the exchange failed
  int phase;
};

class Connection;

// What the connections share.
struct Load {
  Clock::time_point epoch = Clock::now();
  std::int64_t Now() const { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - epoch).count(); }
  Clock::time_point At(std::int64_t ns) const { return epoch + std::chrono::nanoseconds(ns); }

  std::string target = std::string("/api/v1/processes/") + kSlug + "/ballots";
  std::vector<std::string> codes;
  std::atomic<std::size_t> next_code{0};
  std::atomic<long> out_of_codes{0};
  std::atomic<int> in_flight{0};
  std::atomic<int> phase{0};
  std::atomic<bool> closed_running{false};

  // Open loop: sends due while every connection is busy wait in `backlog`.
  std::mutex mu;
  std::deque<std::shared_ptr<Connection>> idle;
  std::deque<std::int64_t> backlog;
  long late = 0;

  void Dispatch(std::int64_t at_ns);
  bool TakeWork(const std::shared_ptr<Connection>& c, std::int64_t* at_ns) {
    std::lock_guard lock(mu);
    if (backlog.empty()) {
      idle.push_back(c);
      return false;
    }
    *at_ns = backlog.front();
    backlog.pop_front();
    return true;
  }
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::io_context& io, ssl::context& tls, Load& load, unsigned seed)
      : stream_(net::make_strand(io), tls), load_(load), rng_(seed) {}

  // Connects and handshakes; `done(ok)` runs on the connection's strand.
  void Open(const tcp::endpoint& endpoint, std::function<void(bool)> done) {
    Lowest().expires_after(kTimeout);
    Lowest().async_connect(endpoint, [self = shared_from_this(), done](beast::error_code ec) {
      if (ec) return done(false);
      beast::error_code ignored;
      self->Lowest().socket().set_option(tcp::no_delay(true), ignored);
      SSL_set_tlsext_host_name(self->stream_.native_handle(), "localhost");
      self->Lowest().expires_after(kTimeout);
      self->stream_.async_handshake(ssl::stream_base::client, [done](beast::error_code e) { done(!e); });
    });
  }

  // Casts the next ballot with a fresh code; on the strand.
  void Send(std::int64_t start_ns, int phase) {
    const std::size_t i = load_.next_code.fetch_add(1);
    if (i >= load_.codes.size()) {
      ++load_.out_of_codes;  // this connection stops here
      return;
    }
    start_ns_ = start_ns;
    phase_ = phase;
    ++load_.in_flight;
    BuildRequest(load_.codes[i]);
    Lowest().expires_after(kTimeout);
    net::async_write(stream_, net::buffer(request_), beast::bind_front_handler(&Connection::OnWrite, shared_from_this()));
  }

  auto executor() { return stream_.get_executor(); }
  bool alive() const { return !dead_; }
  const std::vector<Sample>& samples() const { return samples_; }
  const std::vector<std::string>& receipts() const { return receipts_; }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // A valid random approval ballot: 1 to kMaxProjects distinct projects.
  void BuildRequest(const std::string& code) {
    int ids[kProjects];
    for (int i = 0; i < kProjects; ++i) ids[i] = i + 1;
    const int k = 1 + static_cast<int>(rng_() % kMaxProjects);
    body_ = "{\"code\":\"" + code + "\",\"ballots\":{\"" + kBudget + "\":{\"projects\":[";
    for (int i = 0; i < k; ++i) {
      std::swap(ids[i], ids[i + static_cast<int>(rng_() % static_cast<unsigned>(kProjects - i))]);
      if (i > 0) body_ += ',';
      body_ += "\"p" + std::to_string(ids[i]) + "\"";
    }
    body_ += "]}}}";
    request_ = "POST " + load_.target + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
               "Content-Length: " + std::to_string(body_.size()) + "\r\n\r\n" + body_;
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    if (ec) return Fail("write: " + ec.message());
    parser_.emplace();
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Connection::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return Fail("read: " + ec.message());
    const auto& response = parser_->get();
    const int status = static_cast<int>(response.result_int());
    samples_.push_back(Sample{start_ns_, load_.Now(), status, phase_});
    const std::string& body = response.body();
    if (const auto at = body.find("\"receipt\":\""); status == 201 && at != std::string::npos) {
      receipts_.push_back(body.substr(at + 11, 64));
    } else if (errors_.size() < 5) {
      errors_.push_back(std::to_string(status) + " " + body);
    }
    if (!response.keep_alive()) return Fail("the server closed the connection");
    Next();  // before leaving in_flight, so that in_flight == 0 means all done
    --load_.in_flight;
  }

  void Next() {
    if (load_.phase == kClosedLoop) {
      if (load_.closed_running) Send(load_.Now(), kClosedLoop);
    } else if (load_.phase == kOpenLoop) {
      std::int64_t at = 0;
      if (load_.TakeWork(shared_from_this(), &at)) Send(at, kOpenLoop);
    }
  }

  void Fail(std::string what) {
    samples_.push_back(Sample{start_ns_, load_.Now(), 0, phase_});
    errors_.push_back(std::move(what));
    dead_ = true;
    --load_.in_flight;
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  Load& load_;
  std::minstd_rand rng_;
  std::string body_, request_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::int64_t start_ns_ = 0;
  int phase_ = 0;
  bool dead_ = false;
  std::vector<Sample> samples_;
  std::vector<std::string> receipts_, errors_;
};

void Load::Dispatch(std::int64_t at_ns) {
  std::shared_ptr<Connection> c;
  {
    std::lock_guard lock(mu);
    if (idle.empty()) {
      backlog.push_back(at_ns);
      ++late;
      return;
    }
    c = std::move(idle.front());
    idle.pop_front();
  }
  net::post(c->executor(), [c, at_ns] { c->Send(at_ns, kOpenLoop); });
}

// Open loop: one send every 1/rate s from `start_ns` until `end_ns`.
class Scheduler {
 public:
  Scheduler(net::io_context& io, Load& load, double rate, std::int64_t start_ns, std::int64_t end_ns)
      : timer_(net::make_strand(io)), load_(load), period_ns_(1e9 / rate), start_ns_(start_ns), end_ns_(end_ns) {}

  void Start() { net::post(timer_.get_executor(), [this] { Tick(); }); }
  bool done() const { return done_; }
  std::int64_t max_lag_ns() const { return max_lag_ns_; }

 private:
  void Tick() {
    const std::int64_t now = load_.Now();
    for (;;) {
      const auto at = start_ns_ + static_cast<std::int64_t>(static_cast<double>(k_) * period_ns_);
      if (at >= end_ns_) {
        done_ = true;
        return;
      }
      if (at > now) break;
      max_lag_ns_ = std::max(max_lag_ns_, now - at);
      load_.Dispatch(at);
      ++k_;
    }
    timer_.expires_at(load_.At(start_ns_ + static_cast<std::int64_t>(static_cast<double>(k_) * period_ns_)));
    timer_.async_wait([this](beast::error_code ec) {
      if (!ec) Tick();
    });
  }

  net::steady_timer timer_;
  Load& load_;
  const double period_ns_;
  const std::int64_t start_ns_, end_ns_;
  std::uint64_t k_ = 0;
  std::int64_t max_lag_ns_ = 0;
  std::atomic<bool> done_{false};
};

// ---------------------------------------------------------------------------
// Figures.

// CPU seconds of this process's threads, summed by kind (from /proc).
std::map<std::string, double> ThreadCpu() {
  std::map<std::string, double> out;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& entry : fs::directory_iterator("/proc/self/task")) {
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    const std::string name = stat.substr(open + 1, close - open - 1);
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    const bool main_thread = entry.path().filename() == std::to_string(getpid());
    const std::string kind = name.rfind("srv-io", 0) == 0   ? "server io"
                             : name.rfind("cli-io", 0) == 0 ? "client io"
                             : main_thread                  ? "bench main"
                                                            : "db writer";
    out[kind] += (utime + stime) / tick;
  }
  return out;
}

std::string CpuLine(const std::map<std::string, double>& before, const std::map<std::string, double>& after,
                    double seconds) {
  std::string line;
  char part[96];
  for (const auto& [kind, cpu] : after) {
    const auto b = before.find(kind);
    std::snprintf(part, sizeof part, "%s%s %.2f", line.empty() ? "" : ", ", kind.c_str(),
                  (cpu - (b == before.end() ? 0 : b->second)) / seconds);
    line += part;
  }
  return line + " cores";
}

struct Latency {
  std::size_t n = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;  // ms
};

Latency Percentiles(std::vector<std::int64_t> ns) {
  Latency l;
  l.n = ns.size();
  if (ns.empty()) return l;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(ns.size()) + 0.999999);
    return static_cast<double>(ns[std::clamp<std::size_t>(rank, 1, ns.size()) - 1]) / 1e6;
  };
  l.p50 = at(0.50);
  l.p90 = at(0.90);
  l.p99 = at(0.99);
  l.max = static_cast<double>(ns.back()) / 1e6;
  return l;
}

std::string Describe(const Latency& l) {
  char out[160];
  std::snprintf(out, sizeof out, "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", l.p50, l.p90, l.p99, l.max);
  return out;
}

struct Figures {
  std::unordered_set<std::string> receipts;  // of every 201
  long failures = 0;                         // anything but 201, all phases
  bool closed_met = false, open_met = true;
};

void WaitUntil(const std::function<bool()>& condition, std::chrono::seconds limit = kTimeout) {
  const auto deadline = Clock::now() + limit;
  while (!condition() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

Figures RunLoad(const Options& o, std::uint16_t port, std::vector<std::string> codes) {
  Load load;
  load.codes = std::move(codes);
  net::io_context io(static_cast<int>(o.client_threads));
  ssl::context tls(ssl::context::tls_client);
  tls.set_verify_mode(ssl::verify_none);
  auto guard = net::make_work_guard(io);
  std::vector<std::thread> pool;
  for (long i = 0; i < o.client_threads; ++i) {
    pool.emplace_back([&io, i] {
      NameThread("cli-io-" + std::to_string(i));
      io.run();
    });
  }

  std::vector<std::shared_ptr<Connection>> connections;
  std::vector<std::future<bool>> opened;
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  for (long i = 0; i < o.connections; ++i) {
    connections.push_back(std::make_shared<Connection>(io, tls, load, static_cast<unsigned>(i + 1)));
    auto promise = std::make_shared<std::promise<bool>>();
    opened.push_back(promise->get_future());
    net::post(connections.back()->executor(), [c = connections.back(), endpoint, promise] {
      c->Open(endpoint, [promise](bool ok) { promise->set_value(ok); });
    });
  }
  long ready = 0;
  for (auto& f : opened) ready += f.get();
  if (ready != o.connections) std::printf("warning: only %ld of %ld connections opened\n", ready, o.connections);

  // Closed loop: every connection sends back to back.
  load.phase = kClosedLoop;
  load.closed_running = true;
  for (auto& c : connections) {
    if (c->alive()) net::post(c->executor(), [c, &load] { c->Send(load.Now(), kClosedLoop); });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
  const auto window_start = load.Now();
  const auto cpu_before = ThreadCpu();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  const auto window_end = load.Now();
  const auto cpu_after = ThreadCpu();
  load.closed_running = false;
  WaitUntil([&] { return load.in_flight == 0; });

  // Open loop: sends scheduled at a fixed rate over every idle connection.
  std::int64_t open_start = 0, open_end = 0, max_lag = 0;
  if (o.rate > 0) {
    {
      std::lock_guard lock(load.mu);
      for (auto& c : connections)
        if (c->alive()) load.idle.push_back(c);
    }
    load.phase = kOpenLoop;
    open_start = load.Now() + 10'000'000;
    open_end = open_start + static_cast<std::int64_t>(o.seconds * 1e9);
    Scheduler scheduler(io, load, o.rate, open_start, open_end);
    scheduler.Start();
    std::this_thread::sleep_until(load.At(open_end));
    WaitUntil([&] { return scheduler.done(); });
    WaitUntil([&] {
      std::lock_guard lock(load.mu);
      return load.in_flight == 0 && (load.backlog.empty() || load.out_of_codes > 0);
    });
    max_lag = scheduler.max_lag_ns();
  }
  load.phase = 0;
  WaitUntil([&] { return load.in_flight == 0; });

  // Gather.
  Figures f;
  std::vector<std::int64_t> closed_ns, open_ns;
  long closed_ok = 0, open_ok = 0, open_sent = 0;
  std::int64_t open_last = open_end;
  std::vector<std::string> errors;
  for (const auto& c : connections) {
    for (const Sample& s : c->samples()) {
      if (s.status != 201) ++f.failures;
      if (s.phase == kClosedLoop && s.done_ns >= window_start && s.done_ns < window_end) {
        closed_ok += s.status == 201;
        closed_ns.push_back(s.done_ns - s.start_ns);
      } else if (s.phase == kOpenLoop) {
        ++open_sent;
        open_ok += s.status == 201;
        open_ns.push_back(s.done_ns - s.start_ns);
        open_last = std::max(open_last, s.done_ns);
      }
    }
    for (const auto& r : c->receipts()) f.receipts.insert(r);
    for (const auto& e : c->errors()) errors.push_back(e);
  }
  connections.clear();  // idle: nothing pending; closing the sockets
  load.idle.clear();
  guard.reset();
  for (auto& t : pool) t.join();

  const double measured = static_cast<double>(window_end - window_start) / 1e9;
  const double closed_rate = static_cast<double>(closed_ok) / measured;
  const Latency closed = Percentiles(std::move(closed_ns));
  std::printf("closed loop, %ld connections: %.0f ballots/s acknowledged, %s  (%ld in %.2f s)\n", o.connections,
              closed_rate, Describe(closed).c_str(), closed_ok, measured);
  std::printf("  cpu: %s\n", CpuLine(cpu_before, cpu_after, measured).c_str());
  f.closed_met = closed_rate >= 10000;
  if (o.rate > 0) {
    const Latency open = Percentiles(std::move(open_ns));
    const double span = static_cast<double>(std::max(open_last, open_end) - open_start) / 1e9;
    std::printf("open loop at %.0f/s: achieved %.0f/s, %s  (%ld of %ld sent; %ld waited for a free connection; "
                "timer lag max %.1f ms)\n",
                o.rate, static_cast<double>(open_ok) / span, Describe(open).c_str(), open_sent,
                static_cast<long>(o.rate * o.seconds), load.late, static_cast<double>(max_lag) / 1e6);
    f.open_met = open.p99 <= 25 && open_sent >= static_cast<long>(o.rate * o.seconds);
  }
  if (load.out_of_codes > 0) std::printf("warning: ran out of voter codes (raise --codes)\n");
  std::printf("non-201 answers: %ld\n", f.failures);
  for (const auto& e : errors) std::printf("  %s\n", e.c_str());
  return f;
}

// Reopens the store: it must hold exactly the acknowledged ballots, intact.
bool CheckDurability(const fs::path& data, const std::unordered_set<std::string>& receipts) {
  auto storage = ps::OpenSqliteStorage((data / "psephos.db").string());
  if (!storage.ok()) {
    std::printf("durability: cannot reopen: %s\n", storage.status().message().c_str());
    return false;
  }
  std::size_t stored = 0, matched = 0;
  auto processes = (*storage)->LoadProcesses();
  if (processes.ok()) {
    for (const auto& p : *processes) {
      if (p.slug != kSlug) continue;
      auto ballots = (*storage)->LoadBallots(p.id);
      if (!ballots.ok()) break;
      stored = ballots->size();
      for (const auto& b : *ballots) matched += receipts.count(b.receipt);
    }
  }
  const bool consistent = stored == receipts.size() && matched == stored;
  const Status integrity = (*storage)->IntegrityCheck();
  std::printf("durability: %zu acknowledged, %zu stored, %zu receipts match: %s; integrity_check: %s\n",
              receipts.size(), stored, matched, consistent ? "OK" : "MISMATCH",
              integrity.ok() ? "ok" : integrity.message().c_str());
  return consistent && integrity.ok();
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = ParseArgs(argc, argv);
  if (!options) {
    std::printf("%s", kHelp);
    return 0;
  }
  const Options& o = *options;
  fs::path data = o.data;
  if (data.empty()) {
    std::string pattern = (fs::temp_directory_path() / "psephos-load-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
      std::perror("mkdtemp");
      return 2;
    }
    data = pattern;
  } else {
    fs::create_directories(data);
  }
  const long codes = o.codes > 0 ? o.codes
                                 : static_cast<long>(30000 * (o.warmup + o.seconds + 1) + 1.2 * o.rate * o.seconds);
  const std::string token = ps::RandomHex(32);
  Figures figures;
  int exit_code = 0;
  try {
    InProcessServer server;
    if (Status s = server.Start(data, token, o.server_threads); !s.ok()) throw std::runtime_error(s.message());
    std::printf("server on 127.0.0.1:%u, %ld io thread(s); data in %s\n", server.server->port(), o.server_threads,
                data.string().c_str());
    const auto setup_start = Clock::now();
    auto list = SetUpProcess(server.server->port(), token, codes);
    std::printf("setup: process '%s' open with %zu codes (%.1f s)\n", kSlug, list.size(),
                std::chrono::duration<double>(Clock::now() - setup_start).count());
    figures = RunLoad(o, server.server->port(), std::move(list));
    server.Stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "psephos_server_load: %s\n", e.what());
    return 2;
  }

  const bool durable = CheckDurability(data, figures.receipts);
  std::printf("targets: >= 10000 ballots/s %s; p99 <= 25 ms at the open-loop rate %s\n",
              figures.closed_met ? "met" : "NOT met", figures.open_met ? "met" : "NOT met");
  if (!durable || figures.failures > 0) exit_code = 1;
  if (!o.keep && o.data.empty()) fs::remove_all(data);
  return exit_code;
}
