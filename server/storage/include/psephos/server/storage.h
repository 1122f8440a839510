// Durable storage behind one narrow interface. SQLite is the embedded default;
// PostgreSQL serves several nodes on one database. Nothing backend-specific
// leaks out of here.
// A Storage is used from one thread at a time (the DbWorker's).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "psephos/engine/status.h"
#include "psephos/server/in_person.h"

namespace psephos::server {

using ProcessId = std::int64_t;

enum class ProcessState { kDraft, kOpen, kClosed, kPublished };
const char* ProcessStateName(ProcessState state);
std::optional<ProcessState> ParseProcessState(std::string_view name);

struct ProcessRecord {
  ProcessId id = 0;
  std::string slug;
  std::string definition;  // JSON, see server/API.md
  ProcessState state = ProcessState::kDraft;
  std::string results;     // JSON once tallied, else empty
};

struct VoterCodeRecord {
  std::string code_hash;  // never the code itself
  std::string group;
  std::string area;
  bool spent = false;
  // Why a code is spent without a ballot (checked in for paper or at a kiosk, or
  // void); nullopt otherwise. Stored as its name, "" for none.
  std::optional<CheckInKind> checked_in;
  std::int64_t device = 0;  // the kiosk that made a one-time code; 0: an organizer's batch
  std::int64_t checkin_device = 0;  // the clerk who checked this code in for paper, if one did
  std::int64_t session_at_ms = 0;   // a kiosk's one-time code: when its session started
  bool walk_in = false;             // ...for a voter without a code, whom the volunteer vouched for
  // Sha256Hex of the submission id its latest online ballot came with ("" none): a
  // retry of that ballot is told apart from a second ballot. Never published.
  // (`= {}`: brace-initialized records that stop before it need not name it.)
  std::string submission_hash = {};
};

struct BallotToStore {
  ProcessId process = 0;
  std::string code_hash;
  std::string group;
  std::string area;
  std::string ballot;   // canonical JSON
  std::string salt;     // random hex that makes the receipt unguessable
  std::string receipt;  // hex leaf hash of the log entry (see ballot_log.h), unique
  std::int64_t created_at_ms = 0;
  // false: the code must be unspent (first ballot final); true: earlier
  // ballots of the code are superseded (latest ballot counts).
  bool replaces_earlier = false;
  // Sha256Hex of the voting page's submission id ("" without one), kept with the
  // code's spent state, never with the ballot.
  std::string submission_hash;
};

// What became of one ballot in a batch.
// kProcessClosed: the process is not open in the database (another node, or a
// close written meanwhile): the store, not a node's memory, decides.
// kAlreadyStored: the code's ballot was stored before with the same non-empty
// submission hash (a retry after a lost answer): nothing stored again.
// kDeviceRevoked: the device acting was revoked, seen in the database itself,
// so a node whose copy of the devices is a moment old still refuses it.
// kOverKioskLimits: a kiosk session refused for the kiosk's limits as the
// database has them (Storage::StartKioskSession), whichever node it used before.
// kSheetChanged: a paper sheet had other entries than the node decided from
// (another node's clerk entered it meanwhile): nothing stored; decide again.
enum class AppendResult {
  kStored,
  kCodeUnknown,
  kCodeSpent,
  kProcessClosed,
  kAlreadyStored,
  kDeviceRevoked,
  kOverKioskLimits,
  kSheetChanged,
};

struct StoredBallot {
  std::int64_t id = 0;  // order of arrival within the whole store
  std::string group;
  std::string area;
  std::string ballot;
  std::string salt;
  std::string receipt;
  std::int64_t created_at_ms = 0;
  bool superseded = false;  // a later ballot of the same code counts instead
  std::string code_hash;    // private: never published
};

// A device an organizer signed in: a kiosk or a clerk's.
struct DeviceRecord {
  std::int64_t id = 0;
  DeviceRole role = DeviceRole::kKiosk;
  std::string name;
  std::string token_hash;
  bool revoked = false;
  std::int64_t created_at_ms = 0;
  // A kiosk's limits, set by the organizer: walk-in sessions it may start in
  // all (0: none), and the least time between two of its sessions.
  std::int64_t walk_in_allowance = 0;
  std::int64_t session_seconds = 60;
};

struct PaperBatchRecord {
  std::int64_t id = 0;
  std::string area;
  std::string language;
  std::int64_t count = 0;
};

// One reading of a paper sheet: a clerk's entry, or the organizer's resolution.
struct PaperEntryRecord {
  std::int64_t device = 0;  // 0: the organizer
  std::string ballot;       // canonical JSON; empty when spoiled or a resolution without a reading
  bool spoiled = false;
  std::optional<PaperResolution> resolution;  // nullopt for a clerk's entry (stored as "")
  std::int64_t created_at_ms = 0;
};

struct PaperSheetRecord {
  std::string serial;
  std::int64_t batch = 0;
  PaperSheetState state = PaperSheetState::kPrinted;
  std::vector<PaperEntryRecord> entries;  // in order
};

// A project picture as served: one width of one upload (images.h), named by its hash.
struct ImageRecord {
  std::string sha256;
  int width = 0;
  int height = 0;
  std::string jpeg;
};

// One text changed while voting was open (corrections.h): JSON texts of the values.
struct CorrectionRecord {
  std::int64_t at_ms = 0;
  std::string by;      // who: the label the organizer gave, else "organizer token"
  std::string field;   // "budgets[0].projects[2].name"
  std::string before;  // JSON; "null" where the field was absent
  std::string after;
};

// An organizer's account (server/API.md "Organizer accounts").
struct AccountRecord {
  std::int64_t id = 0;
  std::string email;          // canonical (NormalizeEmail), unique
  std::string name;
  std::string password_hash;  // Argon2id encoded string; never leaves the server
  bool admin = false;         // the first account: every process, owner of each
  std::int64_t created_at_ms = 0;
};

// An account's role in a process ("owner", "editor", "observer").
struct OrganizerRoleRecord {
  ProcessId process = 0;
  std::int64_t account = 0;
  std::string role;
};

// A signed-in browser: only the hash of its cookie is kept.
struct SessionRecord {
  std::string id_hash;
  std::int64_t account = 0;
  std::string csrf;  // the token its unsafe requests carry in X-CSRF-Token
  std::int64_t created_at_ms = 0;
  std::int64_t seen_at_ms = 0;
};

// One organizer action, with who did it.
struct ActionRecord {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::int64_t account = 0;  // 0: the organizer token
  std::string who;           // "Name <email>" then, or "organizer token"
  std::string process;       // slug; empty for none
  std::string action;        // "POST /processes/school/codes"
  std::string detail;
};

// Ideas from the community before the vote (ideas.h, server/API.md "Ideas").
// What the steering committee made of an idea.
enum class IdeaStatus { kSubmitted, kHidden, kMerged, kFeasible, kNotFeasible };
const char* IdeaStatusName(IdeaStatus status);
std::optional<IdeaStatus> ParseIdeaStatus(std::string_view name);

struct IdeaRecord {
  std::int64_t id = 0;
  std::string title, description, category, place;
  std::string image;        // ImageJson as JSON text, or empty
  std::string author_hash;  // the code's hash: private, never published
  std::string group;        // the code's interest-holder group
  bool idea_code = false;   // sent with an idea code, not a voter code
  std::int64_t created_at_ms = 0;
  IdeaStatus status = IdeaStatus::kSubmitted;
  std::string reason;            // why hidden, or the feasibility decision in words
  std::int64_t merged_into = 0;  // kMerged: the idea it duplicates
  std::int64_t cost = 0;         // the committee's estimate, whole currency units; 0: none yet
  std::string project;           // "budget/project" once it is on the ballot; else empty
};

// One code's support of one idea (one per code and idea).
struct IdeaSupportRecord {
  std::int64_t idea = 0;
  std::string code_hash;
  std::string group;
  std::int64_t at_ms = 0;
};

// A code for sending and supporting ideas only (never for voting).
struct IdeaCodeRecord {
  std::string code_hash;
  std::string group;
};

// A funded project's milestone (implementation.h): what is planned, under way
// or done, with its date, progress, notes and photos.
enum class MilestoneStatus { kPlanned, kInProgress, kDone, kCancelled };
const char* MilestoneStatusName(MilestoneStatus status);
std::optional<MilestoneStatus> ParseMilestoneStatus(std::string_view name);

struct MilestoneRecord {
  std::int64_t id = 0;
  ProcessId process = 0;
  std::string budget;   // the budget's id
  std::string project;  // the project's id in it
  std::string title;
  MilestoneStatus status = MilestoneStatus::kPlanned;
  std::string date;     // YYYY-MM-DD
  int progress = 0;     // percent, 0 to 100
  std::string notes;
  std::string translations = "null";  // JSON: {"es": {"title", "notes"}} or null
  std::string photos = "[]";          // JSON: images as POST /api/v1/images answered them
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

// The parts of what is stored that nodes sharing a store follow (Storage::LoadRevisions).
enum class StoredPart {
  kProcess,   // definition, state, results, schedule, phases, corrections, organizers, ideas, milestones
  kCodes,     // codes made or forgotten, devices, paper batches, sheets and entries
  kAccounts,  // scope 0: accounts, sessions, pictures
};
const char* StoredPartName(StoredPart part);
std::optional<StoredPart> ParseStoredPart(std::string_view name);
// (scope: a process id, or 0 for accounts; part) -> revision.
using Revisions = std::map<std::pair<std::int64_t, StoredPart>, std::int64_t>;

// Wrong attempts one node saw, shared so that the limiters of every node on a
// store count them (Storage::ShareWrongAttempts): a guesser spread over n nodes
// gets no more tries than on one.
enum class AttemptKind {
  kCode,      // a wrong voter code, per client address or device
  kPassword,  // a wrong password, per address and per account
};
const char* AttemptKindName(AttemptKind kind);
std::optional<AttemptKind> ParseAttemptKind(std::string_view name);

struct WrongAttemptsRecord {
  AttemptKind kind = AttemptKind::kCode;
  std::string key;         // the limiter's key, hashed with the store's salt: no address is stored
  std::int64_t count = 0;  // wrong attempts in the batch
  std::string node;        // the node that saw them
  std::int64_t id = 0;     // read: the row, in the order rows were written
  std::int64_t age_ms = 0; // read: how long ago they were written, by the database's clock
};

class Storage {
 public:
  virtual ~Storage() = default;

  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;
  // Stores `value` under `key` unless a value is there already; returns the
  // stored one. Nodes starting together on a shared store all get the first
  // writer's (the organizer token's hash, the signing key).
  virtual Result<std::string> SettingOnce(const std::string& key, const std::string& value) = 0;

