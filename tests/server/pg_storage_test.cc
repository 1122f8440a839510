// PostgreSQL storage against a real server (the test cluster): several nodes on
// one database, connection errors, the schema's version.
#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include <thread>

#include "../../server/storage/src/pg_schema.h"
#include "../support/test_storage.h"
#include "psephos/server/storage.h"

using namespace psephos;
using namespace psephos::server;
using psephos::test::TestBallot;

namespace {

std::string Code(int i) { return "code" + std::to_string(i); }

}  // namespace

TEST_CASE("postgres: two nodes racing to spend the same codes: each code is spent exactly once") {
  test::TestStore store(test::Backend::kPostgres);
  auto node1 = store.Open();
  auto node2 = store.Open();
  REQUIRE_MESSAGE(node1.ok(), node1.status().message());
  REQUIRE_MESSAGE(node2.ok(), node2.status().message());
  const ProcessId id = test::OpenProcess(**node1, "school");
  constexpr int kCodes = 150;
  std::vector<std::string> hashes;
  for (int i = 0; i < kCodes; ++i) hashes.push_back(Code(i));
  REQUIRE((*node1)->AddCodeBatch(id, "student", "", hashes, "").ok());

  // Both nodes send a ballot for every code, one transaction per ballot.
  std::vector<AppendResult> first(kCodes), second(kCodes);
  auto vote = [&](Storage& node, std::vector<AppendResult>& out, const std::string& tag) {
    for (int i = 0; i < kCodes; ++i) {
      auto r = node.AppendBallots({TestBallot(id, Code(i), tag + std::to_string(i))});
      REQUIRE_MESSAGE(r.ok(), r.status().message());
      out[static_cast<std::size_t>(i)] = (*r)[0];
    }
  };
  {
    std::thread a([&] { vote(**node1, first, "a"); });
    std::thread b([&] { vote(**node2, second, "b"); });
    a.join();
    b.join();
  }
  int won_by_first = 0;
  for (std::size_t i = 0; i < kCodes; ++i) {
    CHECK((first[i] == AppendResult::kStored) != (second[i] == AppendResult::kStored));
    won_by_first += first[i] == AppendResult::kStored ? 1 : 0;
  }
  MESSAGE("node 1 won " << won_by_first << " of " << kCodes << " races");
  auto log = (*node2)->LoadLog(id);
  REQUIRE(log.ok());
  CHECK(log->size() == kCodes);

  // A batch of ballots on one node against check-ins (and a kiosk session) on
  // the other: every second code of a fresh batch, from opposite ends.
  std::vector<std::string> more;
  for (int i = kCodes; i < 2 * kCodes; ++i) more.push_back(Code(i));
  REQUIRE((*node1)->AddCodeBatch(id, "student", "", more, "").ok());
  auto kiosk = (*node1)->AddDevice(id, DeviceRecord{0, DeviceRole::kKiosk, "library", "token", false, 1, 0, 0});
  REQUIRE(kiosk.ok());
  std::vector<AppendResult> ballots, checkins(kCodes);
  std::thread batches([&] {
    for (int i = kCodes; i < 2 * kCodes; i += 10) {
      std::vector<BallotToStore> batch;
      for (int j = i; j < i + 10; ++j) batch.push_back(TestBallot(id, Code(j), Code(j)));
      auto r = (*node1)->AppendBallots(batch);
      REQUIRE_MESSAGE(r.ok(), r.status().message());
      ballots.insert(ballots.end(), r->begin(), r->end());
    }
  });
  std::thread desk([&] {
    for (int i = 2 * kCodes - 1; i >= kCodes; --i) {
      const auto slot = static_cast<std::size_t>(i - kCodes);
      if (i % 7 == 0) {
        VoterCodeRecord one_time{"kiosk" + std::to_string(i), "student", "", false, std::nullopt, *kiosk, 0, 1, false};
        auto r = (*node2)->StartKioskSession(id, Code(i), {}, one_time, nullptr);
        REQUIRE_MESSAGE(r.ok(), r.status().message());
        checkins[slot] = *r;
      } else {
        auto r = (*node2)->CheckIn(id, Code(i), CheckInKind::kPaper, 0);
        REQUIRE_MESSAGE(r.ok(), r.status().message());
        checkins[slot] = *r;
      }
    }
  });
  batches.join();
  desk.join();
  REQUIRE(ballots.size() == kCodes);
  int stored = 0;
  for (std::size_t i = 0; i < kCodes; ++i) {
    CHECK((ballots[i] == AppendResult::kStored) != (checkins[i] == AppendResult::kStored));
    stored += ballots[i] == AppendResult::kStored ? 1 : 0;
  }
  auto after = (*node1)->LoadLog(id);
  REQUIRE(after.ok());
  CHECK(after->size() == static_cast<std::size_t>(kCodes + stored));
  auto codes = (*node1)->LoadCodes(id);
  REQUIRE(codes.ok());
  int open_one_time = 0;  // each kiosk session voids the kiosk's one-time code before it
  for (const auto& c : *codes) {
    if (c.code_hash.rfind("kiosk", 0) != 0) {
      CHECK(c.spent);
    } else if (c.spent) {
      CHECK(c.checked_in == CheckInKind::kVoid);
    } else {
      ++open_one_time;
    }
  }
  CHECK(open_one_time <= 1);
  CHECK((*node1)->IntegrityCheck().ok());
}

