// psephos-server as a user runs it: a process on a loopback port, driven over
// HTTPS from creation to results, stopped with SIGTERM and started again; its
// schema checks at start and --migrate.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <pqxx/pqxx>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "../support/https_client.h"
#include "../support/test_storage.h"

using nlohmann::json;
using psephos::test::HttpsClient;
namespace http = psephos::test::http;

namespace {

// A child psephos-server with its stdout read line by line.
class ServerProcess {
 public:
  explicit ServerProcess(const std::vector<std::string>& args) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      close(fds[0]);
      std::vector<char*> argv{const_cast<char*>(PSEPHOS_SERVER)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(PSEPHOS_SERVER, argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~ServerProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  // Reads output until a line matches `pattern` (or 20 s pass); returns the match.
  std::smatch WaitFor(const std::string& pattern) {
    const std::regex re(pattern);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      std::size_t newline;
      while ((newline = pending_.find('\n')) != std::string::npos) {
        lines_.push_back(pending_.substr(0, newline));
        pending_.erase(0, newline + 1);
        std::smatch m;
        if (std::regex_search(lines_.back(), m, re)) return m;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      const ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) break;
      pending_.append(buf, static_cast<std::size_t>(n));
    }
    FAIL("server output never matched " << pattern << "; output so far:\n" << Output());
    return {};
  }

  std::string Output() const {
    std::string all;
    for (const auto& l : lines_) all += l + "\n";
    return all + pending_;
  }

  // Sends `signal` and waits for the exit status (-1 on timeout).
  int Stop(int signal = SIGTERM) {
    kill(pid_, signal);
    for (int i = 0; i < 400; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        char buf[4096];
        ssize_t n;
        while ((n = read(out_, buf, sizeof buf)) > 0) pending_.append(buf, static_cast<std::size_t>(n));
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      usleep(50'000);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool exited_ = false;
  std::string pending_;
  std::vector<std::string> lines_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kExample = PSEPHOS_SOURCE_DIR "/examples/roosevelt-high-2026.json";

}  // namespace

TEST_CASE("psephos-server: --help documents the options, bad flags exit 2") {
  ServerProcess help({"--help"});
  help.WaitFor("--listen HOST:PORT");
  CHECK(help.Stop(0) == 0);
  ServerProcess bad({"--no-such-flag", "1"});
  bad.WaitFor("unknown option --no-such-flag");
  CHECK(bad.Stop(0) == 2);
}

TEST_CASE_TEMPLATE("psephos-server: the whole flow over HTTPS, a graceful stop and a restart", B,
                   psephos::test::Sqlite, psephos::test::Postgres) {
  psephos::test::TempDir dir;
  const std::string data = dir.file("data");
  const psephos::test::TestStore store(B::kBackend);  // --database: a file, or postgresql://
  std::string token;
  std::string receipt;
  {
    ServerProcess server({"--data", data, "--database", store.location(), "--listen", "127.0.0.1:0", "--example",
                          kExample, "--threads", "2"});
    token = server.WaitFor("organizer token \\(shown once; keep it safe\\): ([0-9a-f]{64})")[1];
    const int port = std::stoi(server.WaitFor("listening on https://127.0.0.1:([0-9]+) \\(ready\\)")[1]);
    HttpsClient client("127.0.0.1", static_cast<std::uint16_t>(port));
    REQUIRE(client.connected());
    auto health = client.Get("/healthz");
    CHECK(health.status == 200);
    CHECK(health.header("Strict-Transport-Security").find("max-age") != std::string::npos);
    const std::vector<std::pair<std::string, std::string>> auth{{"Authorization", "Bearer " + token}};

    // The example is open with codes for each interest-holder group.
    auto ballot = client.Get("/api/v1/processes/roosevelt-high-2026/ballot");
    REQUIRE(ballot.status == 200);
    CHECK(ballot.json()["state"] == "open");
    CHECK(ballot.json()["budgets"][0]["projects"].size() == 8);
    const std::string csv = Slurp(data + "/example-codes.csv");
    REQUIRE(csv.find("community partner") != std::string::npos);
    const std::string code = csv.substr(csv.find('\n') + 1, 19);
    auto vote = client.Send(http::verb::post, "/api/v1/processes/roosevelt-high-2026/ballots",
                            json{{"code", code}, {"ballots", {{"school", {{"projects", {"1", "4"}}}}}}}.dump());
    REQUIRE(vote.status == 201);
    receipt = vote.json()["receipt"];
    auto twice = client.Send(http::verb::post, "/api/v1/processes/roosevelt-high-2026/ballots",
                             json{{"code", code}, {"ballots", {{"school", {{"projects", {"2"}}}}}}}.dump());
    CHECK(twice.status == 409);
    auto too_many = client.Send(http::verb::post, "/api/v1/processes/roosevelt-high-2026/ballots",
                                json{{"code", csv.substr(csv.find('\n', csv.find('\n') + 1) + 1, 19)},
                                     {"ballots", {{"school", {{"projects", {"1", "2", "3", "4", "5"}}}}}}}
                                    .dump());
    CHECK(too_many.status == 422);
    CHECK(too_many.json()["error"]["problems"][0]["code"] == "too_many_projects");

    // An organizer creates a second process, makes codes, opens, closes, publishes.
    const json definition{{"slug", "district"},
                          {"title", "District PB"},
                          {"budgets", {{{"id", "d"}, {"amount", 100}, {"rule", "phragmen"},
                                        {"projects", {{{"id", "x"}, {"name", "X"}, {"cost", 70}},
                                                      {{"id", "y"}, {"name", "Y"}, {"cost", 30}}}}}}}};
    CHECK(client.Send(http::verb::post, "/api/v1/processes", definition.dump()).status == 401);
    REQUIRE(client.Send(http::verb::post, "/api/v1/processes", definition.dump(), "application/json", auth).status == 201);
    auto batch = client.Send(http::verb::post, "/api/v1/processes/district/codes", R"({"count": 3})",
                             "application/json", auth);
    REQUIRE(batch.status == 201);
    auto codes = client.Send(http::verb::get, batch.json()["download"], "", "", auth);
    REQUIRE(codes.status == 200);
    CHECK(codes.header("Content-Type").find("text/csv") == 0);
    REQUIRE(client.Send(http::verb::post, "/api/v1/processes/district/open", "", "", auth).status == 200);
    std::istringstream lines(codes.body);
    std::string line;
    std::getline(lines, line);
    int cast = 0;
    while (std::getline(lines, line)) {
      auto r = client.Send(http::verb::post, "/api/v1/processes/district/ballots",
                           json{{"code", line.substr(0, 19)}, {"ballots", {{"d", {{"projects", {"x"}}}}}}}.dump());
      cast += r.status == 201;
    }
    CHECK(cast == 3);
    REQUIRE(client.Send(http::verb::post, "/api/v1/processes/district/close", "", "", auth).status == 200);
    REQUIRE(client.Send(http::verb::post, "/api/v1/processes/district/publish", "", "", auth).status == 200);
    auto results = client.Get("/api/v1/processes/district/results");
    REQUIRE(results.status == 200);
    CHECK(results.json()["budgets"][0]["outcome"]["selected"] == json::array({"x", "y"}));

    CHECK(server.Stop(SIGTERM) == 0);
    CHECK(server.Output().find("stopped") != std::string::npos);
  }
  // Started again on the same data: no new token, the ballot is still counted.
  ServerProcess again({"--data", data, "--database", store.location(), "--listen", "127.0.0.1:0"});
  const int port = std::stoi(again.WaitFor("listening on https://127.0.0.1:([0-9]+) \\(ready\\)")[1]);
  CHECK(again.Output().find("organizer token") == std::string::npos);
  HttpsClient client("127.0.0.1", static_cast<std::uint16_t>(port));
  auto turnout = client.Send(http::verb::get, "/api/v1/processes/roosevelt-high-2026/turnout", "", "",
                             {{"Authorization", "Bearer " + token}});
  REQUIRE(turnout.status == 200);
  CHECK(turnout.json()["ballots"] == 1);
  CHECK(again.Stop(SIGTERM) == 0);
}

namespace {

// A store at SQLite schema 3 as released: before pictures, corrections and
// organizer accounts (as corrections_test.cc and accounts_test.cc make it).
void MakeSqliteSchema3(const std::string& path) {
  {
    auto storage = psephos::server::OpenSqliteStorage(path);
    REQUIRE(storage.ok());
    REQUIRE((*storage)->PutSetting("kept", "yes").ok());
  }
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  for (const char* drop : {"DROP TABLE images", "DROP TABLE corrections", "DROP TABLE accounts",
                           "DROP TABLE organizer_roles", "DROP TABLE sessions", "DROP TABLE action_log",
                           "PRAGMA user_version=3"}) {
    db.exec(drop);
  }
}

int UserVersion(const std::string& path) {
  return SQLite::Database(path).execAndGet("PRAGMA user_version").getInt();
}

}  // namespace

TEST_CASE("psephos-server: an older SQLite file is copied to FILE.schema-N.bak, migrated and served: "
          "--migrate says what it did and exits: a newer one is refused") {
  psephos::test::TempDir dir;
  const std::string data = dir.file("data");
  std::filesystem::create_directories(data);
  const std::string db = data + "/psephos.db";
  MakeSqliteSchema3(db);
  {  // The school's first start after an upgrade: no flag needed.
    ServerProcess server({"--data", data, "--listen", "127.0.0.1:0"});
    server.WaitFor("schema: backed up to .*psephos\\.db\\.schema-3\\.bak$");
    server.WaitFor("schema: migrated SQLite from version 3 to 9$");
    server.WaitFor("step 4: texts");
    server.WaitFor("step 5: organizer accounts");
    server.WaitFor("\\(ready\\)");
    CHECK(server.Stop() == 0);
  }
  CHECK(UserVersion(db) == 9);
  const std::string backup = db + ".schema-3.bak";
  REQUIRE(std::filesystem::exists(backup));
  CHECK(UserVersion(backup) == 3);  // the file as it was, restorable with cp
  CHECK(SQLite::Database(backup).execAndGet("SELECT value FROM settings WHERE key = 'kept'").getString() == "yes");
  CHECK_FALSE(SQLite::Database(backup).tableExists("accounts"));
  {
    auto storage = psephos::server::OpenSqliteStorage(db);
    REQUIRE(storage.ok());
    CHECK((*(*storage)->GetSetting("kept")).value_or("") == "yes");
  }

  const std::string other = dir.file("other.db");
  MakeSqliteSchema3(other);
  {  // The API refuses when told to, naming both versions; the file is left as it was.
    psephos::server::OpenOptions refuse;
    refuse.upgrade = psephos::server::SchemaUpgrade::kRefuse;
    auto refused = psephos::server::OpenSqliteStorage(other, refuse);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message().find("SQLite schema version 3, this Psephos uses version 9") != std::string::npos);
    CHECK(refused.status().message().find("--migrate") != std::string::npos);
    CHECK(UserVersion(other) == 3);
  }
  {
    ServerProcess migrate({"--data", data, "--database", other, "--migrate"});
    migrate.WaitFor("schema: backed up to " + std::regex_replace(other, std::regex("[.]"), "\\.") + "\\.schema-3\\.bak$");
    migrate.WaitFor("schema: migrated SQLite from version 3 to 9$");
    migrate.WaitFor("^  step 4: texts: project pictures, corrections$");
    migrate.WaitFor("^  step 5: organizer accounts, roles, sessions, action log$");
    CHECK(migrate.Stop(0) == 0);  // exits by itself, without serving
    CHECK(migrate.Output().find("listening") == std::string::npos);
  }
  CHECK(UserVersion(other) == 9);
  {
    ServerProcess again({"--data", data, "--database", other, "--migrate"});
    again.WaitFor("schema: already current \\(SQLite schema version 9\\)");
    CHECK(again.Stop(0) == 0);
  }
  SQLite::Database(other, SQLite::OPEN_READWRITE).exec("PRAGMA user_version=99");
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--data", data, "--database", other, "--listen", "127.0.0.1:0"},
                                               std::vector<std::string>{"--data", data, "--database", other, "--migrate"}}) {
    ServerProcess newer(args);
    newer.WaitFor("newer Psephos \\(schema 99\\); this one knows SQLite schema 9");
    CHECK(newer.Stop(0) == 2);
  }
  CHECK(UserVersion(other) == 99);
}

TEST_CASE("psephos-server: on PostgreSQL, --migrate makes or checks the schema and exits: an older or newer "
          "schema is refused at start, naming both versions") {
  psephos::test::TempDir dir;
  const std::string data = dir.file("data");
  psephos::test::TestPgDatabase database;
  {
    ServerProcess migrate({"--data", data, "--database", database.url(), "--migrate"});
    migrate.WaitFor("schema: created the new database at PostgreSQL schema version 7$");
    CHECK(migrate.Stop(0) == 0);
  }
  {
    ServerProcess again({"--data", data, "--database", database.url(), "--migrate"});
    again.WaitFor("schema: already current \\(PostgreSQL schema version 7\\)");
    CHECK(again.Stop(0) == 0);
  }
  auto set_version = [&](int version) {
    pqxx::connection c(database.url());
    pqxx::work t(c);
    t.exec_params("UPDATE schema_version SET version = $1", version);
    t.commit();
  };
  set_version(0);  // older than this build: as a newer build finds a database at 1
  {
    ServerProcess older({"--data", data, "--database", database.url(), "--listen", "127.0.0.1:0"});
    older.WaitFor("the database has PostgreSQL schema version 0, this Psephos uses version 7: back it up, then run "
                  "psephos-server with the same --database and --migrate");
    CHECK(older.Stop(0) == 2);
    CHECK(older.Output().find("listening") == std::string::npos);
  }
  set_version(99);
  for (const char* last : {"--listen", "--migrate"}) {
    std::vector<std::string> args{"--data", data, "--database", database.url(), last};
    if (std::string(last) == "--listen") args.push_back("127.0.0.1:0");
    ServerProcess newer(args);
    newer.WaitFor("newer Psephos \\(schema 99\\); this one knows PostgreSQL schema 7");
    CHECK(newer.Stop(0) == 2);
  }
}
