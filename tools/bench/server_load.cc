// Load benchmark of the HTTPS voting server. Prints figures; it is not a test.
//
//   psephos_server_load [--connections 32] [--seconds 5] [--rate 2000] ...  (--help)
//
// Assembles the server in this process as psephos-server does (SQLite in WAL
// with synchronous=FULL under a new /tmp directory, self-signed TLS, the group
// committing DbWorker, the Api), creates and opens a process over HTTPS, then:
//   closed loop: C keep-alive TLS connections each cast ballots back to back;
//   open loop:   ballots at a fixed rate, timed from their scheduled send time
//                (so queueing in the client counts too);
// and finally stops the server, reopens the database and checks that exactly
// the acknowledged ballots (201) are stored, by receipt.
// With --port the load goes to a server already running (psephos-server, or
// HAProxy in front of several: tools/bench/ha_load.py): --setup-only makes the
// process and writes its codes to --codes-file, a later run votes with them.
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
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "close_scenario.h"
#include "in_process_server.h"
#include "psephos/server/api.h"
#include "psephos/server/https_server.h"
#include "psephos/server/secrets.h"
#include "psephos/server/signing.h"
#include "psephos/server/tls.h"

namespace {

using psephos::bench::InProcessServer;
using psephos::bench::NameThread;
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
  --keep               keep the data directory (a new one under /tmp, else removed afterwards)

  --port N             load a server already running on 127.0.0.1:N instead of one in this process
                       (its stored ballots are not reopened: check its board against "acknowledged")
  --token T            with --setup-only: the organizer token of that server
  --setup-only         create and open the process there, write its codes to --codes-file, exit
  --codes-file FILE    the codes: written by --setup-only, read by a run with --port

  --close FILE.pb      instead: the file's voters vote in one process, which is then closed
                       (counted) while a second process votes at --other-rate; prints the
                       close's time end to end, the other's latencies and the peak memory
  --close-rule R       the rule the closed process is counted with (default mes-add1)
  --close-voters N     only the file's first N voters (default: all)
  --other-rate N       ballots/s of the process that keeps voting (default 200)
  --bundle FILE        save the closed process's bundle there (time `psephos audit FILE` on it)
)";

constexpr std::chrono::seconds kTimeout{30};
constexpr int kProjects = 10;
constexpr int kMaxProjects = 3;
constexpr const char* kSlug = "load-test";
constexpr const char* kBudget = "city";
enum Phase { kIdle = 0, kClosedLoop = 1, kOpenLoop = 2 };

struct Options {
  double connections = 32, client_threads = 1, server_threads = 1, codes = 0, seconds = 5, warmup = 1, rate = 2000;
  bool keep = false, setup_only = false;
  double port = 0;
  std::string token, codes_file;
  double close_voters = 0, other_rate = 200;
  std::string close_file, close_rule = "mes-add1", bundle;
};

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr, "psephos_server_load: %s\n\n%s", problem.c_str(), kHelp);
  std::exit(2);
}