TEST_CASE("postgres: nodes starting together on an empty database make the schema once, a newer one is refused") {
  test::TestPgDatabase database;
  std::vector<Result<std::unique_ptr<Storage>>> nodes;
  for (int i = 0; i < 4; ++i) nodes.emplace_back(Status::Invalid("not opened"));
  {
    std::vector<std::thread> starting;
    for (auto& node : nodes) starting.emplace_back([&] { node = OpenPgStorage(database.url()); });
    for (auto& t : starting) t.join();
  }
  for (auto& node : nodes) REQUIRE_MESSAGE(node.ok(), node.status().message());
  CHECK((*nodes[0])->CreateProcess("school", "{}").ok());
  auto seen = (*nodes[3])->LoadProcesses();
  REQUIRE(seen.ok());
  CHECK(seen->size() == 1);
  {
    pqxx::connection c(database.url());
    pqxx::work t(c);
    t.exec("UPDATE schema_version SET version = 99");
    t.commit();
  }
  CHECK_FALSE((*nodes[0])->IntegrityCheck().ok());
  auto newer = OpenPgStorage(database.url());
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.status().message().find("newer Psephos (schema 99)") != std::string::npos);
}

TEST_CASE("postgres: a node whose connection the server ended connects again, and its next write is stored") {
  test::TestStore store(test::Backend::kPostgres);
  auto node = store.Open();
  REQUIRE_MESSAGE(node.ok(), node.status().message());
  const ProcessId id = test::OpenProcess(**node, "school");
  REQUIRE((*node)->AddCodeBatch(id, "student", "", {"h1", "h2"}, "").ok());
  REQUIRE((*node)->AppendBallots({TestBallot(id, "h1", "r1")}).ok());
  auto end_connections = [&] {
    pqxx::connection admin(store.location());
    pqxx::nontransaction t(admin);
    auto ended = t.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    REQUIRE(ended.size() == 1);  // the node's one connection
  };
  end_connections();
  auto stored = (*node)->AppendBallots({TestBallot(id, "h2", "r2")});
  REQUIRE_MESSAGE(stored.ok(), stored.status().message());
  CHECK((*stored)[0] == AppendResult::kStored);
  end_connections();
  auto log = (*node)->LoadLog(id);
  REQUIRE_MESSAGE(log.ok(), log.status().message());
  REQUIRE(log->size() == 2);
  CHECK((*log)[1].receipt == "r2");
}

TEST_CASE("postgres: a database that cannot be reached is named in the error, without its password") {
  auto s = OpenPgStorage("postgresql://psephos:s3cret@127.0.0.1:1/votes?connect_timeout=5");
  REQUIRE_FALSE(s.ok());
  const std::string& message = s.status().message();
  CHECK(message.find("cannot open the database postgresql://psephos@127.0.0.1:1/votes?connect_timeout=5") == 0);
  CHECK(message.find("s3cret") == std::string::npos);
  CHECK(RedactedDatabaseUrl("postgresql://u:p@h/db?sslmode=require&password=x&port=5") ==
        "postgresql://u@h/db?sslmode=require&port=5");
  CHECK(RedactedDatabaseUrl("postgres://h:5432/db?password=x") == "postgres://h:5432/db");
  CHECK(RedactedDatabaseUrl("postgresql:///db?host=/tmp/x") == "postgresql:///db?host=/tmp/x");
  CHECK(IsPostgresUrl("postgresql://h/db"));
  CHECK(IsPostgresUrl("postgres://h/db"));
  CHECK_FALSE(IsPostgresUrl("/var/lib/psephos/psephos.db"));
}

