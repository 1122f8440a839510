#include "test_storage.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>

namespace psephos::test {
namespace {

std::string ReadUrl(const std::string& folder) {
  std::ifstream in(folder + "/url");
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) throw std::runtime_error("no test PostgreSQL cluster in " + folder);
  return text.str();
}

const std::string kScript = std::string(PSEPHOS_SOURCE_DIR) + "/tests/support/pg_cluster.py";

void StopCluster(const std::string& folder) {
  [[maybe_unused]] int ignored = std::system(("python3 " + kScript + " stop " + folder).c_str());
}

// A cluster of this process's own, for a test binary run by hand; named by
// the process id, so that one left by a test binary that crashed is stopped
// and deleted by the next.
class OwnCluster {
 public:
  OwnCluster() : folder_("/tmp/psephos-pg-" + std::to_string(::getpid())) {
    for (const auto& entry : std::filesystem::directory_iterator("/tmp")) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("psephos-pg-", 0) != 0) continue;
      const long pid = std::strtol(name.c_str() + 11, nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) StopCluster(entry.path().string());
    }
    if (std::system(("python3 " + kScript + " start " + folder_ + " >/dev/null").c_str()) != 0) {
      throw std::runtime_error("could not start a test PostgreSQL cluster (" + kScript + ")");
    }
    url_ = ReadUrl(folder_);
  }
  ~OwnCluster() { StopCluster(folder_); }
  const std::string& url() const { return url_; }

 private:
  std::string folder_;
  std::string url_;
};

}  // namespace

const std::string& TestPostgresUrl() {
  static const std::string url = [] {
    if (const char* folder = std::getenv("PSEPHOS_TEST_POSTGRES_DIR")) return ReadUrl(folder);
    static OwnCluster own;  // stopped at exit
    return own.url();
  }();
  return url;
}

TestPgDatabase::TestPgDatabase() {
  static std::atomic<int> counter{0};
  name_ = "psephos_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string& admin = TestPostgresUrl();
  pqxx::connection connection(admin);
  pqxx::nontransaction t(connection);
  t.exec("DROP DATABASE IF EXISTS " + name_);
  t.exec("CREATE DATABASE " + name_);
  // postgresql://postgres@/postgres?host=...: the same with this database's name.
  const auto slash = admin.find("/postgres?");
  if (slash == std::string::npos) throw std::runtime_error("unexpected test cluster URL " + admin);
  url_ = admin.substr(0, slash) + "/" + name_ + admin.substr(slash + 9);
}

TestPgDatabase::~TestPgDatabase() {
  try {
    pqxx::connection connection(TestPostgresUrl());
    pqxx::nontransaction t(connection);
    t.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& e) {
    MESSAGE("could not drop the test database " << name_ << ": " << e.what());
  }
}

TestStore::TestStore(Backend backend) : backend_(backend) {
  if (backend == Backend::kPostgres) database_.emplace();
}

Result<std::unique_ptr<server::Storage>> TestStore::Open() const {
  return backend_ == Backend::kSqlite ? server::OpenSqliteStorage(location()) : server::OpenPgStorage(location());
}

std::string TestStore::location() const {
  return backend_ == Backend::kSqlite ? dir_.file("psephos.db") : database_->url();
}

}  // namespace psephos::test