  virtual Result<ProcessId> CreateProcess(const std::string& slug, const std::string& definition) = 0;
  virtual Status UpdateDefinition(ProcessId id, const std::string& definition) = 0;
  virtual Status SetState(ProcessId id, ProcessState state) = 0;
  virtual Status SetResults(ProcessId id, const std::string& results) = 0;
  virtual Result<std::vector<ProcessRecord>> LoadProcesses() = 0;

  // Adds codes and keeps their CSV (the only copy of the plain codes) until
  // the organizer confirms they have it, or it expires.
  virtual Result<std::int64_t> AddCodeBatch(ProcessId id, const std::string& group, const std::string& area,
                                            const std::vector<std::string>& code_hashes,
                                            const std::string& csv) = 0;
  // The batch's CSV; nullopt when forgotten, unknown, or made before
  // `expired_before_ms` (then it is forgotten now).
  virtual Result<std::optional<std::string>> ReadCodeBatchCsv(ProcessId id, std::int64_t batch,
                                                              std::int64_t expired_before_ms) = 0;
  // Forgets the batch's CSV for good; false when there was none to forget.
  virtual Result<bool> ForgetCodeBatchCsv(ProcessId id, std::int64_t batch) = 0;
  virtual Result<std::vector<VoterCodeRecord>> LoadCodes(ProcessId id) = 0;
  // One code as stored now; nullopt when the process has none with this hash.
  virtual Result<std::optional<VoterCodeRecord>> FindCode(ProcessId id, const std::string& code_hash) = 0;

