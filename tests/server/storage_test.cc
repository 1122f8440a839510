// Storage without sockets, each case on SQLite and on PostgreSQL: processes,
// codes, ballots, durability.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include "../support/test_storage.h"
#include "psephos/server/db_worker.h"
#include "psephos/server/storage.h"

#include <algorithm>
#include <future>
#include <map>

using namespace psephos;
using namespace psephos::server;
using psephos::test::TestBallot;

namespace {

std::string Key(char prefix, int i) {
  std::string key(1, prefix);
  key += std::to_string(i);
  return key;
}

}  // namespace

TEST_CASE_TEMPLATE("storage keeps processes, settings and states across reopening", B, test::Sqlite,
                   test::Postgres) {
  test::TestStore store(B::kBackend);
  {
    auto s = store.Open();
    REQUIRE_MESSAGE(s.ok(), s.status().message());
    auto id = (*s)->CreateProcess("school", R"({"slug":"school"})");
    REQUIRE(id.ok());
    CHECK((*s)->SetState(*id, ProcessState::kOpen).ok());
    CHECK((*s)->PutSetting("admin_token_sha256", "abc").ok());
    CHECK_FALSE((*s)->CreateProcess("school", "{}").ok());  // slugs are unique
    CHECK_FALSE((*s)->SetState(999, ProcessState::kOpen).ok());
  }
  auto s = store.Open();
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

TEST_CASE_TEMPLATE("a setting made once keeps its first writer's value, whichever node asks", B, test::Sqlite,
                   test::Postgres) {
  test::TestStore store(B::kBackend);
  auto first = store.Open();
  REQUIRE_MESSAGE(first.ok(), first.status().message());
  auto second = store.Open();  // another node on a shared store; SQLite: the file opened again
  REQUIRE_MESSAGE(second.ok(), second.status().message());
  auto made = (*first)->SettingOnce("signing_key_ed25519", "key of the first");
  REQUIRE(made.ok());
  CHECK(*made == "key of the first");
  auto again = (*second)->SettingOnce("signing_key_ed25519", "key of the second");
  REQUIRE(again.ok());
  CHECK(*again == "key of the first");
  CHECK((*second)->GetSetting("signing_key_ed25519")->value() == "key of the first");
}

TEST_CASE_TEMPLATE("code batches: hashes stored, the CSV kept until confirmed or expired", B, test::Sqlite,
                   test::Postgres) {
  test::TestStore store(B::kBackend);
  auto s = store.Open();
  REQUIRE(s.ok());
  const ProcessId id = test::OpenProcess(**s, "school");
  auto batch = (*s)->AddCodeBatch(id, "family", "", {"h1", "h2"}, "code,group\nA,family\nB,family\n");
  REQUIRE(batch.ok());
  auto codes = (*s)->LoadCodes(id);
  REQUIRE(codes.ok());
  REQUIRE(codes->size() == 2);
  CHECK((*codes)[0].group == "family");
  CHECK_FALSE((*codes)[0].spent);
  // A download that broke halfway is simply asked for again.
  for (int i = 0; i < 2; ++i) {
    auto csv = (*s)->ReadCodeBatchCsv(id, *batch, 0);
    REQUIRE(csv.ok());
    REQUIRE(csv->has_value());
    CHECK(**csv == "code,group\nA,family\nB,family\n");
  }
  auto wrong_process = (*s)->ForgetCodeBatchCsv(id + 1, *batch);
  REQUIRE(wrong_process.ok());
  CHECK_FALSE(*wrong_process);
  auto forgotten = (*s)->ForgetCodeBatchCsv(id, *batch);
  REQUIRE(forgotten.ok());
  CHECK(*forgotten);
  auto gone = (*s)->ReadCodeBatchCsv(id, *batch, 0);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  auto again = (*s)->ForgetCodeBatchCsv(id, *batch);
  REQUIRE(again.ok());
  CHECK_FALSE(*again);

  // Past its time the CSV is forgotten when next asked for.
  auto old = (*s)->AddCodeBatch(id, "family", "", {"h3"}, "code,group\nC,family\n");
  REQUIRE(old.ok());
  auto expired = (*s)->ReadCodeBatchCsv(id, *old, std::numeric_limits<std::int64_t>::max());
  REQUIRE(expired.ok());
  CHECK_FALSE(expired->has_value());
  auto after = (*s)->ReadCodeBatchCsv(id, *old, 0);
  REQUIRE(after.ok());
  CHECK_FALSE(after->has_value());
}

TEST_CASE_TEMPLATE("ballots: a code votes once, unknown codes are refused, latest mode supersedes", B, test::Sqlite,
                   test::Postgres) {
  test::TestStore store(B::kBackend);
  auto s = store.Open();
  REQUIRE(s.ok());
  const ProcessId id = test::OpenProcess(**s, "school");
  REQUIRE((*s)->AddCodeBatch(id, "student", "", {"h1", "h2"}, "").ok());
  auto results =
      (*s)->AppendBallots({TestBallot(id, "h1", "r1"), TestBallot(id, "h1", "r2"), TestBallot(id, "zz", "r3")});
  REQUIRE(results.ok());
  CHECK(*results == std::vector<AppendResult>{AppendResult::kStored, AppendResult::kCodeSpent,
                                              AppendResult::kCodeUnknown});
  // Latest ballot counts: h2 votes twice, only the second is loaded.
  auto again = (*s)->AppendBallots({TestBallot(id, "h2", "r4", true), TestBallot(id, "h2", "r5", true)});
  REQUIRE(again.ok());
  auto ballots = (*s)->LoadBallots(id);
  REQUIRE(ballots.ok());
  REQUIRE(ballots->size() == 2);
  CHECK((*ballots)[0].receipt == "r1");
  CHECK((*ballots)[1].receipt == "r5");
  auto codes = (*s)->LoadCodes(id);
  REQUIRE(codes.ok());
  CHECK((*codes)[0].spent);
}

TEST_CASE_TEMPLATE("ballots: a retry with the stored submission hash is told apart from a second ballot", B,
                   test::Sqlite, test::Postgres) {
  test::TestStore store(B::kBackend);
  auto s = store.Open();
  REQUIRE(s.ok());
  const ProcessId id = test::OpenProcess(**s, "school");
  REQUIRE((*s)->AddCodeBatch(id, "student", "", {"h1", "h2", "h3"}, "").ok());
  auto with = [&](const std::string& code, const std::string& receipt, const std::string& submission,
                  bool replaces = false) {
    BallotToStore b = TestBallot(id, code, receipt, replaces);
    b.submission_hash = submission;
    return b;
  };
  // h1 stored with s1; its retry (same hash) stores nothing; another hash, or none, is a second ballot.
  auto first = (*s)->AppendBallots({with("h1", "r1", "s1"), with("h1", "r2", "s1"), with("h1", "r3", "s2"),
                                    with("h1", "r4", ""), with("h3", "r5", "")});
  REQUIRE(first.ok());
  CHECK(*first == std::vector<AppendResult>{AppendResult::kStored, AppendResult::kAlreadyStored,
                                            AppendResult::kCodeSpent, AppendResult::kCodeSpent,
                                            AppendResult::kStored});
  // A code spent without a hash (an old client, a kiosk) matches no retry, not even an empty hash.
  auto none = (*s)->AppendBallots({with("h3", "r6", "")});
  REQUIRE(none.ok());
  CHECK(*none == std::vector<AppendResult>{AppendResult::kCodeSpent});
  // Revoting: the retry of the latest ballot stores nothing new; a new ballot (another hash) replaces it.
  auto revote = (*s)->AppendBallots({with("h2", "r7", "t1", true), with("h2", "r8", "t1", true),
                                     with("h2", "r9", "t2", true), with("h2", "r10", "t1", true)});
  REQUIRE(revote.ok());
  CHECK(*revote == std::vector<AppendResult>{AppendResult::kStored, AppendResult::kAlreadyStored,
                                             AppendResult::kStored, AppendResult::kStored});
  auto ballots = (*s)->LoadLog(id);
  REQUIRE(ballots.ok());
  std::vector<std::string> receipts;
  for (const auto& b : *ballots) receipts.push_back(b.receipt);
  CHECK(receipts == std::vector<std::string>{"r1", "r5", "r7", "r9", "r10"});
  // Kept with the code, across reopening; never with the ballot.
  s->reset();
  s = store.Open();
  REQUIRE(s.ok());
  auto code = (*s)->FindCode(id, "h1");
  REQUIRE(code.ok());
  REQUIRE(code->has_value());
  CHECK((*code)->submission_hash == "s1");
  auto codes = (*s)->LoadCodes(id);
  REQUIRE(codes.ok());
  REQUIRE(codes->size() == 3);
  CHECK((*codes)[1].submission_hash == "t1");
  CHECK((*codes)[2].submission_hash == "");
  CHECK(*(*s)->AppendBallots({with("h1", "r11", "s1")}) == std::vector<AppendResult>{AppendResult::kAlreadyStored});
}

TEST_CASE("storage: a schema 7 SQLite file takes the submission hash column, its spent codes kept") {
  test::TestStore store(test::Backend::kSqlite);
  ProcessId id = 0;
  {
    auto s = store.Open();
    REQUIRE(s.ok());
    id = test::OpenProcess(**s, "school");
    REQUIRE((*s)->AddCodeBatch(id, "student", "", {"h1", "h2"}, "").ok());
    REQUIRE(*(*s)->AppendBallots({TestBallot(id, "h1", "r1")}) == std::vector<AppendResult>{AppendResult::kStored});
  }
  {  // Back to schema 7 as released: no submission hashes.
    SQLite::Database db(store.location(), SQLite::OPEN_READWRITE);
    db.exec("ALTER TABLE voter_codes DROP COLUMN submission_hash");
    db.exec("PRAGMA user_version=7");
  }
  auto s = store.Open();
  REQUIRE_MESSAGE(s.ok(), s.status().message());
  auto codes = (*s)->LoadCodes(id);
  REQUIRE(codes.ok());
  REQUIRE(codes->size() == 2);
  CHECK((*codes)[0].spent);
  CHECK((*codes)[0].submission_hash == "");
  BallotToStore retry = TestBallot(id, "h1", "r2");
  retry.submission_hash = "s1";
  BallotToStore fresh = TestBallot(id, "h2", "r3");
  fresh.submission_hash = "s2";
  CHECK(*(*s)->AppendBallots({retry, fresh, fresh}) ==
        std::vector<AppendResult>{AppendResult::kCodeSpent, AppendResult::kStored, AppendResult::kAlreadyStored});
  s->reset();
  CHECK(SQLite::Database(store.location()).execAndGet("PRAGMA user_version").getInt() == 9);
}

TEST_CASE_TEMPLATE("the database worker commits queued ballots in order and in groups", B, test::Sqlite,
                   test::Postgres) {
  test::TestStore store(B::kBackend);
  auto s = store.Open();
  REQUIRE(s.ok());
  const ProcessId id = test::OpenProcess(**s, "school");
  std::vector<std::string> hashes;
  for (int i = 0; i < 300; ++i) hashes.push_back(Key('h', i));
  REQUIRE((*s)->AddCodeBatch(id, "student", "", hashes, "").ok());
  std::vector<std::future<Result<AppendResult>>> done;
  {
    DbWorker worker(**s, 64);
    for (int i = 0; i < 300; ++i) {
      auto promise = std::make_shared<std::promise<Result<AppendResult>>>();
      done.push_back(promise->get_future());
      worker.AppendBallot(TestBallot(id, hashes[static_cast<std::size_t>(i)], Key('r', i)),
                          [promise](Result<AppendResult> r) { promise->set_value(std::move(r)); });
    }
    std::promise<std::size_t> count;
    worker.Post([&](Storage& storage) { count.set_value(storage.LoadBallots(id)->size()); });
    CHECK(count.get_future().get() == 300);  // every ballot queued before the job is in
    worker.Stop();
    bool refused = false;
    worker.AppendBallot(TestBallot(id, "h0", "late"), [&](Result<AppendResult> r) { refused = !r.ok(); });
    CHECK(refused);
  }
  for (auto& f : done) {
    auto r = f.get();
    REQUIRE(r.ok());
    CHECK(*r == AppendResult::kStored);
  }
  auto ballots = (*s)->LoadBallots(id);
  REQUIRE(ballots.ok());
  CHECK((*ballots)[0].receipt == "r0");
  CHECK((*ballots)[299].receipt == "r299");
}

TEST_CASE_TEMPLATE("ballot ids: one sequence over every process, slices read in order", B, test::Sqlite,
                   test::Postgres) {
  test::TestStore store(B::kBackend);
  auto s = store.Open();
  REQUIRE_MESSAGE(s.ok(), s.status().message());
  const ProcessId school = test::OpenProcess(**s, "school");
  const ProcessId park = test::OpenProcess(**s, "park");
  REQUIRE((*s)->AddCodeBatch(school, "student", "", {"s1", "s2", "s3"}, "").ok());
  REQUIRE((*s)->AddCodeBatch(park, "student", "", {"p1", "p2"}, "").ok());
  REQUIRE((*s)->AppendBallots({TestBallot(school, "s1", "a"), TestBallot(park, "p1", "b"),
                               TestBallot(school, "s2", "c", true), TestBallot(park, "p2", "d"),
                               TestBallot(school, "s3", "e")})
              .ok());
  REQUIRE((*s)->AppendBallots({TestBallot(school, "s2", "f", true)}).ok());  // supersedes "c"
  auto log = (*s)->LoadLog(school);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 4);
  CHECK((*log)[0].receipt == "a");
  CHECK((*log)[1].receipt == "c");
  CHECK((*log)[1].superseded);
  CHECK((*log)[1].code_hash == "s2");
  CHECK((*log)[3].receipt == "f");
  for (std::size_t i = 1; i < log->size(); ++i) CHECK((*log)[i - 1].id < (*log)[i].id);
  auto park_log = (*s)->LoadLog(park);
  REQUIRE(park_log.ok());
  REQUIRE(park_log->size() == 2);
  CHECK((*log)[0].id < (*park_log)[0].id);  // one sequence: the park's first ballot came after the school's
  CHECK((*park_log)[0].id < (*log)[1].id);
  // Slices: two at a time from the start, the same ballots in the same order.
  std::vector<std::string> sliced;
  for (std::int64_t after = 0;;) {
    auto slice = (*s)->LoadLogSlice(school, after, 2);
    REQUIRE(slice.ok());
    if (slice->empty()) break;
    CHECK(slice->size() <= 2);
    for (const auto& b : *slice) sliced.push_back(b.receipt);
    after = slice->back().id;
  }
  CHECK(sliced == std::vector<std::string>{"a", "c", "e", "f"});
  auto counted = (*s)->LoadCountedSlice(school, 0, 10);
  REQUIRE(counted.ok());
  REQUIRE(counted->size() == 3);
  CHECK((*counted)[0].id == (*log)[0].id);
  CHECK((*counted)[1].id == (*log)[2].id);
  CHECK((*counted)[2].ballot == R"({"main":{"projects":["a"]}})");
  CHECK((*counted)[2].group == "student");
  auto later = (*s)->LoadCountedSlice(school, (*log)[2].id, 10);
  REQUIRE(later.ok());
  REQUIRE(later->size() == 1);
  CHECK((*later)[0].id == (*log)[3].id);
}

