// Storage on PostgreSQL (libpqxx): the same semantics as sqlite_storage.cc, for
// several server nodes on one database. Every decision is taken in the
// database, never from what one node remembers: a code is spent by an UPDATE
// that checks it is unspent (row locks settle a race between nodes), and ballot
// ids come from one sequence under a lock held to commit, so every node reads
// the same log in the same order.
#include <pqxx/pqxx>

#include <map>
#include <optional>

#include "pg_accounts.h"
#include "pg_devices.h"
#include "pg_ideas.h"
#include "pg_milestones.h"
#include "pg_nodes.h"
#include "pg_paper.h"
#include "pg_processes.h"
#include "pg_rows.h"
#include "pg_schema.h"
#include "pg_texts.h"
#include "stored_names.h"
#include "psephos/server/storage.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server {
namespace {

using pg::Bool;
using pg::Int;
using pg::Text;
using pg::TextArray;

// The session-level advisory lock of the one node that runs the schedule ("psephos" + 1).
constexpr long long kSchedulerLock = 0x70736570686f74;

Status Failed(const char* what, const std::exception& e) {
  return Status::Invalid(std::string("storage: ") + what + ": " + e.what());
}

// Taken first by every transaction that spends codes or adds to the ballot
// log, and held to its commit (any key, the same on every node, apart from
// pg_schema.cc's). Ballot ids are then visible in the order they were given,
// so a reader that has seen ballot n never finds a smaller one later; and
// transactions that lock several codes' rows (a ballot group, a kiosk session)
// never wait for each other in a cycle.
constexpr const char* kLockWrites = "SELECT pg_advisory_xact_lock(5853002021)";
// How long a node's session may sit idle inside a transaction (see Connection()).
constexpr const char* kIdleInTransactionTimeout = "SET idle_in_transaction_session_timeout = '5s'";

// The ballot path's statements, prepared on each connection.
struct Prepared {
  const char* name;
  const char* sql;
};
constexpr Prepared kPrepared[] = {
    // $4, the submission hash: a revote with the hash already stored is a retry, not a new ballot.
    {"spend", "UPDATE voter_codes SET spent = true, submission_hash = $4 WHERE process_id = $1 AND code_hash = $2 "
              "AND (NOT spent OR ($3 AND checked_in = '' AND ($4 = '' OR submission_hash <> $4))) RETURNING ballot_id"},
    // A code not spent just now: known, and whether its stored ballot came with this submission hash.
    {"retry", "SELECT $3::text <> '' AND submission_hash = $3::text AND checked_in = '' FROM voter_codes "
              "WHERE process_id = $1 AND code_hash = $2"},
    {"exists", "SELECT 1 FROM voter_codes WHERE process_id = $1 AND code_hash = $2"},
    // Share-locked: a close (UPDATE processes) waits for this transaction, and
    // one already written is seen here.
    {"open", "SELECT state FROM processes WHERE id = $1 FOR SHARE"},
    {"supersede", "UPDATE ballots SET superseded = true WHERE id = $1"},
    {"link", "UPDATE voter_codes SET ballot_id = $1 WHERE process_id = $2 AND code_hash = $3"},
    {"insert", "INSERT INTO ballots(process_id, code_hash, grp, area, ballot, salt, receipt, created_at) "
               "VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"},
};

StoredBallot BallotFromRow(const pqxx::row& r) {
  return StoredBallot{Int(r[0]),  Text(r[1]), Text(r[2]), Text(r[3]), Text(r[4]),
                      Text(r[5]), Int(r[6]),  Bool(r[7]), Text(r[8])};
}

class PgStorage final : public Storage {
 public:
  PgStorage(std::string url, const OpenOptions& options) : url_(std::move(url)) {
    Connection();  // fails here, at start, when the database cannot be reached
    SchemaChange change = MigratePgSchema(*connection_, options.upgrade);
    if (options.change) *options.change = std::move(change);
  }

