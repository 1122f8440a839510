// Storage on SQLite (SQLiteCpp): WAL journal, synchronous=FULL, so a committed
// transaction survives a crash or power loss.
#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <map>
#include <optional>

#include "psephos/server/storage.h"
#include "sqlite_accounts.h"
#include "sqlite_ideas.h"
#include "sqlite_milestones.h"
#include "sqlite_schema.h"
#include "stored_names.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server {
namespace {

Status Failed(const char* what, const std::exception& e) {
  return Status::Invalid(std::string("storage: ") + what + ": " + e.what());
}

class SqliteStorage final : public Storage {
 public:
  SqliteStorage(const std::string& path, const OpenOptions& options)
      : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec("PRAGMA synchronous=FULL");
    db_.exec("PRAGMA wal_autocheckpoint=4000");  // fewer, larger checkpoints: a steadier tail
    db_.exec("PRAGMA foreign_keys=ON");
    db_.setBusyTimeout(5000);
    SchemaChange change = MigrateSqliteSchema(db_, options.upgrade, path == ":memory:" ? "" : path);
    if (options.change) *options.change = std::move(change);
    // ?4, the submission hash: a revote with the hash already stored is a retry, not a new ballot.
    spend_ = std::make_unique<SQLite::Statement>(
        db_, "UPDATE voter_codes SET spent = 1, submission_hash = ?4 WHERE process_id = ?1 AND code_hash = ?2 "
             "AND (spent = 0 OR (?3 = 1 AND checked_in = '' AND (?4 = '' OR submission_hash <> ?4))) "
             "RETURNING ballot_id");
    // A code not spent just now: known, and whether its stored ballot came with this submission hash.
    retry_ = std::make_unique<SQLite::Statement>(
        db_, "SELECT ?3 <> '' AND submission_hash = ?3 AND checked_in = '' FROM voter_codes "
             "WHERE process_id = ?1 AND code_hash = ?2");
    state_ = std::make_unique<SQLite::Statement>(db_, "SELECT state FROM processes WHERE id = ?");
    supersede_ = std::make_unique<SQLite::Statement>(db_, "UPDATE ballots SET superseded = 1 WHERE id = ?");
    link_ = std::make_unique<SQLite::Statement>(
        db_, "UPDATE voter_codes SET ballot_id = ? WHERE process_id = ? AND code_hash = ?");
    insert_ = std::make_unique<SQLite::Statement>(
        db_, "INSERT INTO ballots(process_id, code_hash, grp, area, ballot, salt, receipt, created_at) "
             "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  }

  Result<std::optional<std::string>> GetSetting(const std::string& key) override try {
    SQLite::Statement q(db_, "SELECT value FROM settings WHERE key = ?");
    q.bind(1, key);
    if (!q.executeStep()) return std::optional<std::string>();
    return std::optional<std::string>(q.getColumn(0).getString());
  } catch (const std::exception& e) {
    return Failed("reading a setting", e);
  }

  Status PutSetting(const std::string& key, const std::string& value) override try {
    SQLite::Statement q(db_, "INSERT INTO settings(key, value) VALUES(?, ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    q.bind(1, key);
    q.bind(2, value);
    q.exec();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("writing a setting", e);
  }
  Result<std::string> SettingOnce(const std::string& key, const std::string& value) override try {
    SQLite::Transaction transaction(db_);
    SQLite::Statement insert(db_, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING");
    insert.bind(1, key);
    insert.bind(2, value);
    insert.exec();
    SQLite::Statement select(db_, "SELECT value FROM settings WHERE key = ?");
    select.bind(1, key);
    select.executeStep();
    std::string stored = select.getColumn(0).getString();
    transaction.commit();
    return stored;
  } catch (const std::exception& e) {
    return Failed("writing a setting once", e);
  }


  Result<ProcessId> CreateProcess(const std::string& slug, const std::string& definition) override try {
    SQLite::Statement q(db_, "INSERT INTO processes(slug, definition, state, created_at, updated_at) "
                             "VALUES(?, ?, 'draft', ?, ?)");
    const std::int64_t now = NowMs();
    q.bind(1, slug);
    q.bind(2, definition);
    q.bind(3, now);
    q.bind(4, now);
    q.exec();
    return static_cast<ProcessId>(db_.getLastInsertRowid());
  } catch (const std::exception& e) {
    return Failed("creating a process", e);
  }

  Status UpdateDefinition(ProcessId id, const std::string& definition) override {
    return UpdateColumn(id, "definition", definition);
  }
  Status SetState(ProcessId id, ProcessState state) override {
    return UpdateColumn(id, "state", ProcessStateName(state));
  }
  Status SetResults(ProcessId id, const std::string& results) override {
    return UpdateColumn(id, "results", results);
  }

  Result<std::vector<ProcessRecord>> LoadProcesses() override try {
    std::vector<ProcessRecord> out;
    SQLite::Statement q(db_, "SELECT id, slug, definition, state, results FROM processes ORDER BY id");
    while (q.executeStep()) {
      ProcessRecord r;
      r.id = q.getColumn(0).getInt64();
      r.slug = q.getColumn(1).getString();
      r.definition = q.getColumn(2).getString();
      auto state = ParseProcessState(q.getColumn(3).getString());
      if (!state) return Status::Invalid("storage: process " + r.slug + " has an unknown state");
      r.state = *state;
      r.results = q.getColumn(4).getString();
      out.push_back(std::move(r));
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("loading processes", e);
  }

  Result<std::int64_t> AddCodeBatch(ProcessId id, const std::string& group, const std::string& area,
                                    const std::vector<std::string>& code_hashes,
                                    const std::string& csv) override try {
    SQLite::Transaction transaction(db_);
    SQLite::Statement batch(db_, "INSERT INTO code_batches(process_id, grp, area, count, csv, created_at) "
                                 "VALUES(?, ?, ?, ?, ?, ?)");
    batch.bind(1, id);
    batch.bind(2, group);
    batch.bind(3, area);
    batch.bind(4, static_cast<std::int64_t>(code_hashes.size()));
    batch.bind(5, csv);
    batch.bind(6, NowMs());
    batch.exec();
    const std::int64_t batch_id = db_.getLastInsertRowid();
    SQLite::Statement code(db_, "INSERT INTO voter_codes(process_id, code_hash, grp, area, batch_id) "
                                "VALUES(?, ?, ?, ?, ?)");
    for (const std::string& hash : code_hashes) {
      code.bind(1, id);
      code.bind(2, hash);
      code.bind(3, group);
      code.bind(4, area);
      code.bind(5, batch_id);
      code.exec();
      code.reset();
    }
    transaction.commit();
    return batch_id;
  } catch (const std::exception& e) {
    return Failed("adding voter codes", e);
  }

  Result<std::optional<std::string>> ReadCodeBatchCsv(ProcessId id, std::int64_t batch,
                                                      std::int64_t expired_before_ms) override try {
    SQLite::Statement q(db_, "SELECT csv, created_at FROM code_batches "
                             "WHERE id = ? AND process_id = ? AND csv IS NOT NULL");
    q.bind(1, batch);
    q.bind(2, id);
    if (!q.executeStep()) return std::optional<std::string>();
    if (q.getColumn(1).getInt64() < expired_before_ms) {
      auto forgotten = ForgetCodeBatchCsv(id, batch);
      if (!forgotten.ok()) return forgotten.status();
      return std::optional<std::string>();
    }
    return std::optional<std::string>(q.getColumn(0).getString());
  } catch (const std::exception& e) {
    return Failed("reading voter codes", e);
  }

  Result<bool> ForgetCodeBatchCsv(ProcessId id, std::int64_t batch) override try {
    SQLite::Statement forget(db_, "UPDATE code_batches SET csv = NULL WHERE id = ? AND process_id = ? "
                                  "AND csv IS NOT NULL");
    forget.bind(1, batch);
    forget.bind(2, id);
    return forget.exec() > 0;
  } catch (const std::exception& e) {
    return Failed("forgetting voter codes", e);
  }

  Result<std::vector<VoterCodeRecord>> LoadCodes(ProcessId id) override try {
    return Codes(id, nullptr);
  } catch (const std::exception& e) {
    return Failed("loading voter codes", e);
  }

  Result<std::optional<VoterCodeRecord>> FindCode(ProcessId id, const std::string& code_hash) override try {
    auto found = Codes(id, &code_hash);
    return found.empty() ? std::nullopt : std::optional<VoterCodeRecord>(std::move(found.front()));
  } catch (const std::exception& e) {
    return Failed("finding a voter code", e);
  }

  Result<std::vector<AppendResult>> AppendBallots(const std::vector<BallotToStore>& batch) override try {
    std::vector<AppendResult> results;
    results.reserve(batch.size());
    SQLite::Transaction transaction(db_);
    std::map<ProcessId, bool> open;  // per process in the batch, read once
    for (const BallotToStore& b : batch) {
      auto [at, first] = open.try_emplace(b.process, false);
      if (first) {
        state_->bind(1, b.process);
        at->second = state_->executeStep() && state_->getColumn(0).getString() == ProcessStateName(ProcessState::kOpen);
        state_->reset();
      }
      if (!at->second) {
        results.push_back(AppendResult::kProcessClosed);
        continue;
      }
      spend_->bind(1, b.process);
      spend_->bind(2, b.code_hash);
      spend_->bind(3, b.replaces_earlier ? 1 : 0);
      spend_->bind(4, b.submission_hash);
      const bool spent = spend_->executeStep();
      const std::optional<std::int64_t> earlier =
          spent && !spend_->getColumn(0).isNull() ? std::optional<std::int64_t>(spend_->getColumn(0).getInt64())
                                                  : std::nullopt;
      spend_->reset();
      if (!spent) {
        retry_->bind(1, b.process);
        retry_->bind(2, b.code_hash);
        retry_->bind(3, b.submission_hash);
        const bool known = retry_->executeStep();
        const bool retried = known && retry_->getColumn(0).getInt() != 0;
        retry_->reset();
        results.push_back(retried ? AppendResult::kAlreadyStored
                                  : known ? AppendResult::kCodeSpent : AppendResult::kCodeUnknown);
        continue;
      }
      if (earlier) {
        supersede_->bind(1, *earlier);
        supersede_->exec();
        supersede_->reset();
      }
      InsertBallot(b);
      if (b.replaces_earlier) {  // only revoting needs to find this ballot again
        link_->bind(1, db_.getLastInsertRowid());
        link_->bind(2, b.process);
        link_->bind(3, b.code_hash);
        link_->exec();
        link_->reset();
      }
      results.push_back(AppendResult::kStored);
    }
    transaction.commit();
    return results;
  } catch (const std::exception& e) {
    spend_->reset();
    retry_->reset();
    state_->reset();
    supersede_->reset();
    insert_->reset();
    link_->reset();
    return Failed("storing ballots", e);
  }

  Result<std::vector<StoredBallot>> LoadBallots(ProcessId id) override {
    return Ballots(id, /*counted_only=*/true);
  }
  Result<std::vector<StoredBallot>> LoadLog(ProcessId id) override { return Ballots(id, /*counted_only=*/false); }

  Result<std::vector<StoredBallot>> LoadLogSlice(ProcessId id, std::int64_t after_id, std::size_t limit) override {
    return Ballots(id, /*counted_only=*/false, after_id, limit);
  }

  Result<std::vector<StoredBallot>> LoadCountedSlice(ProcessId id, std::int64_t after_id,
                                                     std::size_t limit) override try {
    std::vector<StoredBallot> out;
    // By rowid from `after_id`: each slice costs its own rows, not a scan from the start.
    SQLite::Statement q(db_, "SELECT id, ballot, code_hash, grp FROM ballots "
                             "WHERE id > ? AND process_id = ? AND superseded = 0 ORDER BY id LIMIT ?");
    q.bind(1, after_id);
    q.bind(2, id);
    q.bind(3, static_cast<std::int64_t>(limit));
    while (q.executeStep()) {
      StoredBallot b;
      b.id = q.getColumn(0).getInt64();
      b.ballot = q.getColumn(1).getString();
      b.code_hash = q.getColumn(2).getString();  // with the group: whose group, for the report
      b.group = q.getColumn(3).getString();
      out.push_back(std::move(b));
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("loading ballots", e);
  }

  Result<AppendResult> CheckIn(ProcessId id, const std::string& code_hash, CheckInKind how,
                               std::int64_t device) override try {
    SQLite::Transaction transaction(db_);
    if (DeviceRevoked(id, device)) return AppendResult::kDeviceRevoked;
    const AppendResult result = SpendWithoutBallot(id, code_hash, how);
    if (result == AppendResult::kStored && device != 0) {
      SQLite::Statement by(db_, "UPDATE voter_codes SET checkin_device = ? WHERE process_id = ? AND code_hash = ?");
      by.bind(1, device);
      by.bind(2, id);
      by.bind(3, code_hash);
      by.exec();
    }
    transaction.commit();
    return result;
  } catch (const std::exception& e) {
    return Failed("checking a voter in", e);
  }

  Result<AppendResult> StartKioskSession(ProcessId id, const std::string& voter_code_hash,
                                         const std::vector<std::string>& in_flight, const VoterCodeRecord& one_time,
                                         KioskUse* use) override try {
    SQLite::Transaction transaction(db_);
    if (DeviceRevoked(id, one_time.device)) return AppendResult::kDeviceRevoked;
    if (OverKioskLimits(id, one_time, use)) return AppendResult::kOverKioskLimits;
    if (!voter_code_hash.empty()) {
      const AppendResult checked = SpendWithoutBallot(id, voter_code_hash, CheckInKind::kKiosk);
      if (checked != AppendResult::kStored) return checked;  // rolled back: nothing changed
    }
    VoidOpenKioskCodes(id, one_time.device, in_flight);
    SQLite::Statement add(db_, "INSERT INTO voter_codes(process_id, code_hash, grp, area, device_id, session_at, "
                               "walk_in) VALUES(?, ?, ?, ?, ?, ?, ?)");
    add.bind(1, id);
    add.bind(2, one_time.code_hash);
    add.bind(3, one_time.group);
    add.bind(4, one_time.area);
    add.bind(5, one_time.device);
    add.bind(6, one_time.session_at_ms);
    add.bind(7, one_time.walk_in ? 1 : 0);
    add.exec();
    transaction.commit();
    return AppendResult::kStored;
  } catch (const std::exception& e) {
    return Failed("starting a kiosk session", e);
  }

  Result<std::vector<std::string>> VoidKioskCodes(ProcessId id, std::int64_t device,
                                                  const std::vector<std::string>& in_flight) override try {
    SQLite::Transaction transaction(db_);
    std::vector<std::string> voided = VoidOpenKioskCodes(id, device, in_flight);
    transaction.commit();
    return voided;
  } catch (const std::exception& e) {
    return Failed("voiding a kiosk's sessions", e);
  }

  Result<std::int64_t> AddDevice(ProcessId id, const DeviceRecord& device) override try {
    SQLite::Statement q(db_, "INSERT INTO devices(process_id, role, name, token_hash, created_at, walk_in_allowance, "
                             "session_seconds) VALUES(?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, id);
    q.bind(2, std::string(DeviceRoleName(device.role)));
    q.bind(3, device.name);
    q.bind(4, device.token_hash);
    q.bind(5, device.created_at_ms);
    q.bind(6, device.walk_in_allowance);
    q.bind(7, device.session_seconds);
    q.exec();
    return static_cast<std::int64_t>(db_.getLastInsertRowid());
  } catch (const std::exception& e) {
    return Failed("adding a device", e);
  }

  Status RevokeDevice(ProcessId id, std::int64_t device) override try {
    SQLite::Statement q(db_, "UPDATE devices SET revoked = 1 WHERE process_id = ? AND id = ?");
    q.bind(1, id);
    q.bind(2, device);
    if (q.exec() != 1) return Status::Invalid("storage: no device " + std::to_string(device));
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("revoking a device", e);
  }

  Status SetDeviceLimits(ProcessId id, std::int64_t device, std::int64_t walk_in_allowance,
                         std::int64_t session_seconds) override try {
    SQLite::Statement q(db_, "UPDATE devices SET walk_in_allowance = ?, session_seconds = ? "
                             "WHERE process_id = ? AND id = ?");
    q.bind(1, walk_in_allowance);
    q.bind(2, session_seconds);
    q.bind(3, id);
    q.bind(4, device);
    if (q.exec() != 1) return Status::Invalid("storage: no device " + std::to_string(device));
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("setting a device's limits", e);
  }

  Result<std::vector<DeviceRecord>> LoadDevices(ProcessId id) override try {
    std::vector<DeviceRecord> out;
    SQLite::Statement q(db_, "SELECT id, role, name, token_hash, revoked, created_at, walk_in_allowance, "
                             "session_seconds FROM devices WHERE process_id = ? ORDER BY id");
    q.bind(1, id);
    while (q.executeStep()) {
      out.push_back(DeviceRecord{q.getColumn(0).getInt64(),
                                 StoredName(ParseDeviceRole, "device role", q.getColumn(1).getString()),
                                 q.getColumn(2).getString(),
                                 q.getColumn(3).getString(), q.getColumn(4).getInt() != 0,
                                 q.getColumn(5).getInt64(), q.getColumn(6).getInt64(), q.getColumn(7).getInt64()});
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("loading devices", e);
  }

  Result<std::int64_t> AddPaperBatch(ProcessId id, const std::string& area, const std::string& language,
                                     std::int64_t count,
                                     const std::function<std::string(std::int64_t, std::int64_t)>& serial) override try {
    SQLite::Transaction transaction(db_);
    SQLite::Statement batch(db_, "INSERT INTO paper_batches(process_id, area, language, count, created_at) "
                                 "VALUES(?, ?, ?, ?, ?)");
    batch.bind(1, id);
    batch.bind(2, area);
    batch.bind(3, language);
    batch.bind(4, count);
    batch.bind(5, NowMs());
    batch.exec();
    const std::int64_t batch_id = db_.getLastInsertRowid();
    SQLite::Statement sheet(db_, "INSERT INTO paper_sheets(process_id, serial, batch_id) VALUES(?, ?, ?)");
    for (std::int64_t n = 1; n <= count; ++n) {
      sheet.bind(1, id);
      sheet.bind(2, serial(batch_id, n));
      sheet.bind(3, batch_id);
      sheet.exec();
      sheet.reset();
    }
    transaction.commit();
    return batch_id;
  } catch (const std::exception& e) {
    return Failed("adding paper sheets", e);
  }

  Result<std::vector<PaperBatchRecord>> LoadPaperBatches(ProcessId id) override try {
    std::vector<PaperBatchRecord> out;
    SQLite::Statement q(db_, "SELECT id, area, language, count FROM paper_batches WHERE process_id = ? ORDER BY id");
    q.bind(1, id);
    while (q.executeStep()) {
      out.push_back(PaperBatchRecord{q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                                     q.getColumn(2).getString(), q.getColumn(3).getInt64()});
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("loading paper batches", e);
  }

  Result<std::vector<PaperSheetRecord>> LoadPaperSheets(ProcessId id, std::int64_t batch) override try {
    std::vector<PaperSheetRecord> out;
    std::map<std::string, std::size_t> index;
    SQLite::Statement sheets(db_, batch != 0 ? "SELECT serial, batch_id, state FROM paper_sheets "
                                               "WHERE process_id = ? AND batch_id = ? ORDER BY serial"
                                             : "SELECT serial, batch_id, state FROM paper_sheets "
                                               "WHERE process_id = ? AND state != 'printed'");
    sheets.bind(1, id);
    if (batch != 0) sheets.bind(2, batch);
    while (sheets.executeStep()) {
      index[sheets.getColumn(0).getString()] = out.size();
      out.push_back(PaperSheetRecord{sheets.getColumn(0).getString(), sheets.getColumn(1).getInt64(),
                                     StoredName(ParsePaperSheetState, "paper sheet state",
                                                sheets.getColumn(2).getString()),
                                     {}});
    }
    SQLite::Statement entries(db_, "SELECT serial, device_id, ballot, spoiled, resolution, created_at "
                                   "FROM paper_entries WHERE process_id = ? ORDER BY id");
    entries.bind(1, id);
    while (entries.executeStep()) {
      auto it = index.find(entries.getColumn(0).getString());
      if (it == index.end()) continue;
      out[it->second].entries.push_back(PaperEntryRecord{entries.getColumn(1).getInt64(),
                                                         entries.getColumn(2).getString(),
                                                         entries.getColumn(3).getInt() != 0,
                                                         StoredOptionalName(ParsePaperResolution, "paper resolution",
                                                                            entries.getColumn(4).getString()),
                                                         entries.getColumn(5).getInt64()});
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("loading paper sheets", e);
  }

  Result<AppendResult> AddPaperEntry(ProcessId id, const std::string& serial, const PaperEntryRecord& entry,
                                     std::size_t entries_before, PaperSheetState new_state,
                                     const std::optional<BallotToStore>& ballot) override try {
    SQLite::Transaction transaction(db_);
    if (DeviceRevoked(id, entry.device)) return AppendResult::kDeviceRevoked;
    SQLite::Statement entries(db_, "SELECT count(*) FROM paper_entries WHERE process_id = ? AND serial = ?");
    entries.bind(1, id);
    entries.bind(2, serial);
    entries.executeStep();
    if (entries.getColumn(0).getInt64() != static_cast<std::int64_t>(entries_before)) return AppendResult::kSheetChanged;
    SQLite::Statement add(db_, "INSERT INTO paper_entries(process_id, serial, device_id, ballot, spoiled, "
                               "resolution, created_at) VALUES(?, ?, ?, ?, ?, ?, ?)");
    add.bind(1, id);
    add.bind(2, serial);
    add.bind(3, entry.device);
    add.bind(4, entry.ballot);
    add.bind(5, entry.spoiled ? 1 : 0);
    add.bind(6, OptionalNameText(entry.resolution, PaperResolutionName));
    add.bind(7, entry.created_at_ms);
    add.exec();
    SQLite::Statement state(db_, "UPDATE paper_sheets SET state = ? WHERE process_id = ? AND serial = ?");
    state.bind(1, std::string(PaperSheetStateName(new_state)));
    state.bind(2, id);
    state.bind(3, serial);
    if (state.exec() != 1) return Status::Invalid("storage: no paper sheet " + serial);
    if (ballot) InsertBallot(*ballot);
    transaction.commit();
    return AppendResult::kStored;
  } catch (const std::exception& e) {
    insert_->reset();
    return Failed("storing a paper entry", e);
  }

  // Whether `device` (0: none) is revoked, inside the caller's transaction.
  bool DeviceRevoked(ProcessId id, std::int64_t device) {
    if (device == 0) return false;
    SQLite::Statement q(db_, "SELECT revoked FROM devices WHERE process_id = ? AND id = ?");
    q.bind(1, id);
    q.bind(2, device);
    return !q.executeStep() || q.getColumn(0).getInt() != 0;
  }

  Status PutImages(const std::vector<ImageRecord>& images) override try {
    SQLite::Transaction transaction(db_);
    // A hash already stored is the same bytes: kept once.
    SQLite::Statement insert(db_, "INSERT OR IGNORE INTO images(sha256, width, height, jpeg, created_at) "
                                  "VALUES(?, ?, ?, ?, ?)");
    for (const ImageRecord& image : images) {
      insert.bind(1, image.sha256);
      insert.bind(2, image.width);
      insert.bind(3, image.height);
      insert.bind(4, image.jpeg.data(), static_cast<int>(image.jpeg.size()));
      insert.bind(5, NowMs());
      insert.exec();
      insert.reset();
    }
    transaction.commit();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("storing pictures", e);
  }

  Result<std::vector<ImageRecord>> LoadImages() override try {
    std::vector<ImageRecord> out;
    SQLite::Statement q(db_, "SELECT sha256, width, height, jpeg FROM images");
    while (q.executeStep()) {
      const SQLite::Column blob = q.getColumn(3);
      out.push_back(ImageRecord{q.getColumn(0).getString(), q.getColumn(1).getInt(), q.getColumn(2).getInt(),
                                std::string(static_cast<const char*>(blob.getBlob()), static_cast<std::size_t>(blob.getBytes()))});
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("loading pictures", e);
  }

  Status CorrectDefinition(ProcessId id, const std::string& definition,
                           const std::vector<CorrectionRecord>& changes) override try {
    SQLite::Transaction transaction(db_);
    SQLite::Statement update(db_, "UPDATE processes SET definition = ?, updated_at = ? WHERE id = ?");
    update.bind(1, definition);
    update.bind(2, NowMs());
    update.bind(3, id);
    if (update.exec() != 1) return Status::Invalid("storage: no process " + std::to_string(id));
    SQLite::Statement insert(db_, "INSERT INTO corrections(process_id, at, by, field, before, after) "
                                  "VALUES(?, ?, ?, ?, ?, ?)");
    for (const CorrectionRecord& c : changes) {
      insert.bind(1, id);
      insert.bind(2, c.at_ms);
      insert.bind(3, c.by);
      insert.bind(4, c.field);
      insert.bind(5, c.before);
      insert.bind(6, c.after);
      insert.exec();
      insert.reset();
    }
    transaction.commit();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("storing a correction", e);
  }

  Result<std::vector<CorrectionRecord>> LoadCorrections(ProcessId id) override try {
    std::vector<CorrectionRecord> out;
    SQLite::Statement q(db_, "SELECT at, by, field, before, after FROM corrections WHERE process_id = ? ORDER BY id");
    q.bind(1, id);
    while (q.executeStep()) {
      out.push_back(CorrectionRecord{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                                     q.getColumn(3).getString(), q.getColumn(4).getString()});
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("loading corrections", e);
  }

  Result<std::int64_t> AddMilestone(const MilestoneRecord& m) override {
    return sqlite_milestones::AddMilestone(db_, m);
  }
  Status UpdateMilestone(const MilestoneRecord& m) override { return sqlite_milestones::UpdateMilestone(db_, m); }
  Result<std::vector<MilestoneRecord>> LoadMilestones(ProcessId id) override {
    return sqlite_milestones::LoadMilestones(db_, id);
  }

  // Organizer accounts: the statements are in sqlite_accounts.cc.
  Result<std::int64_t> AddAccount(const AccountRecord& a) override { return sqlite_accounts::AddAccount(db_, a); }
  Result<std::vector<AccountRecord>> LoadAccounts() override { return sqlite_accounts::LoadAccounts(db_); }
  Status SetPasswordHash(std::int64_t account, const std::string& hash, const std::string& kept_session) override {
    return sqlite_accounts::SetPasswordHash(db_, account, hash, kept_session);
  }
  Status SetOrganizerRole(ProcessId id, std::int64_t account, const std::string& role) override {
    return sqlite_accounts::SetOrganizerRole(db_, id, account, role);
  }
  Result<std::vector<OrganizerRoleRecord>> LoadOrganizerRoles() override {
    return sqlite_accounts::LoadOrganizerRoles(db_);
  }
  Status PutSession(const SessionRecord& s) override { return sqlite_accounts::PutSession(db_, s); }
  Status DeleteSession(const std::string& id_hash) override { return sqlite_accounts::DeleteSession(db_, id_hash); }
  Result<std::vector<SessionRecord>> LoadSessions() override { return sqlite_accounts::LoadSessions(db_); }
  Result<std::int64_t> AppendAction(const ActionRecord& a) override { return sqlite_accounts::AppendAction(db_, a); }
  Result<std::vector<ActionRecord>> LoadActions(const std::string& process, std::int64_t before_id,
                                                std::size_t limit) override {
    return sqlite_accounts::LoadActions(db_, process, before_id, limit);
  }

  // Ideas: the statements are in sqlite_ideas.cc.
  Result<std::optional<std::int64_t>> AddIdea(ProcessId id, const IdeaRecord& idea, std::size_t before) override {
    return sqlite_ideas::AddIdea(db_, id, idea, before);
  }
  Status UpdateIdeas(ProcessId id, const std::vector<IdeaRecord>& ideas) override {
    return sqlite_ideas::UpdateIdeas(db_, id, ideas);
  }
  Result<bool> AddIdeaSupport(ProcessId id, const IdeaSupportRecord& support) override {
    return sqlite_ideas::AddIdeaSupport(db_, id, support);
  }
  Status MergeIdea(ProcessId id, const IdeaRecord& merged, const std::vector<IdeaSupportRecord>& moved) override {
    return sqlite_ideas::MergeIdea(db_, id, merged, moved);
  }
  Status AddIdeaProject(ProcessId id, const std::string& definition, const std::vector<IdeaRecord>& ideas) override {
    return sqlite_ideas::AddIdeaProject(db_, id, definition, ideas);
  }
  Result<std::vector<IdeaRecord>> LoadIdeas(ProcessId id) override { return sqlite_ideas::LoadIdeas(db_, id); }
  Result<std::vector<IdeaSupportRecord>> LoadIdeaSupports(ProcessId id) override {
    return sqlite_ideas::LoadIdeaSupports(db_, id);
  }
  Status AddIdeaCodes(ProcessId id, const std::string& group, const std::vector<std::string>& code_hashes) override {
    return sqlite_ideas::AddIdeaCodes(db_, id, group, code_hashes);
  }
  Result<std::vector<IdeaCodeRecord>> LoadIdeaCodes(ProcessId id) override {
    return sqlite_ideas::LoadIdeaCodes(db_, id);
  }

  Status IntegrityCheck() override try {
    const std::string verdict = db_.execAndGet("PRAGMA integrity_check").getString();
    if (verdict != "ok") return Status::Invalid("storage: integrity check: " + verdict);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("checking integrity", e);
  }

 private:
  // A process's codes, or the one with `code_hash`.
  std::vector<VoterCodeRecord> Codes(ProcessId id, const std::string* code_hash) {
    SQLite::Statement q(db_, std::string("SELECT code_hash, grp, area, spent, checked_in, IFNULL(device_id, 0), "
                                         "IFNULL(checkin_device, 0), session_at, walk_in, submission_hash FROM voter_codes "
                                         "WHERE process_id = ?") +
                                 (code_hash != nullptr ? " AND code_hash = ?" : ""));
    q.bind(1, id);
    if (code_hash != nullptr) q.bind(2, *code_hash);
    std::vector<VoterCodeRecord> out;
    while (q.executeStep()) {
      out.push_back(VoterCodeRecord{q.getColumn(0).getString(), q.getColumn(1).getString(),
                                    q.getColumn(2).getString(), q.getColumn(3).getInt() != 0,
                                    StoredOptionalName(ParseCheckInKind, "check-in kind", q.getColumn(4).getString()),
                                    q.getColumn(5).getInt64(),
                                    q.getColumn(6).getInt64(), q.getColumn(7).getInt64(),
                                    q.getColumn(8).getInt() != 0, q.getColumn(9).getString()});
    }
    return out;
  }
  void InsertBallot(const BallotToStore& b) {
    insert_->bind(1, b.process);
    insert_->bind(2, b.code_hash);
    insert_->bind(3, b.group);
    insert_->bind(4, b.area);
    insert_->bind(5, b.ballot);
    insert_->bind(6, b.salt);
    insert_->bind(7, b.receipt);
    insert_->bind(8, b.created_at_ms);
    insert_->exec();
    insert_->reset();
  }

  // Within the caller's transaction.
  // Within a kiosk session's transaction, the device known: whether the kiosk's
  // limits as stored refuse `one_time` (then `use` says how).
  bool OverKioskLimits(ProcessId id, const VoterCodeRecord& one_time, KioskUse* use) {
    SQLite::Statement limits(db_, "SELECT walk_in_allowance, session_seconds FROM devices WHERE process_id = ? AND id = ?");
    limits.bind(1, id);
    limits.bind(2, one_time.device);
    limits.executeStep();
    SQLite::Statement done(db_, "SELECT count(*) FILTER (WHERE walk_in), COALESCE(max(session_at), 0) "
                                "FROM voter_codes WHERE process_id = ? AND device_id = ?");
    done.bind(1, id);
    done.bind(2, one_time.device);
    done.executeStep();
    const KioskUse stored{limits.getColumn(0).getInt64(), limits.getColumn(1).getInt64(), done.getColumn(0).getInt64(),
                          done.getColumn(1).getInt64()};
    if (RefuseKioskSession(stored, one_time.walk_in, one_time.session_at_ms) == KioskRefusal::kNone) return false;
    if (use != nullptr) *use = stored;
    return true;
  }

  // Within the caller's transaction: the kiosk's one-time codes still unspent,
  // but those in `in_flight`, voided; their hashes.
  std::vector<std::string> VoidOpenKioskCodes(ProcessId id, std::int64_t device, const std::vector<std::string>& in_flight) {
    std::vector<std::string> open;
    SQLite::Statement q(db_, "SELECT code_hash FROM voter_codes WHERE process_id = ? AND device_id = ? AND spent = 0");
    q.bind(1, id);
    q.bind(2, device);
    while (q.executeStep()) {
      std::string hash = q.getColumn(0).getString();
      if (std::find(in_flight.begin(), in_flight.end(), hash) == in_flight.end()) open.push_back(std::move(hash));
    }
    for (const std::string& hash : open) SpendWithoutBallot(id, hash, CheckInKind::kVoid);
    return open;
  }

  AppendResult SpendWithoutBallot(ProcessId id, const std::string& code_hash, CheckInKind how) {
    SQLite::Statement q(db_, "UPDATE voter_codes SET spent = 1, checked_in = ? "
                             "WHERE process_id = ? AND code_hash = ? AND spent = 0");
    q.bind(1, std::string(CheckInKindName(how)));
    q.bind(2, id);
    q.bind(3, code_hash);
    if (q.exec() == 1) return AppendResult::kStored;
    SQLite::Statement known(db_, "SELECT 1 FROM voter_codes WHERE process_id = ? AND code_hash = ?");
    known.bind(1, id);
    known.bind(2, code_hash);
    return known.executeStep() ? AppendResult::kCodeSpent : AppendResult::kCodeUnknown;
  }

  // Ballots after `after_id`, at most `limit` of them (0: all).
  Result<std::vector<StoredBallot>> Ballots(ProcessId id, bool counted_only, std::int64_t after_id = 0,
                                            std::size_t limit = 0) try {
    std::vector<StoredBallot> out;
    SQLite::Statement q(db_, std::string("SELECT id, grp, area, ballot, salt, receipt, created_at, superseded, code_hash "
                                         "FROM ballots WHERE id > ? AND process_id = ?") +
                                 (counted_only ? " AND superseded = 0" : "") + " ORDER BY id" +
                                 (limit > 0 ? " LIMIT " + std::to_string(limit) : ""));
    q.bind(1, after_id);
    q.bind(2, id);
    while (q.executeStep()) {
      out.push_back(StoredBallot{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                                 q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString(),
                                 q.getColumn(6).getInt64(), q.getColumn(7).getInt() != 0, q.getColumn(8).getString()});
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("loading ballots", e);
  }

  Status UpdateColumn(ProcessId id, const char* column, const std::string& value) try {
    SQLite::Statement q(db_, std::string("UPDATE processes SET ") + column + " = ?, updated_at = ? WHERE id = ?");
    q.bind(1, value);
    q.bind(2, NowMs());
    q.bind(3, id);
    if (q.exec() != 1) return Status::Invalid("storage: no process with id " + std::to_string(id));
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("updating a process", e);
  }

  SQLite::Database db_;
  // The ballot path's statements, prepared once the schema exists.
  std::unique_ptr<SQLite::Statement> spend_, retry_, state_, supersede_, insert_, link_;
};

}  // namespace

Result<std::unique_ptr<Storage>> OpenSqliteStorage(const std::string& path, const OpenOptions& options) {
  try {
    return std::unique_ptr<Storage>(std::make_unique<SqliteStorage>(path, options));
  } catch (const std::exception& e) {
    return Status::Invalid("cannot open the database " + path + ": " + e.what());
  }
}

}  // namespace psephos::server
