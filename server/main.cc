// psephos-server: the HTTPS voting server on an embedded SQLite store, or on
// PostgreSQL shared by several nodes.
#include <sys/stat.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "psephos/ballots/json_reader.h"
#include "psephos/server/api.h"
#include "psephos/server/crash_log.h"
#include "psephos/server/https_server.h"
#include "psephos/server/secrets.h"
#include "psephos/server/tls.h"

namespace {

namespace fs = std::filesystem;
using psephos::Result;
using psephos::Status;
using namespace psephos::server;

constexpr const char* kHelp = R"(usage: psephos-server [options]

Runs the Psephos voting server over HTTPS with its data in an embedded SQLite
database, or in PostgreSQL. On first start it creates an organizer token and
prints it once, and makes a self-signed TLS certificate unless --cert/--key are
given.

options (each may also be set in the --config file as `name = value`):
  --data DIR           where the database, certificate and key live (default ./psephos-data)
  --database WHERE     the database: an SQLite file (default DIR/psephos.db), or
                       postgresql://USER[:PASSWORD]@HOST[:PORT]/NAME[?PARAMS] (libpq's URL;
                       the schema is made on first start; see docs/postgresql.md)
  --copy-to URL        copy the SQLite database (--database, else DIR/psephos.db) into the new,
                       empty PostgreSQL database at URL, ids and receipts kept, and exit
  --migrate            bring the database's schema up to this version, say what was done, and
                       exit (back PostgreSQL up first; SQLite is copied to FILE.schema-N.bak).
                       Without it, a PostgreSQL schema older than this version is refused;
                       an older SQLite file is copied the same way and migrated at start
  --listen HOST:PORT   address to serve on (default 127.0.0.1:8443; port 0 picks one)
  --cert FILE          TLS certificate chain (PEM); with --key, replaces the self-signed one
  --key FILE           TLS private key (PEM)
  --host-name NAME     name put in the self-signed certificate (default localhost)
  --threads N          network threads (default 2)
  --example FILE.json  on first start, create this process, 25 voter codes per group
                       (written to DIR/example-codes.csv), and open it for voting
  --body-limit BYTES   largest request body accepted (default 1048576)
  --read-timeout SEC   time allowed to send a whole request (default 15)
  --idle-timeout SEC   keep-alive time between requests (default 60)
  --code-failures N    wrong voter codes a client address (IPv6: its /64) or a device may send
                       at once before waiting (default 120); then one more per second, and
                       waits that double up to a minute while it keeps guessing
  --max-connections N  open connections in all (default 10000); more are closed at once
  --max-connections-per-address N
                       open connections from one client address (default 500)
  --proxy-protocol-from ADDRESS[,ADDRESS...]
                       a load balancer's addresses: connections from them may begin with a
                       PROXY protocol v2 header (HAProxy's send-proxy-v2), whose client
                       address then counts for every per-address limit (docs/postgresql.md)
  --config FILE        read options from FILE first; flags given on the command line win
  --help               show this text
)";

using Options = std::map<std::string, std::string>;

Result<Options> ReadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Invalid("cannot read config file " + path);
  Options out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    const auto eq = line.find('=');
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t\r"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    if (trim(line).empty()) continue;
    if (eq == std::string::npos) return Status::Invalid(path + ":" + std::to_string(n) + ": expected name = value");
    out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return out;
}

const std::set<std::string> kOptionNames{"data", "database", "copy-to", "listen", "cert", "key", "host-name",
                                         "threads", "example", "body-limit", "read-timeout", "idle-timeout", "code-failures", "max-connections", "max-connections-per-address",
                                         "proxy-protocol-from"};