  // Stores a batch in one transaction (one fsync for all); per-ballot results.
  // A ballot is stored only while its process is open in the store.
  virtual Result<std::vector<AppendResult>> AppendBallots(const std::vector<BallotToStore>& batch) = 0;
  // Ballots that count (not superseded), in order of arrival.
  virtual Result<std::vector<StoredBallot>> LoadBallots(ProcessId id) = 0;
  // Every ballot ever accepted, superseded ones included, in order of arrival:
  // the ballot log.
  virtual Result<std::vector<StoredBallot>> LoadLog(ProcessId id) = 0;
  // At most `limit` ballots that count, after ballot `after_id` (0: from the
  // first), in order of arrival, with only `id` and `ballot` filled: what a
  // count reads, a slice at a time so that other writes are not held up.
  virtual Result<std::vector<StoredBallot>> LoadCountedSlice(ProcessId id, std::int64_t after_id,
                                                             std::size_t limit) = 0;
  // The same for the ballot log (every field, superseded ballots included):
  // what a bundle reads.
  virtual Result<std::vector<StoredBallot>> LoadLogSlice(ProcessId id, std::int64_t after_id, std::size_t limit) = 0;

  // Spends an unspent code without a ballot (`how`: paper, kiosk, void), so no
  // channel takes a ballot from it. kCodeSpent when it is spent already;
  // kDeviceRevoked when `device` (0: an organizer) is revoked.
  virtual Result<AppendResult> CheckIn(ProcessId id, const std::string& code_hash, CheckInKind how,
                                       std::int64_t device) = 0;
  // A kiosk session, in one transaction: refused (kOverKioskLimits, `use`
  // filled in) when it is a walk-in and the kiosk's walk-ins are used up, or
  // when the kiosk's latest session, started on any node, is less than its
  // session_seconds before `one_time.session_at_ms`; checks `voter_code_hash`
  // in (unless empty: a walk-in); voids the kiosk's one-time codes still unspent
  // but those in `in_flight` (a ballot on its way on this node); adds `one_time`
  // (with its device, start time and walk-in mark: the record of the session).
  // kDeviceRevoked when that kiosk is revoked.
  virtual Result<AppendResult> StartKioskSession(ProcessId id, const std::string& voter_code_hash,
                                                 const std::vector<std::string>& in_flight,
                                                 const VoterCodeRecord& one_time, KioskUse* use) = 0;
  // Voids kiosk `device`'s one-time codes still unspent but those in
  // `in_flight`, made on any node (the organizer's "void open sessions"); the
  // codes voided.
  virtual Result<std::vector<std::string>> VoidKioskCodes(ProcessId id, std::int64_t device,
                                                          const std::vector<std::string>& in_flight) = 0;