TEST_CASE_TEMPLATE("check-ins and kiosk sessions spend codes once, a refused session changes nothing", B,
                   test::Sqlite, test::Postgres) {
  test::TestStore store(B::kBackend);
  auto s = store.Open();
  REQUIRE_MESSAGE(s.ok(), s.status().message());
  const ProcessId id = test::OpenProcess(**s, "school");
  REQUIRE((*s)->AddCodeBatch(id, "student", "north", {"h1", "h2", "h3"}, "").ok());
  DeviceRecord kiosk{0, DeviceRole::kKiosk, "library", "token-k", false, 5, 2, 60};
  DeviceRecord clerk{0, DeviceRole::kClerk, "desk", "token-c", false, 5, 0, 60};
  auto kiosk_id = (*s)->AddDevice(id, kiosk);
  auto clerk_id = (*s)->AddDevice(id, clerk);
  REQUIRE(kiosk_id.ok());
  REQUIRE(clerk_id.ok());
  CHECK_FALSE((*s)->AddDevice(id, kiosk).ok());  // token hashes are unique

  auto paper = (*s)->CheckIn(id, "h1", CheckInKind::kPaper, *clerk_id);
  REQUIRE(paper.ok());
  CHECK(*paper == AppendResult::kStored);
  auto twice = (*s)->CheckIn(id, "h1", CheckInKind::kPaper, *clerk_id);
  REQUIRE(twice.ok());
  CHECK(*twice == AppendResult::kCodeSpent);
  auto unknown = (*s)->CheckIn(id, "nope", CheckInKind::kPaper, 0);
  REQUIRE(unknown.ok());
  CHECK(*unknown == AppendResult::kCodeUnknown);
  // A checked-in code takes no ballot, not even when revoting.
  auto ballot = (*s)->AppendBallots({TestBallot(id, "h1", "r1", true)});
  REQUIRE(ballot.ok());
  CHECK((*ballot)[0] == AppendResult::kCodeSpent);

  VoterCodeRecord one_time{"k1", "student", "north", false, std::nullopt, *kiosk_id, 0, 1000, false};
  auto session = (*s)->StartKioskSession(id, "h2", {}, one_time, nullptr);
  REQUIRE(session.ok());
  CHECK(*session == AppendResult::kStored);
  // h2 again (a minute on: the kiosk's spacing): refused, nothing voided, its new code not kept.
  VoterCodeRecord second{"k2", "student", "north", false, std::nullopt, *kiosk_id, 0, 70000, false};
  auto refused = (*s)->StartKioskSession(id, "h2", {}, second, nullptr);
  REQUIRE(refused.ok());
  CHECK(*refused == AppendResult::kCodeSpent);
  // A walk-in replaces the unused k1.
  VoterCodeRecord walk_in{"k3", "student", "north", false, std::nullopt, *kiosk_id, 0, 140000, true};
  auto walked = (*s)->StartKioskSession(id, "", {}, walk_in, nullptr);
  REQUIRE(walked.ok());
  CHECK(*walked == AppendResult::kStored);

  auto codes = (*s)->LoadCodes(id);
  REQUIRE(codes.ok());
  std::map<std::string, VoterCodeRecord> by_hash;
  for (const auto& c : *codes) by_hash[c.code_hash] = c;
  CHECK(by_hash.size() == 5);  // h1-h3, k1, k3: no k2
  CHECK(by_hash["h1"].checked_in == CheckInKind::kPaper);
  CHECK(by_hash["h1"].checkin_device == *clerk_id);
  CHECK(by_hash["h2"].checked_in == CheckInKind::kKiosk);
  CHECK_FALSE(by_hash["h3"].spent);
  CHECK(by_hash["k1"].checked_in == CheckInKind::kVoid);
  CHECK(by_hash["k1"].device == *kiosk_id);
  CHECK(by_hash["k1"].session_at_ms == 1000);
  CHECK(by_hash["k3"].walk_in);
  CHECK_FALSE(by_hash["k3"].spent);
  CHECK(by_hash["k3"].area == "north");
  auto voted = (*s)->AppendBallots({TestBallot(id, "k1", "r2"), TestBallot(id, "k3", "r3")});
  REQUIRE(voted.ok());
  CHECK(*voted == std::vector<AppendResult>{AppendResult::kCodeSpent, AppendResult::kStored});

  // The kiosk's limits as stored (sessions any node started) refuse a session: too soon ...
  KioskUse use;
  VoterCodeRecord soon{"k4", "student", "north", false, std::nullopt, *kiosk_id, 0, 150000, false};
  auto too_soon = (*s)->StartKioskSession(id, "h3", {}, soon, &use);
  REQUIRE(too_soon.ok());
  CHECK(*too_soon == AppendResult::kOverKioskLimits);
  CHECK(use.last_session_ms == 140000);
  CHECK(use.session_seconds == 60);
  CHECK(use.walk_ins == 1);
  CHECK(use.walk_in_allowance == 2);
  // ... or a third walk-in (the allowance is 2).
  VoterCodeRecord walk_in2{"k5", "student", "north", false, std::nullopt, *kiosk_id, 0, 210000, true};
  REQUIRE(*(*s)->StartKioskSession(id, "", {}, walk_in2, nullptr) == AppendResult::kStored);
  VoterCodeRecord walk_in3{"k6", "student", "north", false, std::nullopt, *kiosk_id, 0, 280000, true};
  auto used_up = (*s)->StartKioskSession(id, "", {}, walk_in3, &use);
  REQUIRE(used_up.ok());
  CHECK(*used_up == AppendResult::kOverKioskLimits);
  CHECK(use.walk_ins == 2);
  // A code with a ballot on its way (in flight) is not voided by the next session; the
  // organizer's void takes every unspent one-time code of the kiosk.
  VoterCodeRecord third{"k7", "student", "north", false, std::nullopt, *kiosk_id, 0, 280000, false};
  REQUIRE(*(*s)->StartKioskSession(id, "h3", {"k5"}, third, nullptr) == AppendResult::kStored);
  auto voided = (*s)->VoidKioskCodes(id, *kiosk_id, {});
  REQUIRE_MESSAGE(voided.ok(), voided.status().message());
  std::sort(voided->begin(), voided->end());
  CHECK(*voided == std::vector<std::string>{"k5", "k7"});
  auto again = (*s)->VoidKioskCodes(id, *kiosk_id, {});
  REQUIRE(again.ok());
  CHECK(again->empty());

  CHECK((*s)->SetDeviceLimits(id, *kiosk_id, 7, 90).ok());
  CHECK((*s)->RevokeDevice(id, *clerk_id).ok());
  CHECK_FALSE((*s)->RevokeDevice(id, 999).ok());
  CHECK_FALSE((*s)->SetDeviceLimits(id, 999, 1, 1).ok());
  auto devices = (*s)->LoadDevices(id);
  REQUIRE(devices.ok());
  REQUIRE(devices->size() == 2);
  CHECK((*devices)[0].walk_in_allowance == 7);
  CHECK((*devices)[0].session_seconds == 90);
  CHECK_FALSE((*devices)[0].revoked);
  CHECK((*devices)[1].revoked);
  CHECK((*s)->IntegrityCheck().ok());
}