  // Settings and processes: the statements are in pg_processes.cc.
  Result<std::optional<std::string>> GetSetting(const std::string& key) override {
    return Transact("reading a setting", [&](pqxx::work& t) { return pg_processes::GetSetting(t, key); });
  }
  Status PutSetting(const std::string& key, const std::string& value) override {
    return Transact("writing a setting", [&](pqxx::work& t) { return pg_processes::PutSetting(t, key, value); });
  }
  Result<std::string> SettingOnce(const std::string& key, const std::string& value) override {
    return Transact("writing a setting once", [&](pqxx::work& t) {
      return pg_processes::SettingOnce(t, key, value);
    });
  }
  Result<ProcessId> CreateProcess(const std::string& slug, const std::string& definition) override {
    return Transact("creating a process", [&](pqxx::work& t) {
      return pg_processes::CreateProcess(t, slug, definition);
    });
  }
  Status UpdateDefinition(ProcessId id, const std::string& definition) override {
    return Transact("updating a process", [&](pqxx::work& t) {
      return pg_processes::UpdateDefinition(t, id, definition);
    });
  }
  Status SetState(ProcessId id, ProcessState state) override {
    return Transact("updating a process", [&](pqxx::work& t) { return pg_processes::SetState(t, id, state); });
  }
  Status SetResults(ProcessId id, const std::string& results) override {
    return Transact("updating a process", [&](pqxx::work& t) { return pg_processes::SetResults(t, id, results); });
  }
  Result<std::vector<ProcessRecord>> LoadProcesses() override {
    return Transact("loading processes", [&](pqxx::work& t) { return pg_processes::LoadProcesses(t); });
  }

  Result<std::int64_t> AddCodeBatch(ProcessId id, const std::string& group, const std::string& area,
                                    const std::vector<std::string>& code_hashes,
                                    const std::string& csv) override {
    return Transact("adding voter codes", [&](pqxx::work& t) -> Result<std::int64_t> {
      auto batch = t.exec_params("INSERT INTO code_batches(process_id, grp, area, count, csv, created_at) "
                                 "VALUES($1, $2, $3, $4, $5, $6) RETURNING id",
                                 id, group, area, static_cast<std::int64_t>(code_hashes.size()), csv, NowMs());
      const std::int64_t batch_id = Int(batch[0][0]);
      t.exec_params("INSERT INTO voter_codes(process_id, code_hash, grp, area, batch_id) "
                    "SELECT $1, hash, $2, $3, $4 FROM unnest($5::text[]) AS hash",
                    id, group, area, batch_id, TextArray(code_hashes));
      t.commit();
      return batch_id;
    });
  }

  Result<std::optional<std::string>> ReadCodeBatchCsv(ProcessId id, std::int64_t batch,
                                                      std::int64_t expired_before_ms) override {
    using Csv = std::optional<std::pair<std::string, std::int64_t>>;  // the CSV and when it was made
    auto read = Transact("reading voter codes", [&](pqxx::work& t) -> Result<Csv> {
      auto r = t.exec_params("SELECT csv, created_at FROM code_batches "
                             "WHERE id = $1 AND process_id = $2 AND csv IS NOT NULL",
                             batch, id);
      if (r.empty()) return Csv();
      return Csv(std::make_pair(Text(r[0][0]), Int(r[0][1])));
    });
    if (!read.ok()) return read.status();
    if (!*read) return std::optional<std::string>();
    if ((*read)->second < expired_before_ms) {
      auto forgotten = ForgetCodeBatchCsv(id, batch);
      if (!forgotten.ok()) return forgotten.status();
      return std::optional<std::string>();
    }
    return std::optional<std::string>(std::move((*read)->first));
  }

  Result<bool> ForgetCodeBatchCsv(ProcessId id, std::int64_t batch) override {
    auto changed = Changed("forgetting voter codes",
                           "UPDATE code_batches SET csv = NULL WHERE id = $1 AND process_id = $2 "
                           "AND csv IS NOT NULL",
                           batch, id);
    if (!changed.ok()) return changed.status();
    return *changed > 0;
  }

  Result<std::vector<VoterCodeRecord>> LoadCodes(ProcessId id) override {
    return Transact("loading voter codes",
                    [&](pqxx::work& t) -> Result<std::vector<VoterCodeRecord>> { return Codes(t, id, nullptr); });
  }

  Result<std::optional<VoterCodeRecord>> FindCode(ProcessId id, const std::string& code_hash) override {
    return Transact("finding a voter code", [&](pqxx::work& t) -> Result<std::optional<VoterCodeRecord>> {
      auto found = Codes(t, id, &code_hash);
      return found.empty() ? std::nullopt : std::optional<VoterCodeRecord>(std::move(found.front()));
    });
  }