  virtual Result<std::int64_t> AddDevice(ProcessId id, const DeviceRecord& device) = 0;
  virtual Status RevokeDevice(ProcessId id, std::int64_t device) = 0;
  virtual Status SetDeviceLimits(ProcessId id, std::int64_t device, std::int64_t walk_in_allowance,
                                 std::int64_t session_seconds) = 0;
  virtual Result<std::vector<DeviceRecord>> LoadDevices(ProcessId id) = 0;

  // Adds a batch of `count` sheets, serials made by `serial(batch id, number from 1)`.
  virtual Result<std::int64_t> AddPaperBatch(ProcessId id, const std::string& area, const std::string& language,
                                             std::int64_t count,
                                             const std::function<std::string(std::int64_t, std::int64_t)>& serial) = 0;
  virtual Result<std::vector<PaperBatchRecord>> LoadPaperBatches(ProcessId id) = 0;
  // Sheets of a batch (every serial), or with batch 0 only those with entries;
  // by serial.
  virtual Result<std::vector<PaperSheetRecord>> LoadPaperSheets(ProcessId id, std::int64_t batch) = 0;
  // In one transaction: records the reading, sets the sheet's state and, when
  // given, stores the ballot the sheet now counts as (a paper ballot has no code);
  // kDeviceRevoked (nothing stored) when the entry's clerk is revoked;
  // kSheetChanged (nothing stored) unless the sheet has `entries_before`
  // entries, those its new state was decided from.
  virtual Result<AppendResult> AddPaperEntry(ProcessId id, const std::string& serial, const PaperEntryRecord& entry,
                                             std::size_t entries_before, PaperSheetState new_state,
                                             const std::optional<BallotToStore>& ballot) = 0;

