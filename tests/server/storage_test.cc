// SQLite storage without sockets: processes, codes, ballots, durability.
#include <doctest/doctest.h>

#include "../support/temp_dir.h"
#include "psephos/server/db_worker.h"
#include "psephos/server/storage.h"

#include <future>

using namespace psephos;
using namespace psephos::server;

namespace {

BallotToStore Ballot(ProcessId process, const std::string& code, const std::string& receipt, bool replaces = false) {
  BallotToStore b;
  b.process = process;
  b.code_hash = code;
  b.group = "student";
  b.ballot = R"({"main":{"projects":["a"]}})";
  b.receipt = receipt;
  b.created_at_ms = 1;
  b.replaces_earlier = replaces;
  return b;
}

std::string Key(char prefix, int i) {
  std::string key(1, prefix);
  key += std::to_string(i);
  return key;
}

}  // namespace

TEST_CASE("storage keeps processes, settings and states across reopening") {
  test::TempDir dir;
  {
    auto s = OpenSqliteStorage(dir.file("p.db"));
    REQUIRE_MESSAGE(s.ok(), s.status().message());
    auto id = (*s)->CreateProcess("school", R"({"slug":"school"})");
    REQUIRE(id.ok());
    CHECK((*s)->SetState(*id, ProcessState::kOpen).ok());
    CHECK((*s)->PutSetting("admin_token_sha256", "abc").ok());
    CHECK_FALSE((*s)->CreateProcess("school", "{}").ok());  // slugs are unique
    CHECK_FALSE((*s)->SetState(999, ProcessState::kOpen).ok());
  }
  auto s = OpenSqliteStorage(dir.file("p.db"));
  REQUIRE(s.ok());
  auto processes = (*s)->LoadProcesses();
  REQUIRE(processes.ok());
  REQUIRE(processes->size() == 1);
  CHECK((*processes)[0].slug == "school");
  CHECK((*processes)[0].state == ProcessState::kOpen);
  auto setting = (*s)->GetSetting("admin_token_sha256");
  REQUIRE(setting.ok());
  CHECK(setting->value() == "abc");
  CHECK((*s)->IntegrityCheck().ok());
}

TEST_CASE("code batches: hashes stored, the CSV kept until confirmed or expired") {
  test::TempDir dir;
  auto s = OpenSqliteStorage(dir.file("p.db"));
  REQUIRE(s.ok());
  auto id = (*s)->CreateProcess("school", "{}");
  REQUIRE(id.ok());
  auto batch = (*s)->AddCodeBatch(*id, "family", "", {"h1", "h2"}, "code,group\nA,family\nB,family\n");
  REQUIRE(batch.ok());
  auto codes = (*s)->LoadCodes(*id);
  REQUIRE(codes.ok());
  REQUIRE(codes->size() == 2);
  CHECK((*codes)[0].group == "family");
  CHECK_FALSE((*codes)[0].spent);
  // A download that broke halfway is simply asked for again.
  for (int i = 0; i < 2; ++i) {
    auto csv = (*s)->ReadCodeBatchCsv(*id, *batch, 0);
    REQUIRE(csv.ok());
    REQUIRE(csv->has_value());
    CHECK(**csv == "code,group\nA,family\nB,family\n");
  }
  auto wrong_process = (*s)->ForgetCodeBatchCsv(*id + 1, *batch);
  REQUIRE(wrong_process.ok());
  CHECK_FALSE(*wrong_process);
  auto forgotten = (*s)->ForgetCodeBatchCsv(*id, *batch);
  REQUIRE(forgotten.ok());
  CHECK(*forgotten);
  auto gone = (*s)->ReadCodeBatchCsv(*id, *batch, 0);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  auto again = (*s)->ForgetCodeBatchCsv(*id, *batch);
  REQUIRE(again.ok());
  CHECK_FALSE(*again);

  // Past its time the CSV is forgotten when next asked for.
  auto old = (*s)->AddCodeBatch(*id, "family", "", {"h3"}, "code,group\nC,family\n");
  REQUIRE(old.ok());
  auto expired = (*s)->ReadCodeBatchCsv(*id, *old, std::numeric_limits<std::int64_t>::max());
  REQUIRE(expired.ok());
  CHECK_FALSE(expired->has_value());
  auto after = (*s)->ReadCodeBatchCsv(*id, *old, 0);
  REQUIRE(after.ok());
  CHECK_FALSE(after->has_value());
}

TEST_CASE("ballots: a code votes once, unknown codes are refused, latest mode supersedes") {
  test::TempDir dir;
  auto s = OpenSqliteStorage(dir.file("p.db"));
  REQUIRE(s.ok());
  auto id = (*s)->CreateProcess("school", "{}");
  REQUIRE(id.ok());
  REQUIRE((*s)->AddCodeBatch(*id, "student", "", {"h1", "h2"}, "").ok());
  auto results = (*s)->AppendBallots({Ballot(*id, "h1", "r1"), Ballot(*id, "h1", "r2"), Ballot(*id, "zz", "r3")});
  REQUIRE(results.ok());
  CHECK(*results == std::vector<AppendResult>{AppendResult::kStored, AppendResult::kCodeSpent,
                                              AppendResult::kCodeUnknown});
  // Latest ballot counts: h2 votes twice, only the second is loaded.
  auto again = (*s)->AppendBallots({Ballot(*id, "h2", "r4", true), Ballot(*id, "h2", "r5", true)});
  REQUIRE(again.ok());
  auto ballots = (*s)->LoadBallots(*id);
  REQUIRE(ballots.ok());
  REQUIRE(ballots->size() == 2);
  CHECK((*ballots)[0].receipt == "r1");
  CHECK((*ballots)[1].receipt == "r5");
  auto codes = (*s)->LoadCodes(*id);
  REQUIRE(codes.ok());
  CHECK((*codes)[0].spent);
}

TEST_CASE("the database worker commits queued ballots in order and in groups") {
  test::TempDir dir;
  auto s = OpenSqliteStorage(dir.file("p.db"));
  REQUIRE(s.ok());
  auto id = (*s)->CreateProcess("school", "{}");
  REQUIRE(id.ok());
  std::vector<std::string> hashes;
  for (int i = 0; i < 300; ++i) hashes.push_back(Key('h', i));
  REQUIRE((*s)->AddCodeBatch(*id, "student", "", hashes, "").ok());
  std::vector<std::future<Result<AppendResult>>> done;
  {
    DbWorker worker(**s, 64);
    for (int i = 0; i < 300; ++i) {
      auto promise = std::make_shared<std::promise<Result<AppendResult>>>();
      done.push_back(promise->get_future());
      worker.AppendBallot(Ballot(*id, hashes[static_cast<std::size_t>(i)], Key('r', i)),
                          [promise](Result<AppendResult> r) { promise->set_value(std::move(r)); });
    }
    std::promise<std::size_t> count;
    worker.Post([&](Storage& storage) { count.set_value(storage.LoadBallots(*id)->size()); });
    CHECK(count.get_future().get() == 300);  // every ballot queued before the job is in
    worker.Stop();
    bool refused = false;
    worker.AppendBallot(Ballot(*id, "h0", "late"), [&](Result<AppendResult> r) { refused = !r.ok(); });
    CHECK(refused);
  }
  for (auto& f : done) {
    auto r = f.get();
    REQUIRE(r.ok());
    CHECK(*r == AppendResult::kStored);
  }
  auto ballots = (*s)->LoadBallots(*id);
  REQUIRE(ballots.ok());
  CHECK((*ballots)[0].receipt == "r0");
  CHECK((*ballots)[299].receipt == "r299");
}