  Result<std::vector<AppendResult>> AppendBallots(const std::vector<BallotToStore>& batch) override {
    return Transact("storing ballots", [&](pqxx::work& t) -> Result<std::vector<AppendResult>> {
      std::vector<AppendResult> results;
      results.reserve(batch.size());
      t.exec(kLockWrites);
      std::map<ProcessId, bool> open;  // per process in the batch, read once
      for (const BallotToStore& b : batch) {
        auto [at, first] = open.try_emplace(b.process, false);
        if (first) {
          auto state = t.exec_prepared("open", b.process);
          at->second = !state.empty() && Text(state[0][0]) == ProcessStateName(ProcessState::kOpen);
        }
        if (!at->second) {
          results.push_back(AppendResult::kProcessClosed);
          continue;
        }
        // Row-locked: a node racing for the same code waits here, then finds it spent.
        auto spent = t.exec_prepared("spend", b.process, b.code_hash, b.replaces_earlier, b.submission_hash);
        if (spent.empty()) {
          const auto known = t.exec_prepared("retry", b.process, b.code_hash, b.submission_hash);
          results.push_back(known.empty()        ? AppendResult::kCodeUnknown
                            : Bool(known[0][0]) ? AppendResult::kAlreadyStored
                                                : AppendResult::kCodeSpent);
          continue;
        }
        if (!spent[0][0].is_null()) t.exec_prepared("supersede", Int(spent[0][0]));
        const std::int64_t ballot_id = InsertBallot(t, b);
        if (b.replaces_earlier) t.exec_prepared("link", ballot_id, b.process, b.code_hash);
        results.push_back(AppendResult::kStored);
      }
      t.commit();
      return results;
    });
  }

  Result<std::vector<StoredBallot>> LoadBallots(ProcessId id) override {
    return Ballots(id, /*counted_only=*/true);
  }
  Result<std::vector<StoredBallot>> LoadLog(ProcessId id) override { return Ballots(id, /*counted_only=*/false); }

  Result<std::vector<StoredBallot>> LoadLogSlice(ProcessId id, std::int64_t after_id, std::size_t limit) override {
    return Ballots(id, /*counted_only=*/false, after_id, limit);
  }

  Result<std::vector<StoredBallot>> LoadCountedSlice(ProcessId id, std::int64_t after_id,
                                                     std::size_t limit) override {
    return Transact("loading ballots", [&](pqxx::work& t) -> Result<std::vector<StoredBallot>> {
      std::vector<StoredBallot> out;
      for (const auto& r : t.exec_params("SELECT id, ballot, code_hash, grp FROM ballots "
                                         "WHERE id > $1 AND process_id = $2 AND NOT superseded ORDER BY id LIMIT $3",
                                         after_id, id, static_cast<std::int64_t>(limit))) {
        StoredBallot b;
        b.id = Int(r[0]);
        b.ballot = Text(r[1]);
        b.code_hash = Text(r[2]);
        b.group = Text(r[3]);
        out.push_back(std::move(b));
      }
      return out;
    });
  }

  Result<AppendResult> CheckIn(ProcessId id, const std::string& code_hash, CheckInKind how,
                               std::int64_t device) override {
    return Transact("checking a voter in", [&](pqxx::work& t) -> Result<AppendResult> {
      t.exec(kLockWrites);
      if (DeviceRevoked(t, id, device)) return AppendResult::kDeviceRevoked;
      const AppendResult result = SpendWithoutBallot(t, id, code_hash, how);
      if (result == AppendResult::kStored && device != 0) {
        t.exec_params("UPDATE voter_codes SET checkin_device = $1 WHERE process_id = $2 AND code_hash = $3", device,
                      id, code_hash);
      }
      t.commit();
      return result;
    });
  }

  Result<AppendResult> StartKioskSession(ProcessId id, const std::string& voter_code_hash,
                                         const std::vector<std::string>& in_flight, const VoterCodeRecord& one_time,
                                         KioskUse* use) override {
    return Transact("starting a kiosk session", [&](pqxx::work& t) -> Result<AppendResult> {
      t.exec(kLockWrites);  // also keeps two nodes from starting this kiosk's sessions at once
      if (DeviceRevoked(t, id, one_time.device)) return AppendResult::kDeviceRevoked;
      if (OverKioskLimits(t, id, one_time, use)) return AppendResult::kOverKioskLimits;
      if (!voter_code_hash.empty()) {
        const AppendResult checked = SpendWithoutBallot(t, id, voter_code_hash, CheckInKind::kKiosk);
        if (checked != AppendResult::kStored) return checked;  // rolled back: nothing changed
      }
      VoidOpenKioskCodes(t, id, one_time.device, in_flight);
      t.exec_params("INSERT INTO voter_codes(process_id, code_hash, grp, area, device_id, session_at, walk_in) "
                    "VALUES($1, $2, $3, $4, $5, $6, $7)",
                    id, one_time.code_hash, one_time.group, one_time.area, one_time.device, one_time.session_at_ms,
                    one_time.walk_in);
      t.commit();
      return AppendResult::kStored;
    });
  }