  // Pictures, kept once per hash whatever process uses them.
  virtual Status PutImages(const std::vector<ImageRecord>& images) = 0;
  virtual Result<std::vector<ImageRecord>> LoadImages() = 0;
  // A correction while voting is open, in one transaction: the new definition and its changes.
  virtual Status CorrectDefinition(ProcessId id, const std::string& definition,
                                   const std::vector<CorrectionRecord>& changes) = 0;
  // Every correction of the process, in order.
  virtual Result<std::vector<CorrectionRecord>> LoadCorrections(ProcessId id) = 0;
  // Organizer accounts, roles, sessions and the action log.
  // AddAccount fails with "email_taken" in its message when the email has an account.
  virtual Result<std::int64_t> AddAccount(const AccountRecord& account) = 0;
  virtual Result<std::vector<AccountRecord>> LoadAccounts() = 0;
  // A new password's hash; every session of the account but `kept_session` (an id hash) ends.
  virtual Status SetPasswordHash(std::int64_t account, const std::string& hash, const std::string& kept_session) = 0;
  // Sets the account's role in the process; an empty role takes it away.
  virtual Status SetOrganizerRole(ProcessId id, std::int64_t account, const std::string& role) = 0;
  virtual Result<std::vector<OrganizerRoleRecord>> LoadOrganizerRoles() = 0;
  // Adds the session, or updates its seen_at_ms.
  virtual Status PutSession(const SessionRecord& session) = 0;
  virtual Status DeleteSession(const std::string& id_hash) = 0;
  virtual Result<std::vector<SessionRecord>> LoadSessions() = 0;
  virtual Result<std::int64_t> AppendAction(const ActionRecord& action) = 0;
  // The process's actions, latest first: at most `limit`, older than `before_id` (0: from the latest).
  virtual Result<std::vector<ActionRecord>> LoadActions(const std::string& process, std::int64_t before_id,
                                                        std::size_t limit) = 0;

  // Ideas (ideas_api.cc): the ideas, supports and idea codes of a process.
  // The new idea's id; nullopt (nothing stored) unless its author has
  // `author_ideas_before` ideas stored, those the node decided from (another
  // node took one meanwhile: decide again).
  virtual Result<std::optional<std::int64_t>> AddIdea(ProcessId id, const IdeaRecord& idea,
                                                      std::size_t author_ideas_before) = 0;
  // Writes what the committee decides (status, reason, merged_into, cost, project) of each.
  virtual Status UpdateIdeas(ProcessId id, const std::vector<IdeaRecord>& ideas) = 0;
  // false when the code supports that idea already.
  virtual Result<bool> AddIdeaSupport(ProcessId id, const IdeaSupportRecord& support) = 0;
  // In one transaction: the duplicate marked merged and its supports added to
  // the idea it duplicates (`moved`, those the code had not given there).
  virtual Status MergeIdea(ProcessId id, const IdeaRecord& merged, const std::vector<IdeaSupportRecord>& moved) = 0;
  // In one transaction: the draft's definition with a project made from ideas, and those ideas.
  virtual Status AddIdeaProject(ProcessId id, const std::string& definition, const std::vector<IdeaRecord>& ideas) = 0;
  virtual Result<std::vector<IdeaRecord>> LoadIdeas(ProcessId id) = 0;
  virtual Result<std::vector<IdeaSupportRecord>> LoadIdeaSupports(ProcessId id) = 0;
  virtual Status AddIdeaCodes(ProcessId id, const std::string& group, const std::vector<std::string>& code_hashes) = 0;
  virtual Result<std::vector<IdeaCodeRecord>> LoadIdeaCodes(ProcessId id) = 0;
  // Milestones of funded projects. AddMilestone returns the new id; UpdateMilestone
  // rewrites every field but id, process, budget, project and created_at_ms.
  virtual Result<std::int64_t> AddMilestone(const MilestoneRecord& milestone) = 0;
  virtual Status UpdateMilestone(const MilestoneRecord& milestone) = 0;
  // The process's milestones, in order of creation.
  virtual Result<std::vector<MilestoneRecord>> LoadMilestones(ProcessId id) = 0;