std::optional<Options> ParseArgs(int argc, char** argv) {
  Options o;
  struct { const char* name; double* value; double min, max; } const numerics[] = {{"connections", &o.connections, 1, 10000}, {"client-threads", &o.client_threads, 1, 64},
                              {"server-threads", &o.server_threads, 1, 64}, {"codes", &o.codes, 1, 1e8},
                              {"seconds", &o.seconds, 0.1, 3600},           {"warmup", &o.warmup, 0, 3600},
                              {"rate", &o.rate, 0, 1e6},                    {"close-voters", &o.close_voters, 1, 1e8},
                              {"other-rate", &o.other_rate, 1, 1e5},
                              {"port", &o.port, 1, 65535}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return std::nullopt;
    if (arg == "--keep" || arg == "--setup-only") {
      (arg == "--keep" ? o.keep : o.setup_only) = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) Usage("unexpected argument " + arg);
    const std::string name = arg.substr(2), value = argv[++i];
    if (name == "close" || name == "close-rule" || name == "bundle" || name == "token" || name == "codes-file") {
      (name == "close"        ? o.close_file
       : name == "bundle"     ? o.bundle
       : name == "token"      ? o.token
       : name == "codes-file" ? o.codes_file
                              : o.close_rule) = value;
      continue;
    }
    const auto* n = std::find_if(std::begin(numerics), std::end(numerics), [&](auto& x) { return name == x.name; });
    if (n == std::end(numerics)) Usage("unknown option " + arg);
    char* end = nullptr;
    *n->value = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || *n->value < n->min || *n->value > n->max) Usage("bad value for " + arg);
  }
  for (double* whole : {&o.connections, &o.client_threads, &o.server_threads, &o.codes, &o.port})
    *whole = static_cast<double>(static_cast<long>(*whole));
  if (o.port > 0 && o.codes_file.empty()) Usage("--port needs --codes-file");
  if (o.setup_only && (o.port == 0 || o.token.empty())) Usage("--setup-only needs --port and --token");
  return o;
}

// Setting up over HTTPS with a blocking client: create the process (one
// approval budget), make `count` codes, download each batch once, open it.

std::vector<std::string> SetUpProcess(std::uint16_t port, const std::string& token, long count) {
  net::io_context io;
  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  stream.handshake(ssl::stream_base::client);
  beast::flat_buffer buffer;
  // Sends one request as the organizer; the body, if the status is `expect`.
  auto send = [&](http::verb verb, const std::string& target, int expect, const std::string& body = "") {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, "localhost");
    request.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    http::write(stream, request);
    http::response<http::string_body> response;  // (the parser's 8 MB limit fits 100000 codes)
    http::read(stream, buffer, response);
    const int status = static_cast<int>(response.result_int());
    if (status != expect) throw std::runtime_error(target + ": " + std::to_string(status) + " " + response.body());
    return response.body();
  };

  json definition = json::parse(R"({"slug": "load-test", "title": "Load test", "budgets": [{"id": "city",
      "title": "City budget", "amount": 300000, "currency": "USD", "rule": "greedy",
      "ballot": {"type": "approval", "min_projects": 1, "max_projects": 3}, "projects": []}]})");
  for (int i = 1; i <= kProjects; ++i) {
    const std::string n = std::to_string(i);  // (not "p" + to_string(i): GCC 12 -Wrestrict false positive)
    definition["budgets"][0]["projects"].push_back(
        {{"id", std::string("p").append(n)}, {"name", std::string("Project ").append(n)}, {"cost", 50000 + 10000 * i}});
  }
  const std::string base = std::string("/api/v1/processes/") + kSlug;
  send(http::verb::post, "/api/v1/processes", 201, definition.dump());
  std::vector<std::string> codes;
  codes.reserve(static_cast<std::size_t>(count));
  for (long left = count; left > 0;) {
    const long n = std::min<long>(left, 100000);
    const json batch = json::parse(send(http::verb::post, base + "/codes", 201, json{{"count", n}}.dump()));
    std::istringstream csv(send(http::verb::get, batch["download"], 200));
    std::string line;
    std::getline(csv, line);  // code,group
    while (std::getline(csv, line)) codes.push_back(line.substr(0, line.find(',')));
    left -= n;
  }
  send(http::verb::post, base + "/open", 200);
  return codes;
}

// The load: asynchronous keep-alive clients, one object per connection.

struct Sample {
  std::int64_t start_ns;  // the send time (open loop: when it was scheduled)
  std::int64_t done_ns;   // the whole response was read
  int status;             // 0: the exchange failed
  int phase;
};

class Connection;