TEST_CASE("postgres: a newer build's step is refused unless migrating, then runs once while four nodes migrate "
          "together, and the older build refuses the result") {
  test::TestPgDatabase database;
  {
    auto first = OpenPgStorage(database.url());
    REQUIRE_MESSAGE(first.ok(), first.status().message());
    REQUIRE((*first)->CreateProcess("school", "{}").ok());
  }
  // This build's steps and one more, as the next version would have it.
  std::vector<PgSchemaStep> steps = PgSchemaSteps();
  const int next = PgSchemaVersion() + 1;
  steps.push_back({next, "test: a table of runs", [](pqxx::work& t) {
                     t.exec("CREATE TABLE step_runs(n INTEGER)");
                     t.exec("INSERT INTO step_runs VALUES(1)");
                   }});
  for (auto upgrade : {SchemaUpgrade::kRefuse, SchemaUpgrade::kBackUpThenMigrate}) {
    pqxx::connection c(database.url());
    std::string message;
    try {
      MigratePgSchema(c, upgrade, steps);
    } catch (const std::exception& e) {
      message = e.what();
    }
    CHECK(message.find("PostgreSQL schema version " + std::to_string(next - 1) + ", this Psephos uses version " +
                       std::to_string(next)) != std::string::npos);
    CHECK(message.find("--migrate") != std::string::npos);
  }
  std::vector<SchemaChange> changes(4);
  {
    std::vector<std::thread> nodes;
    for (auto& change : changes) {
      nodes.emplace_back([&] {
        pqxx::connection c(database.url());
        change = MigratePgSchema(c, SchemaUpgrade::kMigrate, steps);
      });
    }
    for (auto& t : nodes) t.join();
  }
  int migrated = 0;
  for (const auto& change : changes) {
    CHECK(change.to == next);
    if (change.from == next - 1) {
      ++migrated;
      CHECK(change.steps == std::vector<std::string>{std::to_string(next) + ": test: a table of runs"});
    } else {
      CHECK(change.from == next);
      CHECK(change.steps.empty());
    }
  }
  CHECK(migrated == 1);
  pqxx::connection c(database.url());
  pqxx::work t(c);
  CHECK(t.exec("SELECT count(*) FROM step_runs")[0][0].as<int>() == 1);
  CHECK(t.exec("SELECT version FROM schema_version")[0][0].as<int>() == next);
  CHECK(t.exec("SELECT count(*) FROM processes")[0][0].as<int>() == 1);
  t.commit();
  auto older = OpenPgStorage(database.url());  // this build, before the step
  REQUIRE_FALSE(older.ok());
  CHECK(older.status().message().find("newer Psephos (schema " + std::to_string(next) + ")") != std::string::npos);
}

TEST_CASE("postgres: wrong attempts shared by two nodes are read back in the order written, once, and old ones dropped") {
  test::TestStore store(test::Backend::kPostgres);
  auto a = store.Open();
  REQUIRE_MESSAGE(a.ok(), a.status().message());
  auto b = store.Open();
  REQUIRE_MESSAGE(b.ok(), b.status().message());
  REQUIRE((*a)->ShareWrongAttempts({{AttemptKind::kCode, "k1", 3, "node-a"}, {AttemptKind::kPassword, "k2", 1, "node-a"}})
              .ok());
  REQUIRE((*b)->ShareWrongAttempts({{AttemptKind::kCode, "k1", 2, "node-b"}}).ok());
  REQUIRE((*a)->ShareWrongAttempts({}).ok());  // nothing to write

  auto all = (*b)->LoadWrongAttempts(0);
  REQUIRE_MESSAGE(all.ok(), all.status().message());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].id < (*all)[1].id);
  CHECK((*all)[1].id < (*all)[2].id);
  CHECK((*all)[0].node == "node-a");
  CHECK((*all)[0].kind == AttemptKind::kCode);
  CHECK((*all)[0].count == 3);
  CHECK((*all)[1].kind == AttemptKind::kPassword);
  CHECK((*all)[2].node == "node-b");
  CHECK((*all)[2].count == 2);
  for (const auto& r : *all) CHECK(r.age_ms >= 0);
  auto after = (*a)->LoadWrongAttempts((*all)[2].id);
  REQUIRE(after.ok());
  CHECK(after->empty());
  auto from_second = (*a)->LoadWrongAttempts((*all)[0].id);
  REQUIRE(from_second.ok());
  CHECK(from_second->size() == 2);

  // Rows older than kept are neither read nor kept once the next batch is written.
  {
    pqxx::connection c(store.location());
    pqxx::work t(c);
    t.exec("UPDATE wrong_attempts SET at = at - interval '11 minutes' WHERE node = 'node-a'");
    t.commit();
  }
  auto recent = (*a)->LoadWrongAttempts(0);
  REQUIRE(recent.ok());
  REQUIRE(recent->size() == 1);
  CHECK((*recent)[0].node == "node-b");
  REQUIRE((*b)->ShareWrongAttempts({{AttemptKind::kCode, "k3", 1, "node-b"}}).ok());
  pqxx::connection c(store.location());
  pqxx::work t(c);
  CHECK(t.exec("SELECT count(*) FROM wrong_attempts")[0][0].as<int>() == 2);
}

TEST_CASE("storage: a store one node writes shares no wrong attempts") {
  test::TestStore store(test::Backend::kSqlite);
  auto node = store.Open();
  REQUIRE_MESSAGE(node.ok(), node.status().message());
  REQUIRE((*node)->ShareWrongAttempts({{AttemptKind::kCode, "k1", 3, "node-a"}}).ok());
  auto read = (*node)->LoadWrongAttempts(0);
  REQUIRE(read.ok());
  CHECK(read->empty());
}