  Result<std::vector<std::string>> VoidKioskCodes(ProcessId id, std::int64_t device,
                                                  const std::vector<std::string>& in_flight) override {
    return Transact("voiding a kiosk's sessions", [&](pqxx::work& t) -> Result<std::vector<std::string>> {
      t.exec(kLockWrites);
      std::vector<std::string> voided = VoidOpenKioskCodes(t, id, device, in_flight);
      t.commit();
      return voided;
    });
  }

  // Devices: the statements are in pg_devices.cc.
  Result<std::int64_t> AddDevice(ProcessId id, const DeviceRecord& device) override {
    return Transact("adding a device", [&](pqxx::work& t) { return pg_devices::AddDevice(t, id, device); });
  }
  Status RevokeDevice(ProcessId id, std::int64_t device) override {
    return Transact("revoking a device", [&](pqxx::work& t) { return pg_devices::RevokeDevice(t, id, device); });
  }
  Status SetDeviceLimits(ProcessId id, std::int64_t device, std::int64_t walk_in_allowance,
                         std::int64_t session_seconds) override {
    return Transact("setting a device's limits", [&](pqxx::work& t) {
      return pg_devices::SetDeviceLimits(t, id, device, walk_in_allowance, session_seconds);
    });
  }
  Result<std::vector<DeviceRecord>> LoadDevices(ProcessId id) override {
    return Transact("loading devices", [&](pqxx::work& t) { return pg_devices::LoadDevices(t, id); });
  }

  // Paper batches and sheets: the statements are in pg_paper.cc.
  Result<std::int64_t> AddPaperBatch(ProcessId id, const std::string& area, const std::string& language,
                                     std::int64_t count,
                                     const std::function<std::string(std::int64_t, std::int64_t)>& serial) override {
    return Transact("adding paper sheets", [&](pqxx::work& t) {
      return pg_paper::AddPaperBatch(t, id, area, language, count, serial);
    });
  }
  Result<std::vector<PaperBatchRecord>> LoadPaperBatches(ProcessId id) override {
    return Transact("loading paper batches", [&](pqxx::work& t) { return pg_paper::LoadPaperBatches(t, id); });
  }
  Result<std::vector<PaperSheetRecord>> LoadPaperSheets(ProcessId id, std::int64_t batch) override {
    return Transact("loading paper sheets", [&](pqxx::work& t) { return pg_paper::LoadPaperSheets(t, id, batch); });
  }

  Result<AppendResult> AddPaperEntry(ProcessId id, const std::string& serial, const PaperEntryRecord& entry,
                                     std::size_t entries_before, PaperSheetState new_state,
                                     const std::optional<BallotToStore>& ballot) override {
    return Transact("storing a paper entry", [&](pqxx::work& t) -> Result<AppendResult> {
      if (ballot) t.exec(kLockWrites);  // first, as everywhere
      if (DeviceRevoked(t, id, entry.device)) return AppendResult::kDeviceRevoked;
      // The sheet's row locked: two nodes' clerks entering it at once take turns,
      // and the second finds the first's entry.
      if (t.exec_params("SELECT 1 FROM paper_sheets WHERE process_id = $1 AND serial = $2 FOR UPDATE", id, serial)
              .empty()) {
        return Status::Invalid("storage: no paper sheet " + serial);
      }
      const auto entries = Int(t.exec_params1("SELECT count(*) FROM paper_entries WHERE process_id = $1 AND serial = $2",
                                              id, serial)[0]);
      if (entries != static_cast<std::int64_t>(entries_before)) return AppendResult::kSheetChanged;
      t.exec_params("INSERT INTO paper_entries(process_id, serial, device_id, ballot, spoiled, resolution, "
                    "created_at) VALUES($1, $2, $3, $4, $5, $6, $7)",
                    id, serial, entry.device, entry.ballot, entry.spoiled,
                    OptionalNameText(entry.resolution, PaperResolutionName), entry.created_at_ms);
      auto state = t.exec_params("UPDATE paper_sheets SET state = $1 WHERE process_id = $2 AND serial = $3",
                                 std::string(PaperSheetStateName(new_state)), id, serial);
      if (state.affected_rows() != 1) return Status::Invalid("storage: no paper sheet " + serial);
      if (ballot) InsertBallot(t, *ballot);
      t.commit();
      return AppendResult::kStored;
    });
  }