  virtual Status IntegrityCheck() = 0;
  // Whether other server nodes may write to this store too (PostgreSQL): then a
  // node's memory is a cache to check against the store, never the last word.
  virtual bool SharedByNodes() const { return false; }
  // What other nodes changed, for a shared store: a revision per part of a
  // process (or of scope 0: accounts, sessions and pictures) that every write
  // but ballots and code spends moves on. Empty for a store only one node writes.
  virtual Result<Revisions> LoadRevisions() { return Revisions{}; }
  // Whether this node runs the schedule (opening, closing, publishing at their
  // times): on a shared store one node at a time, the one whose connection holds
  // the lock; another takes it over when that node's connection ends.
  virtual Result<bool> LeadScheduler() { return true; }
  // Wrong attempts this node saw since its last batch, for the other nodes'
  // limiters; rows older than kWrongAttemptsKept are dropped meanwhile. Nothing
  // to share on a store only one node writes.
  virtual Status ShareWrongAttempts(const std::vector<WrongAttemptsRecord>&) { return Status::Ok(); }
  // Rows written after row `after` (0: all kept), in the order they were written.
  virtual Result<std::vector<WrongAttemptsRecord>> LoadWrongAttempts(std::int64_t /*after*/) {
    return std::vector<WrongAttemptsRecord>{};
  }
};

// How long shared wrong attempts are kept: longer than any limiter forgives a guesser in.
inline constexpr std::chrono::minutes kWrongAttemptsKept{10};

// What opening a store does with a schema older than this build's. A new,
// empty database is created at the current version whatever the choice; a
// newer schema is always refused.
enum class SchemaUpgrade {
  kMigrate,            // step by step, in place: tests, tools, psephos-server --migrate
  kRefuse,             // fail, naming both versions and --migrate (psephos-server on PostgreSQL)
  kBackUpThenMigrate,  // SQLite: copy the file to <path>.schema-N.bak first (PostgreSQL: kRefuse)
};

// What opening did to the schema: from == to when it was current already
// (from 0: an empty database, created).
struct SchemaChange {
  std::string backend;             // "SQLite" or "PostgreSQL"
  int from = 0;
  int to = 0;
  std::vector<std::string> steps;  // "N: name" of each step run, in order
  std::string backup;              // the copy written first ("" none)
};

struct OpenOptions {
  SchemaUpgrade upgrade = SchemaUpgrade::kMigrate;
  SchemaChange* change = nullptr;  // if set, filled in
};

// Opens (creating if needed) the SQLite store at `path`: WAL, synchronous=FULL.
Result<std::unique_ptr<Storage>> OpenSqliteStorage(const std::string& path, const OpenOptions& options = {});

// Connects to PostgreSQL at `url` (postgresql://user@host:port/db?...), creating
// or migrating the schema: synchronous_commit is kept on. Errors name the URL
// without its password.
Result<std::unique_ptr<Storage>> OpenPgStorage(const std::string& url, const OpenOptions& options = {});
bool IsPostgresUrl(const std::string& location);  // postgresql:// or postgres://
std::string RedactedDatabaseUrl(const std::string& url);

// Copies the SQLite store at `sqlite_path` into the empty PostgreSQL database
// at `url`, every id kept, in one transaction, then checks that both read back
// the same processes, ballot logs and codes; a summary in words.
Result<std::string> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& url);

}  // namespace psephos::server
