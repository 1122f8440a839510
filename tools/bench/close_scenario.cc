#include "close_scenario.h"

#include <openssl/ssl.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "in_process_server.h"
#include "psephos/ballots/pabulib.h"
#include "psephos/server/secrets.h"

namespace psephos::bench {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr const char* kClosed = "closing-city";
constexpr const char* kOther = "voting-on";

// One blocking keep-alive TLS connection; throws on a broken exchange.
class Client {
 public:
  Client(std::uint16_t port, std::string token) : stream_(io_, context_), token_(std::move(token)) {
    context_.set_verify_mode(ssl::verify_none);
    beast::get_lowest_layer(stream_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true));
    SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
    stream_.handshake(ssl::stream_base::client);
  }

  std::pair<int, std::string> Send(http::verb verb, const std::string& target, const std::string& body = "",
                                   const char* type = "application/json",
                                   std::chrono::seconds timeout = std::chrono::seconds(60), const char* prefer = "") {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, "localhost");
    if (!token_.empty()) request.set(http::field::authorization, "Bearer " + token_);
    if (!body.empty()) request.set(http::field::content_type, type);
    if (*prefer) request.set(http::field::prefer, prefer);
    request.body() = body;
    request.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(timeout);
    http::write(stream_, request);
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 << 20);
    http::read(stream_, buffer_, parser);
    return {static_cast<int>(parser.get().result_int()), parser.get().body()};
  }

  std::string Expect(int status, http::verb verb, const std::string& target, const std::string& body = "",
                     const char* type = "application/json") {
    auto [got, text] = Send(verb, target, body, type);
    if (got != status) throw std::runtime_error(target + ": " + std::to_string(got) + " " + text.substr(0, 300));
    return text;
  }

 private:
  net::io_context io_;
  ssl::context context_{ssl::context::tls_client};
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::string token_;
};

std::string Path(const char* slug) { return std::string("/api/v1/processes/") + slug; }

std::vector<std::string> MakeCodes(Client& admin, const char* slug, long count) {
  std::vector<std::string> codes;
  for (long left = count; left > 0;) {
    const long n = std::min<long>(left, 100000);
    const json batch = json::parse(admin.Expect(201, http::verb::post, Path(slug) + "/codes", json{{"count", n}}.dump()));
    std::istringstream csv(admin.Expect(200, http::verb::get, batch["download"]));
    std::string line;
    std::getline(csv, line);  // code,group,area
    while (std::getline(csv, line)) codes.push_back(line.substr(0, line.find(',')));
    left -= n;
  }
  return codes;
}

// A line of /proc/self/status in MB: "VmHWM:" the peak resident memory
// since the last reset, "VmRSS:" the resident memory now, "RssFile:" the part
// of it that maps files (shared libraries).
double StatusMb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t length = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, length, field) == 0) return std::strtod(line.c_str() + length, nullptr) / 1024.0;
  }
  return 0;
}
double PeakRssMb() { return StatusMb("VmHWM:"); }
// Linux: "5" resets the peak (VmHWM) to the current resident size.
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

double Percentile(std::vector<double> ms, double q) {
  if (ms.empty()) return 0;
  std::sort(ms.begin(), ms.end());
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(ms.size()) + 0.999999);
  return ms[std::clamp<std::size_t>(rank, 1, ms.size()) - 1];
}

}  // namespace