  // Whether `device` (0: none) is revoked, read in the writing transaction: the
  // database decides, whatever this node's copy of the devices says.
  static bool DeviceRevoked(pqxx::work& t, ProcessId id, std::int64_t device) {
    if (device == 0) return false;
    auto rows = t.exec_params("SELECT revoked FROM devices WHERE process_id = $1 AND id = $2", id, device);
    return rows.empty() || rows[0][0].as<bool>();
  }

  // Within a kiosk session's transaction, the device known: whether the kiosk's
  // limits as stored refuse `one_time` (then `use` says how).
  static bool OverKioskLimits(pqxx::work& t, ProcessId id, const VoterCodeRecord& one_time, KioskUse* use) {
    const auto limits = t.exec_params1("SELECT walk_in_allowance, session_seconds FROM devices "
                                       "WHERE process_id = $1 AND id = $2",
                                       id, one_time.device);
    const auto done = t.exec_params1("SELECT count(*) FILTER (WHERE walk_in), COALESCE(max(session_at), 0) "
                                     "FROM voter_codes WHERE process_id = $1 AND device_id = $2",
                                     id, one_time.device);
    const KioskUse stored{Int(limits[0]), Int(limits[1]), Int(done[0]), Int(done[1])};
    if (RefuseKioskSession(stored, one_time.walk_in, one_time.session_at_ms) == KioskRefusal::kNone) return false;
    if (use != nullptr) *use = stored;
    return true;
  }

  // Within the caller's transaction, after it took kLockWrites: the kiosk's
  // one-time codes still unspent, but those in `in_flight`, voided; their hashes.
  static std::vector<std::string> VoidOpenKioskCodes(pqxx::work& t, ProcessId id, std::int64_t device,
                                                     const std::vector<std::string>& in_flight) {
    std::vector<std::string> voided;
    for (const auto& r : t.exec_params("UPDATE voter_codes SET spent = true, checked_in = $1 "
                                       "WHERE process_id = $2 AND device_id = $3 AND NOT spent "
                                       "AND NOT (code_hash = ANY($4::text[])) RETURNING code_hash",
                                       std::string(CheckInKindName(CheckInKind::kVoid)), id, device,
                                       TextArray(in_flight))) {
      voided.push_back(Text(r[0]));
    }
    return voided;
  }

  // Pictures and corrections: the statements are in pg_texts.cc.
  Status PutImages(const std::vector<ImageRecord>& images) override {
    return Transact("storing pictures", [&](pqxx::work& t) { return pg_texts::PutImages(t, images); });
  }
  Result<std::vector<ImageRecord>> LoadImages() override {
    return Transact("loading pictures", [&](pqxx::work& t) { return pg_texts::LoadImages(t); });
  }
  Status CorrectDefinition(ProcessId id, const std::string& definition,
                           const std::vector<CorrectionRecord>& changes) override {
    return Transact("storing a correction", [&](pqxx::work& t) {
      return pg_texts::CorrectDefinition(t, id, definition, changes);
    });
  }
  Result<std::vector<CorrectionRecord>> LoadCorrections(ProcessId id) override {
    return Transact("loading corrections", [&](pqxx::work& t) { return pg_texts::LoadCorrections(t, id); });
  }

  // Milestones: the statements are in pg_milestones.cc.
  Result<std::int64_t> AddMilestone(const MilestoneRecord& m) override {
    return Transact("adding a milestone", [&](pqxx::work& t) { return pg_milestones::AddMilestone(t, m); });
  }
  Status UpdateMilestone(const MilestoneRecord& m) override {
    return Transact("updating a milestone", [&](pqxx::work& t) { return pg_milestones::UpdateMilestone(t, m); });
  }
  Result<std::vector<MilestoneRecord>> LoadMilestones(ProcessId id) override {
    return Transact("loading milestones", [&](pqxx::work& t) { return pg_milestones::LoadMilestones(t, id); });
  }

