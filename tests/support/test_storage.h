// A fresh, empty store of either backend for the storage and API tests: an
// SQLite file in a temporary folder, or a new database on the test PostgreSQL
// cluster (a real server, see pg_cluster.py), each deleted at the end.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>

#include "psephos/server/storage.h"
#include "temp_dir.h"

namespace psephos::test {

enum class Backend { kSqlite, kPostgres };

// For TEST_CASE_TEMPLATE(name, B, test::Sqlite, test::Postgres): B::kBackend.
struct Sqlite {
  static constexpr Backend kBackend = Backend::kSqlite;
};
struct Postgres {
  static constexpr Backend kBackend = Backend::kPostgres;
};

// The URL of the test cluster's `postgres` database: the cluster ctest's
// fixture started (its folder in $PSEPHOS_TEST_POSTGRES_DIR), or else one
// started for this process on first use and stopped when it exits.
const std::string& TestPostgresUrl();

// A database of its own on the test cluster, dropped at the end.
class TestPgDatabase {
 public:
  TestPgDatabase();
  ~TestPgDatabase();
  TestPgDatabase(const TestPgDatabase&) = delete;
  TestPgDatabase& operator=(const TestPgDatabase&) = delete;
  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

class TestStore {
 public:
  explicit TestStore(Backend backend);
  // Opens the store: again to reopen it, or a second time at once for a second node.
  Result<std::unique_ptr<server::Storage>> Open() const;
  // What psephos-server's --database takes.
  std::string location() const;
  Backend backend() const { return backend_; }

 private:
  Backend backend_;
  TempDir dir_;
  std::optional<TestPgDatabase> database_;
};

}  // namespace psephos::test

// Test case names end in <SQLite> or <PostgreSQL>.
TYPE_TO_STRING_AS("SQLite", psephos::test::Sqlite);
TYPE_TO_STRING_AS("PostgreSQL", psephos::test::Postgres);