int RunCloseScenario(const CloseScenario& o) {
  std::ifstream in(o.file, std::ios::binary);
  const std::string pb((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto election = ballots::ParsePabulib(pb, o.file);
  if (!election.ok()) {
    std::fprintf(stderr, "psephos_server_load: %s\n", election.status().message().c_str());
    return 2;
  }
  const long voters = o.voters > 0 ? std::min<long>(o.voters, static_cast<long>(election->profile.size()))
                                   : static_cast<long>(election->profile.size());
  std::string temp = (fs::temp_directory_path() / "psephos-close-XXXXXX").string();
  if (!mkdtemp(temp.data())) return 2;
  const std::string token = server::RandomHex(32);
  bool ok = true;
  try {
    InProcessServer srv;
    srv.limits.max_body_bytes = 64 << 20;  // the import sends the whole .pb file
    if (Status s = srv.Start(temp, token, o.server_threads); !s.ok()) throw std::runtime_error(s.message());
    const std::uint16_t port = srv.server->port();
    Client admin(port, token);

    // The closing process: the file's projects and rules, counted with --close-rule.
    admin.Expect(201, http::verb::post, "/api/v1/processes/import?slug=" + std::string(kClosed), pb, "text/plain");
    json definition = json::parse(admin.Expect(200, http::verb::get, Path(kClosed)))["definition"];
    const std::string budget = definition["budgets"][0]["id"];
    definition["budgets"][0]["rule"] = o.rule;
    for (const char* option : {"min_score", "reserve_share", "comparison"}) definition["budgets"][0].erase(option);
    admin.Expect(200, http::verb::put, Path(kClosed), definition.dump());
    const auto closing_codes = MakeCodes(admin, kClosed, voters);
    admin.Expect(200, http::verb::post, Path(kClosed) + "/open");

    // The process that keeps voting: one approval budget.
    json other = json::parse(R"({"slug": "voting-on", "title": "Voting on", "budgets": [{"id": "main",
        "amount": 300000, "currency": "USD", "rule": "greedy", "projects": [],
        "ballot": {"type": "approval", "min_projects": 1, "max_projects": 3}}]})");
    for (int i = 1; i <= 10; ++i) {
      other["budgets"][0]["projects"].push_back(
          {{"id", std::string("p").append(std::to_string(i))},
           {"name", std::string("Project ").append(std::to_string(i))},
           {"cost", 50000 + 10000 * i}});
    }
    admin.Expect(201, http::verb::post, "/api/v1/processes", other.dump());
    const auto other_codes = MakeCodes(admin, kOther, 100000);
    admin.Expect(200, http::verb::post, Path(kOther) + "/open");

    // The file's voters vote over HTTPS, 8 connections.
    const auto cast_start = Clock::now();
    std::atomic<long> next{0}, refused{0};
    std::vector<std::thread> casters;
    for (int t = 0; t < 8; ++t) {
      casters.emplace_back([&] {
        Client c(port, "");
        for (long i; (i = next.fetch_add(1)) < voters;) {
          json projects = json::array();
          for (auto index : election->profile.projects(static_cast<std::size_t>(i))) {
            projects.push_back(election->projects[index].id);
          }
          json body{{"code", closing_codes[static_cast<std::size_t>(i)]}, {"ballots", {{budget, {{"projects", projects}}}}}};
          if (c.Send(http::verb::post, Path(kClosed) + "/ballots", body.dump()).first != 201) ++refused;
        }
      });
    }
    for (auto& t : casters) t.join();
    std::printf("close scenario: %ld ballots of %s cast over HTTPS in %.1f s (%ld refused)\n", voters,
                fs::path(o.file).filename().c_str(), std::chrono::duration<double>(Clock::now() - cast_start).count(),
                refused.load());
    ok = refused == 0;

    // The other process votes at a fixed rate (slot k due at k / rate s, timed
    // from then) on 8 connections, from before the close until after it.
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::pair<double, double>> samples;  // (due, latency) in ms since `epoch`
    long other_failures = 0;
    const auto epoch = Clock::now() + std::chrono::milliseconds(50);
    std::atomic<long> slot{0};
    std::vector<std::thread> voters_on;
    // However this block is left (an exception names what failed), the
    // voting threads stop and are joined first: a joinable thread destroyed
    // would end the program with no word of why.
    struct StopAndJoin {
      std::atomic<bool>& stop;
      std::vector<std::thread>& threads;
      ~StopAndJoin() {
        stop = true;
        for (auto& t : threads) {
          if (t.joinable()) t.join();
        }
      }
    } stop_and_join{stop, voters_on};
    for (int t = 0; t < 8; ++t) {
      voters_on.emplace_back([&, t] {
        Client c(port, "");
        for (long k; !stop && (k = slot.fetch_add(1)) < static_cast<long>(other_codes.size());) {
          const auto due = epoch + std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(k) * 1e9 / o.other_rate));
          std::this_thread::sleep_until(due);
          json body{{"code", other_codes[static_cast<std::size_t>(k)]},
                    {"ballots", {{"main", {{"projects", {std::string("p").append(std::to_string(1 + (k + t) % 10))}}}}}}};
          const int status = c.Send(http::verb::post, Path(kOther) + "/ballots", body.dump()).first;
          const double at = std::chrono::duration<double, std::milli>(due - epoch).count();
          const double took = std::chrono::duration<double, std::milli>(Clock::now() - due).count();
          std::lock_guard lock(mu);
          samples.emplace_back(at, took);
          other_failures += status != 201;
        }
      });
    }
    // A fresh connection for the close: the first one has been idle while
    // the file's voters voted, longer than the server keeps an idle one on a
    // busy machine.
    Client organizer(port, token);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    ResetPeakRss();
    const double resident_before = StatusMb("VmRSS:");
    const double files_before = StatusMb("RssFile:");  // mapped files: mostly shared libraries' code
    const double close_start = std::chrono::duration<double, std::milli>(Clock::now() - epoch).count();
    // As the organizer's page does: 202 once the close is on disk, then the
    // state every 20 ms until counted (a blocking read of a minutes-long
    // answer would do too, but this client's TLS read spins while it waits).
    const int accepted = organizer.Send(http::verb::post, Path(kClosed) + "/close", "", "application/json",
                                    std::chrono::seconds(60), "respond-async").first;
    std::string state = accepted == 202 ? "tallying" : "?";
    while (state == "tallying") {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      state = json::parse(organizer.Expect(200, http::verb::get, Path(kClosed))).value("state", "?");
    }
    const double close_end = std::chrono::duration<double, std::milli>(Clock::now() - epoch).count();
    auto [status, text] = organizer.Send(http::verb::get, Path(kClosed) + "/results");
    const double peak = PeakRssMb();
    if (!o.bundle.empty()) {
      const auto [bundle_status, bundle] = organizer.Send(http::verb::get, Path(kClosed) + "/bundle");
      std::ofstream(o.bundle, std::ios::binary) << bundle;
      std::printf("bundle (%d): %zu bytes in %s\n", bundle_status, bundle.size(), o.bundle.c_str());
      ok = ok && bundle_status == 200;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    stop = true;
    for (auto& t : voters_on) t.join();
    const bool counted = state == "closed" && status == 200 && json::parse(text, nullptr, false).contains("budgets");
    ok = ok && counted && other_failures == 0;

    std::vector<double> during;
    for (const auto& [at, took] : samples) {
      if (at >= close_start && at <= close_end) during.push_back(took);
    }
    std::printf("close of %ld ballots with %s: %.2f s end to end (close %d, then %s%s)\n", voters, o.rule.c_str(),
                (close_end - close_start) / 1e3, accepted, state.c_str(), counted ? " with results" : ", NO results");
    std::printf("other process at %.0f ballots/s during the close: %zu ballots, p50 %.1f ms, p99 %.1f ms, "
                "max %.1f ms (%ld not 201)\n",
                o.other_rate, during.size(), Percentile(during, 0.5), Percentile(during, 0.99),
                during.empty() ? 0.0 : *std::max_element(during.begin(), during.end()), other_failures);
    std::printf("peak memory (RSS) during the close: %.0f MB, %.0f MB when it began, %.0f MB of that mapped files "
                "such as shared libraries (server and this benchmark's clients, one process)\n",
                peak, resident_before, files_before);
    std::printf("targets: close <= 3 s %s; p99 <= 25 ms %s; memory <= 200 MB %s\n",
                close_end - close_start <= 3000 ? "met" : "NOT met", Percentile(during, 0.99) <= 25 ? "met" : "NOT met",
                peak <= 200 ? "met" : "NOT met");
    srv.Stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "psephos_server_load: %s\n", e.what());
    ok = false;
  }
  if (!o.keep) fs::remove_all(temp);
  return ok ? 0 : 1;
}

}  // namespace psephos::bench