  // Organizer accounts, roles, sessions and the action log: the statements are in pg_accounts.cc.
  Result<std::int64_t> AddAccount(const AccountRecord& a) override {
    return Transact("adding an account", [&](pqxx::work& t) { return pg_accounts::AddAccount(t, a); });
  }
  Result<std::vector<AccountRecord>> LoadAccounts() override {
    return Transact("loading accounts", [&](pqxx::work& t) { return pg_accounts::LoadAccounts(t); });
  }
  Status SetPasswordHash(std::int64_t account, const std::string& hash, const std::string& kept_session) override {
    return Transact("changing a password", [&](pqxx::work& t) {
      return pg_accounts::SetPasswordHash(t, account, hash, kept_session);
    });
  }
  Status SetOrganizerRole(ProcessId id, std::int64_t account, const std::string& role) override {
    return Transact("setting an organizer's role", [&](pqxx::work& t) {
      return pg_accounts::SetOrganizerRole(t, id, account, role);
    });
  }
  Result<std::vector<OrganizerRoleRecord>> LoadOrganizerRoles() override {
    return Transact("loading organizer roles", [&](pqxx::work& t) { return pg_accounts::LoadOrganizerRoles(t); });
  }
  Status PutSession(const SessionRecord& s) override {
    return Transact("storing a session", [&](pqxx::work& t) { return pg_accounts::PutSession(t, s); });
  }
  Status DeleteSession(const std::string& id_hash) override {
    return Transact("deleting a session", [&](pqxx::work& t) { return pg_accounts::DeleteSession(t, id_hash); });
  }
  Result<std::vector<SessionRecord>> LoadSessions() override {
    return Transact("loading sessions", [&](pqxx::work& t) { return pg_accounts::LoadSessions(t); });
  }
  Result<std::int64_t> AppendAction(const ActionRecord& a) override {
    return Transact("logging an action", [&](pqxx::work& t) { return pg_accounts::AppendAction(t, a); });
  }
  Result<std::vector<ActionRecord>> LoadActions(const std::string& process, std::int64_t before_id,
                                                std::size_t limit) override {
    return Transact("reading the action log", [&](pqxx::work& t) {
      return pg_accounts::LoadActions(t, process, before_id, limit);
    });
  }

  // Ideas, their supports and idea codes (ideas_api.cc): the statements are in pg_ideas.cc.
  Result<std::optional<std::int64_t>> AddIdea(ProcessId id, const IdeaRecord& i, std::size_t before) override {
    return Transact("adding an idea", [&](pqxx::work& t) { return pg_ideas::AddIdea(t, id, i, before); });
  }
  Status UpdateIdeas(ProcessId id, const std::vector<IdeaRecord>& ideas) override {
    return Transact("updating ideas", [&](pqxx::work& t) { return pg_ideas::UpdateIdeas(t, id, ideas); });
  }
  Result<bool> AddIdeaSupport(ProcessId id, const IdeaSupportRecord& s) override {
    return Transact("adding a support", [&](pqxx::work& t) { return pg_ideas::AddIdeaSupport(t, id, s); });
  }
  Status MergeIdea(ProcessId id, const IdeaRecord& merged, const std::vector<IdeaSupportRecord>& moved) override {
    return Transact("merging ideas", [&](pqxx::work& t) { return pg_ideas::MergeIdea(t, id, merged, moved); });
  }
  Status AddIdeaProject(ProcessId id, const std::string& definition, const std::vector<IdeaRecord>& ideas) override {
    return Transact("adding a project from ideas", [&](pqxx::work& t) {
      return pg_ideas::AddIdeaProject(t, id, definition, ideas);
    });
  }
  Result<std::vector<IdeaRecord>> LoadIdeas(ProcessId id) override {
    return Transact("loading ideas", [&](pqxx::work& t) { return pg_ideas::LoadIdeas(t, id); });
  }
  Result<std::vector<IdeaSupportRecord>> LoadIdeaSupports(ProcessId id) override {
    return Transact("loading supports", [&](pqxx::work& t) { return pg_ideas::LoadIdeaSupports(t, id); });
  }
  Status AddIdeaCodes(ProcessId id, const std::string& group, const std::vector<std::string>& code_hashes) override {
    return Transact("adding idea codes", [&](pqxx::work& t) {
      return pg_ideas::AddIdeaCodes(t, id, group, code_hashes);
    });
  }
  Result<std::vector<IdeaCodeRecord>> LoadIdeaCodes(ProcessId id) override {
    return Transact("loading idea codes", [&](pqxx::work& t) { return pg_ideas::LoadIdeaCodes(t, id); });
  }

  bool SharedByNodes() const override { return true; }

  Result<Revisions> LoadRevisions() override {
    return Transact("read what other nodes changed", [&](pqxx::work& t) { return pg_nodes::LoadRevisions(t); });
  }

  Result<bool> LeadScheduler() override {
    try {
      pqxx::connection& c = Connection();
      // A session-level lock stays with its connection: asked for again only on a new one.
      if (scheduler_lock_connection_ != connections_made_) {
        pqxx::nontransaction t(c);
        const bool taken = t.exec("SELECT pg_try_advisory_lock(" + std::to_string(kSchedulerLock) + ")")[0][0].as<bool>();
        if (!taken) return false;
        scheduler_lock_connection_ = connections_made_;
      }
      return true;
    } catch (const std::exception& e) {
      connection_.reset();
      return Failed("take the scheduler's lock", e);
    }
  }