TEST_CASE_TEMPLATE("paper: sheets come by serial, an entry and its ballot are stored together or not at all", B,
                   test::Sqlite, test::Postgres) {
  test::TestStore store(B::kBackend);
  auto s = store.Open();
  REQUIRE_MESSAGE(s.ok(), s.status().message());
  const ProcessId id = test::OpenProcess(**s, "school");
  auto serial = [](std::int64_t batch, std::int64_t n) {
    std::string out = "S";  // built with += as Key() is: GCC 12 warns wrongly on "S" + string
    out += std::to_string(batch);
    out += n < 10 ? "-0" : "-";  // zero-padded, as PaperSerial
    out += std::to_string(n);
    return out;
  };
  auto batch = (*s)->AddPaperBatch(id, "north", "es", 12, serial);
  REQUIRE(batch.ok());
  auto batches = (*s)->LoadPaperBatches(id);
  REQUIRE(batches.ok());
  REQUIRE(batches->size() == 1);
  CHECK((*batches)[0].language == "es");
  CHECK((*batches)[0].count == 12);
  auto sheets = (*s)->LoadPaperSheets(id, *batch);
  REQUIRE(sheets.ok());
  REQUIRE(sheets->size() == 12);
  for (std::int64_t n = 1; n <= 12; ++n) CHECK((*sheets)[static_cast<std::size_t>(n - 1)].serial == serial(*batch, n));
  CHECK((*sheets)[0].state == PaperSheetState::kPrinted);

  const std::string first = serial(*batch, 3);
  auto clerk_a = (*s)->AddDevice(id, DeviceRecord{0, DeviceRole::kClerk, "Table A", "hash-a", false, 1});
  auto clerk_b = (*s)->AddDevice(id, DeviceRecord{0, DeviceRole::kClerk, "Table B", "hash-b", false, 1});
  auto clerk_c = (*s)->AddDevice(id, DeviceRecord{0, DeviceRole::kClerk, "Table C", "hash-c", false, 1});
  REQUIRE((clerk_a.ok() && clerk_b.ok() && clerk_c.ok()));
  PaperEntryRecord entry{*clerk_a, R"({"main":{"projects":["a"]}})", false, std::nullopt, 100};
  CHECK((*s)->AddPaperEntry(id, first, entry, 0, PaperSheetState::kEnteredOnce, std::nullopt).value() == AppendResult::kStored);
  BallotToStore counted = TestBallot(id, "paper:" + first, "rp");
  PaperEntryRecord second{*clerk_b, entry.ballot, false, std::nullopt, 200};
  CHECK((*s)->AddPaperEntry(id, first, second, 1, PaperSheetState::kCounted, counted).value() == AppendResult::kStored);
  // Decided from fewer entries than the sheet has (another node's clerk entered it): refused, nothing kept.
  PaperEntryRecord stale{*clerk_c, entry.ballot, false, std::nullopt, 250};
  CHECK((*s)->AddPaperEntry(id, first, stale, 1, PaperSheetState::kCounted, TestBallot(id, "paper:" + first, "rs"))
            .value() == AppendResult::kSheetChanged);
  // A revoked clerk's entry: refused by the store itself, nothing kept.
  REQUIRE((*s)->RevokeDevice(id, *clerk_c).ok());
  PaperEntryRecord revoked{*clerk_c, entry.ballot, false, std::nullopt, 300};
  CHECK((*s)->AddPaperEntry(id, serial(*batch, 4), revoked, 0, PaperSheetState::kEnteredOnce, std::nullopt).value() ==
        AppendResult::kDeviceRevoked);
  CHECK((*s)->CheckIn(id, "no-such-code", CheckInKind::kPaper, *clerk_c).value() == AppendResult::kDeviceRevoked);
  // An unknown serial: refused, and neither the entry nor the ballot stays.
  CHECK_FALSE(
      (*s)->AddPaperEntry(id, "S9-9", entry, 0, PaperSheetState::kCounted, TestBallot(id, "paper:S9-9", "rx")).ok());
  auto read = (*s)->LoadPaperSheets(id, 0);
  REQUIRE(read.ok());
  REQUIRE(read->size() == 1);
  CHECK((*read)[0].serial == first);
  CHECK((*read)[0].state == PaperSheetState::kCounted);
  REQUIRE((*read)[0].entries.size() == 2);
  CHECK((*read)[0].entries[0].device == *clerk_a);
  CHECK((*read)[0].entries[1].device == *clerk_b);
  CHECK((*read)[0].entries[1].created_at_ms == 200);
  auto log = (*s)->LoadLog(id);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 1);
  CHECK((*log)[0].receipt == "rp");
  CHECK((*log)[0].code_hash == "paper:" + first);
}