void PrintSchemaChange(const SchemaChange& change) {
  const std::string version = change.backend + " schema version " + std::to_string(change.to);
  if (change.from == change.to) {
    std::cout << "schema: already current (" << version << ")\n";
    return;
  }
  if (change.from == 0) {
    std::cout << "schema: created the new database at " << version << "\n";
    return;
  }
  if (!change.backup.empty()) std::cout << "schema: backed up to " << change.backup << "\n";
  std::cout << "schema: migrated " << change.backend << " from version " << change.from << " to " << change.to << "\n";
  for (const auto& step : change.steps) std::cout << "  step " << step << "\n";
}

Result<Options> ParseArgs(int argc, char** argv) {
  Options flags;
  std::string config;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") return Status::Invalid("help");
    if (a == "--migrate") {  // a flag, and never from --config: each migration is asked for
      flags["migrate"] = "";
      continue;
    }
    if (a.rfind("--", 0) != 0) return Status::Invalid("unexpected argument " + a);
    std::string name = a.substr(2), value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.erase(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return Status::Invalid("option --" + name + " needs a value");
    }
    if (name == "config") {
      config = value;
    } else if (!kOptionNames.count(name)) {
      return Status::Invalid("unknown option --" + name + " (see --help)");
    } else {
      flags[name] = value;
    }
  }
  Options options;
  if (!config.empty()) {
    auto file = ReadConfig(config);
    if (!file.ok()) return file.status();
    for (const auto& [name, value] : *file) {
      if (!kOptionNames.count(name)) return Status::Invalid(config + ": unknown option " + name);
      options[name] = value;
    }
  }
  for (const auto& [name, value] : flags) options[name] = value;
  return options;
}