  Status ShareWrongAttempts(const std::vector<WrongAttemptsRecord>& attempts) override {
    if (attempts.empty()) return Status::Ok();
    return Transact("share wrong attempts", [&](pqxx::work& t) { return pg_nodes::ShareWrongAttempts(t, attempts); });
  }

  Result<std::vector<WrongAttemptsRecord>> LoadWrongAttempts(std::int64_t after) override {
    return Transact("read wrong attempts", [&](pqxx::work& t) { return pg_nodes::LoadWrongAttempts(t, after); });
  }

  // PostgreSQL checks its own pages; this checks the schema is the one this
  // Psephos writes and that every code's ballot exists.
  Status IntegrityCheck() override {
    return Transact("checking integrity", [&](pqxx::work& t) -> Status {
      const int version = PgStoredSchemaVersion(t);
      if (version != PgSchemaVersion()) {
        return Status::Invalid("storage: integrity check: schema " + std::to_string(version) + ", expected " +
                               std::to_string(PgSchemaVersion()));
      }
      const auto dangling = Int(t.exec("SELECT count(*) FROM voter_codes v WHERE ballot_id IS NOT NULL AND "
                                       "NOT EXISTS (SELECT 1 FROM ballots b WHERE b.id = v.ballot_id)")[0][0]);
      if (dangling != 0) {
        return Status::Invalid("storage: integrity check: " + std::to_string(dangling) +
                               " voter codes point at a missing ballot");
      }
      return Status::Ok();
    });
  }

 private:
  // The open connection, made (again, after one broke) when needed.
  pqxx::connection& Connection() {
    if (!connection_ || !connection_->is_open()) {
      connection_ = std::make_unique<pqxx::connection>(url_);
      ++connections_made_;
      // An acknowledged ballot is on disk: never let a server default of
      // synchronous_commit=off weaken that (stronger settings are kept).
      pqxx::nontransaction t(*connection_);
      if (t.exec("SHOW synchronous_commit")[0][0].as<std::string>() == "off") t.exec("SET synchronous_commit = on");
      // A node that freezes (a stopped VM, SIGSTOP) inside a write transaction
      // holds kLockWrites, and every other node's writes wait behind it: after
      // this long idle, PostgreSQL ends its session, rolls it back and frees
      // the lock. The frozen node, if it wakes, finds the connection broken
      // and runs the transaction again (Transact); voters cut off from it have
      // retried elsewhere meanwhile, and their codes are then spent.
      t.exec(kIdleInTransactionTimeout);
      for (const Prepared& p : kPrepared) connection_->prepare(p.name, p.sql);
    }
    return *connection_;
  }

  // Runs `body` in a transaction that commits only if the body commits it; a
  // thrown error becomes a Status saying `what` failed. A connection found
  // broken (the server restarted, a failover, the backend ended) is made again
  // and the transaction run once more: nothing of it was committed. A
  // connection lost during the commit itself is not retried (it may have
  // committed): the error goes back, as for any failed write.
  template <class Body>
  auto Transact(const char* what, Body&& body) -> decltype(body(std::declval<pqxx::work&>())) {
    for (int attempt = 0;; ++attempt) {
      try {
        pqxx::work t(Connection());
        return body(t);
      } catch (const pqxx::in_doubt_error& e) {
        connection_.reset();
        return Failed(what, e);
      } catch (const pqxx::broken_connection& e) {
        connection_.reset();
        if (attempt == 0) continue;
        return Failed(what, e);
      } catch (const pqxx::sql_error& e) {
        // 57P01-03: the server is shutting down or restarting; 25P03: this
        // session sat idle in a transaction too long (the node froze) and was ended.
        if (e.sqlstate().rfind("57P", 0) != 0 && e.sqlstate() != "25P03") return Failed(what, e);
        connection_.reset();
        if (attempt == 0) continue;
        return Failed(what, e);
      } catch (const std::exception& e) {
        return Failed(what, e);
      }
    }
  }