// What the connections share.
struct Load {
  const Clock::time_point epoch = Clock::now();
  std::int64_t Now() const { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - epoch).count(); }
  Clock::time_point At(std::int64_t ns) const { return epoch + std::chrono::nanoseconds(ns); }

  const std::string target = std::string("/api/v1/processes/") + kSlug + "/ballots";
  std::vector<std::string> codes;
  std::atomic<std::size_t> next_code{0};
  std::atomic<long> out_of_codes{0};
  std::atomic<int> in_flight{0};
  std::atomic<int> phase{kIdle};
  std::atomic<bool> closed_running{false};

  // Open loop: a send due while every connection is busy waits in `backlog`.
  std::mutex mu;
  std::deque<std::shared_ptr<Connection>> idle;
  std::deque<std::int64_t> backlog;
  long late = 0;

  void Dispatch(std::int64_t at_ns);
  // A connection is free: the oldest waiting send for it, or it joins `idle`.
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

  // Connects and handshakes (blocking: before the client threads run); throws on failure.
  void Open(const tcp::endpoint& endpoint) {
    Lowest().socket().connect(endpoint);
    Lowest().socket().set_option(tcp::no_delay(true));
    SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
    stream_.handshake(ssl::stream_base::client);
  }

  // Casts a ballot with the next unused code; on the strand.
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
  // Read once the connection is idle and its thread stopped.
  std::vector<Sample> samples;
  std::vector<std::string> receipts, errors;

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // A valid random approval ballot: 1 to kMaxProjects distinct projects.
  void BuildRequest(const std::string& code) {
    int ids[kProjects];
    for (int i = 0; i < kProjects; ++i) ids[i] = i + 1;
    const int k = 1 + static_cast<int>(rng_() % kMaxProjects);
    body_.assign("{\"code\":\"").append(code).append("\",\"ballots\":{\"").append(kBudget).append("\":{\"projects\":[");
    for (int i = 0; i < k; ++i) {
      std::swap(ids[i], ids[i + static_cast<int>(rng_() % static_cast<unsigned>(kProjects - i))]);
      body_.append(i > 0 ? ",\"p" : "\"p").append(std::to_string(ids[i])).append("\"");
    }
    body_.append("]}}}");
    request_.assign("POST ").append(load_.target).append(" HTTP/1.1\r\nHost: localhost\r\n");
    request_.append("Content-Type: application/json\r\nContent-Length: ").append(std::to_string(body_.size()));
    request_.append("\r\n\r\n").append(body_);
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
    samples.push_back(Sample{start_ns_, load_.Now(), status, phase_});
    const std::string& body = response.body();
    if (const auto at = body.find("\"receipt\":\""); status == 201 && at != std::string::npos) {
      receipts.push_back(body.substr(at + 11, body.find('"', at + 11) - at - 11));
    } else if (errors.size() < 5) {
      errors.push_back(std::to_string(status) + " " + body);
    }
    if (!response.keep_alive()) return Fail("the server closed the connection");
    Next();  // before leaving in_flight, so that in_flight == 0 means all done
    --load_.in_flight;
  }

  void Next() {
    std::int64_t at = 0;
    if (load_.phase == kClosedLoop && load_.closed_running) Send(load_.Now(), kClosedLoop);
    if (load_.phase == kOpenLoop && load_.TakeWork(shared_from_this(), &at)) Send(at, kOpenLoop);
  }

  void Fail(std::string what) {
    samples.push_back(Sample{start_ns_, load_.Now(), 0, phase_});
    errors.push_back(std::move(what));
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
  int phase_ = kIdle;
  bool dead_ = false;
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

// CPU seconds of this process's threads by kind (from /proc); the DbWorker's
// thread is the one unnamed thread besides main.
std::map<std::string, double> ThreadCpu() {
  std::map<std::string, double> out;
  for (const auto& entry : fs::directory_iterator("/proc/self/task")) {
    std::ifstream in(entry.path() / "stat");
    const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    if (entry.path().filename() == std::to_string(getpid())) continue;  // main: sleeps
    const std::string name = stat.substr(open + 1, close - open - 1);
    unsigned long utime = 0, stime = 0;  // fields 14 and 15, in clock ticks
    std::sscanf(stat.c_str() + close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
    out[name.substr(0, 6) == "srv-io" ? "server io" : name.substr(0, 6) == "cli-io" ? "client io" : "db writer"] +=
        static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return out;
}

// Bytes this process has caused to be written to storage (/proc/self/io).
double StorageWriteBytes() {
  std::ifstream in("/proc/self/io");
  std::string name;
  double value = 0;
  while (in >> name >> value && name != "write_bytes:") {}
  return name == "write_bytes:" ? value : 0;
}

struct Latency {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;  // ms
  std::string text() const {
    char out[128];
    std::snprintf(out, sizeof out, "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", p50, p90, p99, max);
    return out;
  }
};

Latency Percentiles(std::vector<std::int64_t> ns) {
  if (ns.empty()) return {};
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {  // nearest rank
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(ns.size()) + 0.999999);
    return static_cast<double>(ns[std::clamp<std::size_t>(rank, 1, ns.size()) - 1]) / 1e6;
  };
  return Latency{at(0.50), at(0.90), at(0.99), static_cast<double>(ns.back()) / 1e6};
}

struct Figures {
  std::unordered_set<std::string> receipts;  // of every 201, all phases
  long failures = 0;                         // anything but 201, all phases
  bool closed_met = false, open_met = true;
};

void WaitUntil(const std::function<bool()>& condition) {
  const auto deadline = Clock::now() + kTimeout;
  while (!condition() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

Figures RunLoad(const Options& o, std::uint16_t port, std::vector<std::string> codes) {
  Load load;
  load.codes = std::move(codes);
  net::io_context io(static_cast<int>(o.client_threads));
  ssl::context tls(ssl::context::tls_client);
  tls.set_verify_mode(ssl::verify_none);
  std::vector<std::shared_ptr<Connection>> connections;
  for (long i = 0; i < static_cast<long>(o.connections); ++i) {
    connections.push_back(std::make_shared<Connection>(io, tls, load, static_cast<unsigned>(i + 1)));
    connections.back()->Open(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }
  auto guard = net::make_work_guard(io);
  std::vector<std::thread> pool;
  for (long i = 0; i < static_cast<long>(o.client_threads); ++i)
    pool.emplace_back([&io, i] { NameThread("cli-io-" + std::to_string(i)); io.run(); });

  // Closed loop: every connection sends back to back; measured after the warm-up.
  load.phase = kClosedLoop;
  load.closed_running = true;
  for (auto& c : connections)
    if (c->alive()) net::post(c->executor(), [c, &load] { c->Send(load.Now(), kClosedLoop); });
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
  const auto window_start = load.Now();
  const auto cpu_before = ThreadCpu();
  const double written_before = StorageWriteBytes();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  const auto window_end = load.Now();
  const auto cpu_after = ThreadCpu();
  const double written = StorageWriteBytes() - written_before;
  load.closed_running = false;
  WaitUntil([&] { return load.in_flight == 0; });

  // Open loop: sends scheduled at a fixed rate over the idle connections.
  std::int64_t open_start = 0, open_end = 0, max_lag = 0;
  if (o.rate > 0) {
    for (auto& c : connections)
      if (c->alive()) load.idle.push_back(c);  // (no client thread touches it before `phase` says so)
    load.phase = kOpenLoop;
    open_start = load.Now() + 10'000'000;
    open_end = open_start + static_cast<std::int64_t>(o.seconds * 1e9);
    // One send every 1/rate s, handed to an idle connection or queued until one is free.
    net::steady_timer timer(net::make_strand(io));
    std::atomic<bool> scheduled_all{false};
    std::int64_t k = 0;
    auto due = [&] { return open_start + static_cast<std::int64_t>(static_cast<double>(k) * 1e9 / o.rate); };
    std::function<void(beast::error_code)> tick = [&](beast::error_code ec) {
      if (ec) return;
      for (const std::int64_t now = load.Now(); due() <= now && due() < open_end; ++k) {
        max_lag = std::max(max_lag, now - due());  // how late the timer woke
        load.Dispatch(due());
      }
      if (due() >= open_end) {
        scheduled_all = true;
        return;
      }
      timer.expires_at(load.At(due()));
      timer.async_wait(tick);
    };
    net::post(timer.get_executor(), [&] { tick({}); });
    std::this_thread::sleep_until(load.At(open_end));
    WaitUntil([&] { return scheduled_all.load(); });
    WaitUntil([&] {
      std::lock_guard lock(load.mu);
      return load.in_flight == 0 && (load.backlog.empty() || load.out_of_codes > 0);
    });
  }
  load.phase = kIdle;
  WaitUntil([&] { return load.in_flight == 0; });

  Figures f;
  std::vector<std::int64_t> closed_ns, open_ns;
  long closed_ok = 0, open_ok = 0, open_done = 0;
  std::int64_t open_last = open_end;
  std::vector<std::string> errors;
  for (const auto& c : connections) {
    for (const Sample& s : c->samples) {
      f.failures += s.status != 201;
      if (s.phase == kClosedLoop && s.done_ns >= window_start && s.done_ns < window_end) {
        closed_ok += s.status == 201;
        closed_ns.push_back(s.done_ns - s.start_ns);
      } else if (s.phase == kOpenLoop) {
        ++open_done;
        open_ok += s.status == 201;
        open_ns.push_back(s.done_ns - s.start_ns);
        open_last = std::max(open_last, s.done_ns);
      }
    }
    f.receipts.insert(c->receipts.begin(), c->receipts.end());
    errors.insert(errors.end(), c->errors.begin(), c->errors.end());
  }
  connections.clear();  // every connection is idle, nothing pending: this closes them
  load.idle.clear();
  guard.reset();
  for (auto& t : pool) t.join();

  const double measured = static_cast<double>(window_end - window_start) / 1e9;
  const double closed_rate = static_cast<double>(closed_ok) / measured;
  std::printf("closed loop, %.0f connections: %.0f ballots/s acknowledged, %s  (%ld in %.2f s)\n", o.connections,
              closed_rate, Percentiles(std::move(closed_ns)).text().c_str(), closed_ok, measured);
  std::printf("  cpu (cores):");
  for (const auto& [kind, cpu] : cpu_after) std::printf(" %s %.2f,", kind.c_str(), (cpu - cpu_before.at(kind)) / measured);
  std::printf(" storage writes %.0f MB/s, %.1f KB per ballot\n", written / measured / 1e6,
              closed_ok > 0 ? written / static_cast<double>(closed_ok) / 1e3 : 0.0);
  f.closed_met = closed_rate >= 10000;
  if (o.rate > 0) {
    const Latency open = Percentiles(std::move(open_ns));
    const double span = static_cast<double>(std::max(open_last, open_end) - open_start) / 1e9;
    const long scheduled = static_cast<long>(o.rate * o.seconds);
    std::printf("open loop at %.0f/s: achieved %.0f/s, %s  (%ld of %ld answered; %ld waited for a free connection; "
                "timer lag max %.1f ms)\n",
                o.rate, static_cast<double>(open_ok) / span, open.text().c_str(), open_done, scheduled, load.late,
                static_cast<double>(max_lag) / 1e6);
    f.open_met = open.p99 <= 25 && open_done >= scheduled;
  }
  if (load.out_of_codes > 0) std::printf("warning: ran out of voter codes (raise --codes)\n");
  std::printf("non-201 answers: %ld\n", f.failures);
  for (const auto& e : errors) std::printf("  %s\n", e.c_str());
  return f;
}

// Against a server already running (--port): set up and write the codes, or
// read them and vote. What it stored is checked by the caller (its board).
int RunExternal(const Options& o, long codes) {
  const auto port = static_cast<std::uint16_t>(o.port);
  try {
    if (o.setup_only) {
      const auto list = SetUpProcess(port, o.token, codes);
      std::ofstream out(o.codes_file);
      for (const auto& code : list) out << code << "\n";
      if (!out.flush()) throw std::runtime_error("cannot write " + o.codes_file);
      std::printf("setup: process '%s' open on 127.0.0.1:%u with %zu codes in %s\n", kSlug, port, list.size(),
                  o.codes_file.c_str());
      return 0;
    }
    std::ifstream in(o.codes_file);
    std::vector<std::string> list;
    for (std::string line; std::getline(in, line);) list.push_back(line);
    if (list.empty()) throw std::runtime_error("no codes in " + o.codes_file);
    const Figures figures = RunLoad(o, port, std::move(list));
    std::printf("acknowledged: %zu\n", figures.receipts.size());
    return figures.failures == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "psephos_server_load: %s\n", e.what());
    return 2;
  }
}

// Reopens the store: it must hold exactly the acknowledged ballots, intact.
bool CheckDurability(const fs::path& data, const std::unordered_set<std::string>& receipts) {
  auto storage = ps::OpenSqliteStorage((data / "psephos.db").string());
  auto processes = storage.ok() ? (*storage)->LoadProcesses() : storage.status();
  if (!processes.ok()) {
    std::printf("durability: cannot reopen: %s\n", processes.status().message().c_str());
    return false;
  }
  std::size_t stored = 0, matched = 0;
  for (const auto& p : *processes) {
    auto ballots = (*storage)->LoadBallots(p.id);
    if (p.slug != kSlug || !ballots.ok()) continue;
    stored = ballots->size();
    for (const auto& b : *ballots) matched += receipts.count(b.receipt);
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
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures show as they come, also into a file
  if (!o.close_file.empty()) {
    return psephos::bench::RunCloseScenario({o.close_file, o.close_rule, o.other_rate,
                                             static_cast<long>(o.server_threads), static_cast<long>(o.close_voters),
                                             o.keep, o.bundle});
  }
  const long codes = o.codes > 0 ? static_cast<long>(o.codes)
                                 : static_cast<long>(30000 * (o.warmup + o.seconds + 1) + 1.2 * o.rate * o.seconds);
  if (o.port > 0) return RunExternal(o, codes);
  std::string temp = (fs::temp_directory_path() / "psephos-load-XXXXXX").string();
  if (!mkdtemp(temp.data())) {
    std::perror("mkdtemp");
    return 2;
  }
  const fs::path data = temp;
  const std::string token = ps::RandomHex(32);
  Figures figures;
  try {
    InProcessServer server;
    if (Status s = server.Start(data, token, static_cast<long>(o.server_threads)); !s.ok())
      throw std::runtime_error(s.message());
    const std::uint16_t port = server.server->port();
    std::printf("server on 127.0.0.1:%u, %.0f io thread(s); data in %s\n", port, o.server_threads, data.c_str());
    const auto setup_start = Clock::now();
    auto list = SetUpProcess(port, token, codes);
    std::printf("setup: process '%s' open with %zu codes (%.1f s)\n", kSlug, list.size(),
                std::chrono::duration<double>(Clock::now() - setup_start).count());
    figures = RunLoad(o, port, std::move(list));
    server.Stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "psephos_server_load: %s\n", e.what());
    return 2;
  }
  const bool durable = CheckDurability(data, figures.receipts);
  std::printf("targets: >= 10000 ballots/s %s; p99 <= 25 ms at the open-loop rate %s\n",
              figures.closed_met ? "met" : "NOT met", figures.open_met ? "met" : "NOT met");
  if (!o.keep) fs::remove_all(data);
  return durable && figures.failures == 0 ? 0 : 1;
}