Result<long> Number(const Options& o, const std::string& name, long fallback, long min, long max) {
  auto it = o.find(name);
  if (it == o.end()) return fallback;
  try {
    std::size_t used = 0;
    const long n = std::stol(it->second, &used);
    if (used == it->second.size() && n >= min && n <= max) return n;
  } catch (...) {
  }
  return Status::Invalid("--" + name + " must be a whole number from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", got '" + it->second + "'");
}

// Creates the example process with codes for each group and opens it.
Status SetUpExample(Storage& storage, const std::string& path, const fs::path& data) {
  std::ifstream in(path);
  if (!in) return Status::Invalid("cannot read example " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto json = psephos::ballots::ParseJson(text.str());
  if (!json.ok()) return Status::Invalid(path + ": not valid JSON: " + json.status().message());
  auto definition = ParseProcessDefinition(*json);
  if (!definition.ok()) return Status::Invalid(path + ": " + definition.status().message());
  auto existing = storage.LoadProcesses();
  if (!existing.ok()) return existing.status();
  for (const auto& p : *existing) {
    if (p.slug == definition->slug) return Status::Ok();  // set up on an earlier start
  }
  auto id = storage.CreateProcess(definition->slug, ProcessDefinitionJson(*definition).dump());
  if (!id.ok()) return id.status();
  std::string all = "code,group,area,language\n";
  std::vector<std::string> groups = definition->groups;
  if (groups.empty()) groups.push_back("");
  std::vector<std::string> areas = definition->areas;
  if (areas.empty()) areas.push_back("");
  for (const auto& area : areas) {
    for (const auto& group : groups) {
      NewCodes codes = NewVoterCodes(25, group, area, definition->languages.front());
      all += codes.csv.substr(codes.csv.find('\n') + 1);
      auto batch = storage.AddCodeBatch(*id, group, area, codes.hashes, codes.csv);
      if (!batch.ok()) return batch.status();
    }
  }
  if (Status s = storage.SetState(*id, ProcessState::kOpen); !s.ok()) return s;
  const fs::path codes = data / "example-codes.csv";
  {
    std::ofstream out(codes);
    out << all;
  }
  fs::permissions(codes, fs::perms::owner_read | fs::perms::owner_write);
  std::cout << "example process '" << definition->slug << "' is open; voter codes: " << codes.string() << "\n";
  return Status::Ok();
}

int Fail(const std::string& message) {
  std::cerr << "psephos-server: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  InstallCrashLog();
  auto options = ParseArgs(argc, argv);
  if (!options.ok()) {
    if (options.status().message() == "help") {
      std::cout << kHelp;
      return 0;
    }
    return Fail(options.status().message() + "\n\n" + kHelp);
  }
  Options& o = *options;
  const fs::path data = o.count("data") ? o["data"] : "psephos-data";
  const std::string listen = o.count("listen") ? o["listen"] : "127.0.0.1:8443";
  const auto colon = listen.rfind(':');
  auto port = colon == std::string::npos ? Result<long>(Status::Invalid("--listen must be HOST:PORT"))
                                         : Number({{"listen", listen.substr(colon + 1)}}, "listen", 0, 0, 65535);
  if (!port.ok()) return Fail("--listen must be HOST:PORT, got '" + listen + "'");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto threads = Number(o, "threads", 2, 1, 256);
  auto body_limit = Number(o, "body-limit", 1 << 20, 1024, 64 << 20);
  auto read_timeout = Number(o, "read-timeout", 15, 1, 3600);
  auto idle_timeout = Number(o, "idle-timeout", 60, 1, 3600);
  auto code_failures = Number(o, "code-failures", 120, 1, 1000000);
  auto max_connections = Number(o, "max-connections", 10000, 1, 1000000);
  auto per_address = Number(o, "max-connections-per-address", 500, 1, 1000000);
  for (const auto* r : {&threads, &body_limit, &read_timeout, &idle_timeout, &code_failures, &max_connections,
                        &per_address}) {
    if (!r->ok()) return Fail(r->status().message());
  }
  if (o.count("cert") != o.count("key")) return Fail("--cert and --key go together");

  const std::string database = o.count("database") ? o["database"] : (data / "psephos.db").string();
  if (o.count("copy-to")) {
    if (IsPostgresUrl(database)) return Fail("--copy-to copies an SQLite database; --database names PostgreSQL");
    if (!IsPostgresUrl(o["copy-to"])) return Fail("--copy-to takes a postgresql:// URL, got '" + o["copy-to"] + "'");
    auto copied = CopySqliteToPostgres(database, o["copy-to"]);
    if (!copied.ok()) return Fail(copied.status().message());
    std::cout << *copied << "\n";
    return 0;
  }

  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec) return Fail("cannot create the data directory " + data.string() + ": " + ec.message());
  fs::permissions(data, fs::perms::owner_all, ec);
  // A school's SQLite file moves on by itself, after a copy; a city's PostgreSQL
  // (several nodes, its own backups) only when asked with --migrate.
  const bool postgres = IsPostgresUrl(database);
  SchemaChange change;
  OpenOptions open_options;
  open_options.change = &change;
  open_options.upgrade = !postgres              ? SchemaUpgrade::kBackUpThenMigrate
                         : o.count("migrate") ? SchemaUpgrade::kMigrate
                                              : SchemaUpgrade::kRefuse;
  auto storage = postgres ? OpenPgStorage(database, open_options) : OpenSqliteStorage(database, open_options);
  if (!storage.ok()) return Fail(storage.status().message());
  PrintSchemaChange(change);
  if (o.count("migrate")) return 0;

  // The organizer token and the signing key are made once per database: nodes
  // starting together on a shared one all keep the first writer's (SettingOnce).
  auto token_hash = (*storage)->GetSetting("admin_token_sha256");
  if (!token_hash.ok()) return Fail(token_hash.status().message());
  if (!*token_hash) {
    const std::string token = RandomHex(32);
    auto stored = (*storage)->SettingOnce("admin_token_sha256", Sha256Hex(token));
    if (!stored.ok()) return Fail(stored.status().message());
    if (*stored == Sha256Hex(token)) std::cout << "organizer token (shown once; keep it safe): " << token << "\n";
    *token_hash = *stored;
  }
  // The key that signs results bundles, made once like the token.
  auto key_hex = (*storage)->GetSetting("signing_key_ed25519");
  if (!key_hex.ok()) return Fail(key_hex.status().message());
  if (!*key_hex) {
    auto fresh = SigningKey::Generate();
    if (!fresh.ok()) return Fail(fresh.status().message());
    auto stored = (*storage)->SettingOnce("signing_key_ed25519", fresh->PrivateHex());
    if (!stored.ok()) return Fail(stored.status().message());
    *key_hex = *stored;
  }
  auto signing_key = SigningKey::FromPrivateHex(**key_hex);
  if (!signing_key.ok()) return Fail(signing_key.status().message());
  std::cout << "results are signed with Ed25519 key " << signing_key->PublicHex() << "\n";
  if (o.count("example")) {
    if (Status s = SetUpExample(**storage, o["example"], data); !s.ok()) return Fail(s.message());
  }

  std::string cert = o.count("cert") ? o["cert"] : (data / "tls" / "cert.pem").string();
  std::string key = o.count("key") ? o["key"] : (data / "tls" / "key.pem").string();
  if (!o.count("cert")) {
    const std::string name = o.count("host-name") ? o["host-name"] : "localhost";
    if (Status s = EnsureSelfSignedCertificate(cert, key, name); !s.ok()) return Fail(s.message());
  }
  auto tls = MakeServerTlsContext(cert, key);
  if (!tls.ok()) return Fail(tls.status().message());

  DbWorker worker(**storage);
  ApiOptions api_options;
  api_options.wrong_codes.burst = static_cast<double>(*code_failures);
  api_options.max_image_bytes = static_cast<std::size_t>(*body_limit);  // a picture is one request body
  auto api = Api::Create(worker, **token_hash, *signing_key, api_options);
  if (!api.ok()) return Fail(api.status().message());

  boost::asio::io_context io(static_cast<int>(*threads));
  HttpLimits limits;
  limits.max_body_bytes = static_cast<std::size_t>(*body_limit);
  limits.read_timeout = std::chrono::seconds(*read_timeout);
  limits.idle_timeout = std::chrono::seconds(*idle_timeout);
  limits.max_connections = static_cast<std::size_t>(*max_connections);
  limits.max_connections_per_address = static_cast<std::size_t>(*per_address);
  if (o.count("proxy-protocol-from")) {
    std::stringstream list(o["proxy-protocol-from"]);
    for (std::string address; std::getline(list, address, ',');) {
      boost::system::error_code bad;
      const auto parsed = boost::asio::ip::make_address(address, bad);
      if (bad) return Fail("--proxy-protocol-from takes IP addresses, got '" + address + "'");
      limits.proxy_addresses.push_back(parsed.to_string());
    }
  }
  HttpsServer server(io, **tls, **api, limits);
  if (Status s = server.Listen(host, static_cast<std::uint16_t>(*port)); !s.ok()) return Fail(s.message());

  // SIGTERM/SIGINT: stop taking connections, let every queued write commit and
  // its reply go out, then leave.
  std::promise<void> stop;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { stop.set_value(); });
  auto guard = boost::asio::make_work_guard(io);
  server.Start();
  std::vector<std::thread> pool;
  for (long i = 0; i < *threads; ++i) {
    pool.emplace_back([&io] {
      PrepareThreadForCrashLog();
      io.run();
    });
  }
  std::cout << "listening on https://" << listen.substr(0, colon) << ":" << server.port() << " (ready)" << std::endl;

  stop.get_future().wait();
  std::cout << "stopping: finishing the requests in hand" << std::endl;
  server.Stop();
  (*api)->Stop();  // a count under way is dropped: redone at the next start
  worker.Stop();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server.open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  guard.reset();
  io.stop();
  for (auto& t : pool) t.join();
  std::cout << "stopped" << std::endl;
  return 0;
}