  // One statement in its own transaction: the rows it changed.
  template <class... Args>
  Result<std::int64_t> Changed(const char* what, const char* sql, const Args&... args) {
    return Transact(what, [&](pqxx::work& t) -> Result<std::int64_t> {
      auto r = t.exec_params(sql, args...);
      t.commit();
      return static_cast<std::int64_t>(r.affected_rows());
    });
  }
  // A process's codes (in SQLite's order: its primary key, byte by byte), or the one with `code_hash`.
  static std::vector<VoterCodeRecord> Codes(pqxx::work& t, ProcessId id, const std::string* code_hash) {
    const std::string select =
        "SELECT code_hash, grp, area, spent, checked_in, COALESCE(device_id, 0), COALESCE(checkin_device, 0), "
        "session_at, walk_in, submission_hash FROM voter_codes WHERE process_id = $1 ";
    const pqxx::result rows = code_hash != nullptr
                                  ? t.exec_params(select + "AND code_hash = $2", id, *code_hash)
                                  : t.exec_params(select + "ORDER BY code_hash COLLATE \"C\"", id);
    std::vector<VoterCodeRecord> out;
    for (const auto& r : rows) {
      out.push_back(VoterCodeRecord{Text(r[0]), Text(r[1]), Text(r[2]), Bool(r[3]),
                                    StoredOptionalName(ParseCheckInKind, "check-in kind", Text(r[4])), Int(r[5]),
                                    Int(r[6]), Int(r[7]), Bool(r[8]), Text(r[9])});
    }
    return out;
  }

  // Within the caller's transaction, after it took kLockWrites.
  std::int64_t InsertBallot(pqxx::work& t, const BallotToStore& b) {
    return Int(t.exec_prepared("insert", b.process, b.code_hash, b.group, b.area, b.ballot, b.salt, b.receipt,
                               b.created_at_ms)[0][0]);
  }

  // Within the caller's transaction.
  AppendResult SpendWithoutBallot(pqxx::work& t, ProcessId id, const std::string& code_hash, CheckInKind how) {
    auto r = t.exec_params("UPDATE voter_codes SET spent = true, checked_in = $1 "
                           "WHERE process_id = $2 AND code_hash = $3 AND NOT spent",
                           std::string(CheckInKindName(how)), id, code_hash);
    if (r.affected_rows() == 1) return AppendResult::kStored;
    return t.exec_prepared("exists", id, code_hash).empty() ? AppendResult::kCodeUnknown : AppendResult::kCodeSpent;
  }

  // Ballots after `after_id`, at most `limit` of them (0: all).
  Result<std::vector<StoredBallot>> Ballots(ProcessId id, bool counted_only, std::int64_t after_id = 0,
                                            std::size_t limit = 0) {
    return Transact("loading ballots", [&](pqxx::work& t) -> Result<std::vector<StoredBallot>> {
      std::vector<StoredBallot> out;
      const std::string sql =
          std::string("SELECT id, grp, area, ballot, salt, receipt, created_at, superseded, code_hash "
                      "FROM ballots WHERE id > $1 AND process_id = $2") +
          (counted_only ? " AND NOT superseded" : "") + " ORDER BY id" +
          (limit > 0 ? " LIMIT " + std::to_string(limit) : "");
      for (const auto& r : t.exec_params(sql, after_id, id)) out.push_back(BallotFromRow(r));
      return out;
    });
  }

  std::string url_;
  std::unique_ptr<pqxx::connection> connection_;
  std::uint64_t connections_made_ = 0;
  std::uint64_t scheduler_lock_connection_ = 0;  // which of them holds the scheduler's lock; 0: none
};

}  // namespace

bool IsPostgresUrl(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::string RedactedDatabaseUrl(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto query = url.find('?', scheme);
  std::string out = url.substr(0, query);
  // user:password@host -> user@host
  const auto authority_end = out.find('/', scheme + 3);
  const auto at = out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
  const auto colon = out.find(':', scheme + 3);
  if (at != std::string::npos && at > scheme && colon < at) out.erase(colon, at - colon);
  if (query == std::string::npos) return out;
  // ...and no password=... among the parameters.
  std::string params;
  std::size_t from = query + 1;
  while (from <= url.size()) {
    auto to = url.find('&', from);
    if (to == std::string::npos) to = url.size();
    const std::string param = url.substr(from, to - from);
    if (!param.empty() && param.rfind("password=", 0) != 0) params += (params.empty() ? "?" : "&") + param;
    from = to + 1;
  }
  return out + params;
}

Result<std::unique_ptr<Storage>> OpenPgStorage(const std::string& url, const OpenOptions& options) {
  try {
    return std::unique_ptr<Storage>(std::make_unique<PgStorage>(url, options));
  } catch (const std::exception& e) {
    std::string message = e.what();
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return Status::Invalid("cannot open the database " + RedactedDatabaseUrl(url) + ": " + message);
  }
}

}  // namespace psephos::server
