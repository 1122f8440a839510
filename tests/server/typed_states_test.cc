// The typed states of voting in person (in_person.h): each name reads back as
// its value, any other text is refused, and a row holding an unknown name
// fails to load with an error naming it, on both backends.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <pqxx/pqxx>

#include <set>
#include <string>

#include "../support/test_storage.h"
#include "psephos/server/in_person.h"
#include "psephos/server/paper.h"
#include "psephos/server/process.h"
#include "psephos/server/storage.h"

using namespace psephos;
using namespace psephos::server;

namespace {

// Every value's name parses back to it, the names are distinct, and near misses are refused.
template <class E, std::size_t N>
void CheckTable(const std::array<E, N>& all, std::string_view (*name)(E), std::optional<E> (*parse)(std::string_view),
                const std::set<std::string>& expected) {
  std::set<std::string> names;
  for (E e : all) {
    const std::string text(name(e));
    CAPTURE(text);
    names.insert(text);
    CHECK(parse(text) == e);
    std::string upper = text;
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    CHECK_FALSE(parse(upper));  // names are lowercase, exactly
    CHECK_FALSE(parse(text + " "));
    CHECK_FALSE(parse(text.substr(0, text.size() - 1)));
  }
  CHECK(names == expected);  // the stored and sent names are unchanged
  CHECK_FALSE(parse(""));
  CHECK_FALSE(parse("unknown"));
}

// Runs `sql` on the test store's database, outside the Storage.
void RawSql(const test::TestStore& store, const std::string& sql) {
  if (store.backend() == test::Backend::kSqlite) {
    SQLite::Database db(store.location(), SQLite::OPEN_READWRITE);
    db.exec(sql);
  } else {
    pqxx::connection c(store.location());
    pqxx::work t(c);
    t.exec(sql);
    t.commit();
  }
}

}  // namespace

TEST_CASE("typed states: each name parses back, nothing else does") {
  CheckTable(kDeviceRoles, DeviceRoleName, ParseDeviceRole, {"kiosk", "clerk"});
  CheckTable(kCheckInKinds, CheckInKindName, ParseCheckInKind, {"paper", "kiosk", "void"});
  CheckTable(kPaperSheetStates, PaperSheetStateName, ParsePaperSheetState,
             {"printed", "entered_once", "counted", "spoiled", "mismatch", "duplicate"});
  CheckTable(kPaperResolutions, PaperResolutionName, ParsePaperResolution, {"count", "spoiled", "keep"});
  // Channels (process.h): the ballot's "_channel" mark.
  for (Channel c : kChannels) CHECK(ParseChannel(ChannelName(c)) == c);
  CHECK_FALSE(ParseChannel("Kiosk"));
  CHECK(BallotChannel(nlohmann::json{{"_channel", "paper"}}) == Channel::kPaper);
  CHECK(BallotChannel(nlohmann::json{{"_channel", 7}}) == Channel::kOnline);
  CHECK(BallotChannel(nlohmann::json{{"_channel", "bus"}}) == Channel::kOnline);
  // Usable where a constant is needed.
  static_assert(ParseDeviceRole("clerk") == DeviceRole::kClerk);
  static_assert(PaperSheetStateName(PaperSheetState::kEnteredOnce) == "entered_once");
}

TEST_CASE_TEMPLATE("typed states: stored as their names, and an unknown stored name is a clear error", B, test::Sqlite,
                   test::Postgres) {
  test::TestStore store(B::kBackend);
  std::string serial;
  ProcessId id = 0;
  {
    auto s = store.Open();
    REQUIRE_MESSAGE(s.ok(), s.status().message());
    id = test::OpenProcess(**s, "school");
    REQUIRE((*s)->AddCodeBatch(id, "", "", {"h1", "h2"}, "").ok());
    REQUIRE((*s)->AddDevice(id, DeviceRecord{0, DeviceRole::kClerk, "desk", "token-c", false, 1, 0, 60}).ok());
    REQUIRE((*s)->CheckIn(id, "h1", CheckInKind::kVoid, 0).ok());
    auto batch = (*s)->AddPaperBatch(id, "", "en", 2, PaperSerial);
    REQUIRE(batch.ok());
    serial = PaperSerial(*batch, 1);
    const PaperEntryRecord keep{0, "", false, PaperResolution::kKeep, 5};
    REQUIRE((*s)->AddPaperEntry(id, serial, keep, 0, PaperSheetState::kMismatch, std::nullopt).ok());

    // Read back typed, as written.
    auto devices = (*s)->LoadDevices(id);
    REQUIRE(devices.ok());
    REQUIRE(devices->size() == 1);
    CHECK((*devices)[0].role == DeviceRole::kClerk);
    auto codes = (*s)->LoadCodes(id);
    REQUIRE(codes.ok());
    REQUIRE(codes->size() == 2);
    for (const auto& c : *codes) {
      CHECK(c.checked_in == (c.code_hash == "h1" ? std::optional(CheckInKind::kVoid) : std::nullopt));
    }
    auto sheets = (*s)->LoadPaperSheets(id, 0);
    REQUIRE(sheets.ok());
    REQUIRE(sheets->size() == 1);
    CHECK((*sheets)[0].state == PaperSheetState::kMismatch);
    REQUIRE((*sheets)[0].entries.size() == 1);
    CHECK((*sheets)[0].entries[0].resolution == PaperResolution::kKeep);
  }
  // The database holds the same names as before the states were typed.
  SUBCASE("a device's role") {
    RawSql(store, "UPDATE devices SET role = 'robot'");
    auto s = store.Open();
    REQUIRE(s.ok());
    auto devices = (*s)->LoadDevices(id);
    REQUIRE_FALSE(devices.ok());
    CHECK(devices.status().message().find("unknown device role \"robot\"") != std::string::npos);
  }
  SUBCASE("why a code is spent") {
    RawSql(store, "UPDATE voter_codes SET checked_in = 'bus' WHERE code_hash = 'h1'");
    auto s = store.Open();
    REQUIRE(s.ok());
    auto codes = (*s)->LoadCodes(id);
    REQUIRE_FALSE(codes.ok());
    CHECK(codes.status().message().find("unknown check-in kind \"bus\"") != std::string::npos);
    auto one = (*s)->FindCode(id, "h1");
    REQUIRE_FALSE(one.ok());
  }
  SUBCASE("a sheet's state") {
    RawSql(store, "UPDATE paper_sheets SET state = 'lost' WHERE serial = '" + serial + "'");
    auto s = store.Open();
    REQUIRE(s.ok());
    auto sheets = (*s)->LoadPaperSheets(id, 0);
    REQUIRE_FALSE(sheets.ok());
    CHECK(sheets.status().message().find("unknown paper sheet state \"lost\"") != std::string::npos);
  }
  SUBCASE("a resolution") {
    RawSql(store, "UPDATE paper_entries SET resolution = 'KEEP'");
    auto s = store.Open();
    REQUIRE(s.ok());
    auto sheets = (*s)->LoadPaperSheets(id, 0);
    REQUIRE_FALSE(sheets.ok());
    CHECK(sheets.status().message().find("unknown paper resolution \"KEEP\"") != std::string::npos);
  }
}