TEST_CASE_TEMPLATE("milestones: added, updated in their own process only, read back in order", B, test::Sqlite,
                   test::Postgres) {
  test::TestStore store(B::kBackend);
  ProcessId school = 0, other = 0;
  std::int64_t first = 0;
  {
    auto s = store.Open();
    REQUIRE_MESSAGE(s.ok(), s.status().message());
    school = *(*s)->CreateProcess("school", "{}");
    other = *(*s)->CreateProcess("other", "{}");
    // Strings moved in, not assigned from literals: GCC 12's -Wrestrict misfires on those here.
    MilestoneRecord m;
    m.process = school;
    m.budget = std::string("main");
    m.project = std::string("a");
    m.title = std::string("Trees ordered");
    m.status = MilestoneStatus::kInProgress;
    m.date = std::string("2027-02-01");
    m.progress = 40;
    m.notes = std::string("Twelve oaks,\n\"quoted\"");
    m.translations = std::string(R"({"es":{"title":"Árboles pedidos"}})");
    m.created_at_ms = m.updated_at_ms = 7;
    auto id = (*s)->AddMilestone(m);
    REQUIRE_MESSAGE(id.ok(), id.status().message());
    first = *id;
    m.title = std::string("Trees planted");
    REQUIRE((*s)->AddMilestone(m).ok());
    m.id = first;
    m.status = MilestoneStatus::kDone;
    m.progress = 100;
    m.title = std::string("Trees ordered");
    m.updated_at_ms = 9;
    CHECK((*s)->UpdateMilestone(m).ok());
    m.process = other;  // another process's milestone: not found, nothing changed
    m.progress = 0;
    CHECK_FALSE((*s)->UpdateMilestone(m).ok());
    m.process = school;
    m.id = 999999;
    CHECK_FALSE((*s)->UpdateMilestone(m).ok());
    m.id = first;
    m.progress = 101;  // out of range: refused by the table too
    CHECK_FALSE((*s)->UpdateMilestone(m).ok());
  }
  auto s = store.Open();
  REQUIRE(s.ok());
  auto read = (*s)->LoadMilestones(school);
  REQUIRE(read.ok());
  REQUIRE(read->size() == 2);
  const MilestoneRecord& m = (*read)[0];
  CHECK(m.id == first);
  CHECK(m.process == school);
  CHECK(m.budget == "main");
  CHECK(m.project == "a");
  CHECK(m.title == "Trees ordered");
  CHECK(m.status == MilestoneStatus::kDone);
  CHECK(m.date == "2027-02-01");
  CHECK(m.progress == 100);
  CHECK(m.notes == "Twelve oaks,\n\"quoted\"");
  CHECK(m.translations == R"({"es":{"title":"Árboles pedidos"}})");
  CHECK(m.photos == "[]");
  CHECK(m.created_at_ms == 7);
  CHECK(m.updated_at_ms == 9);
  CHECK((*read)[1].title == "Trees planted");
  CHECK((*read)[1].status == MilestoneStatus::kInProgress);
  auto none = (*s)->LoadMilestones(other);
  REQUIRE(none.ok());
  CHECK(none->empty());
}
