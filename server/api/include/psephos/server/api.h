// The JSON API over HTTPS: organizers (bearer token) and voters (voter codes).
// Routes and formats are documented in server/API.md.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "psephos/server/ballot_log.h"
#include "psephos/server/corrections.h"
#include "psephos/server/cycle.h"
#include "psephos/server/db_worker.h"
#include "psephos/server/http.h"
#include "psephos/server/ideas.h"
#include "psephos/server/implementation.h"
#include "psephos/server/organizers.h"
#include "psephos/server/paper.h"
#include "psephos/server/password_worker.h"
#include "psephos/server/process.h"
#include "psephos/server/process_phase.h"
#include "psephos/server/schedule.h"
#include "psephos/server/signing.h"
#include "psephos/server/storage.h"
#include "psephos/server/tally_worker.h"
#include "psephos/server/wrong_code_limiter.h"

namespace psephos::server {

struct ApiOptions {
  // Wrong voter codes per client address (an IPv6 /64) or per device before 429.
  WrongCodeLimits wrong_codes;
  std::int64_t max_codes_per_batch = 100000;
  // A batch's plain codes stay downloadable until the organizer confirms
  // they have them (DELETE …/codes/B.csv), or for this long.
  std::chrono::milliseconds code_csv_kept_for = std::chrono::hours(24);
  // A project picture as uploaded (POST /api/v1/images); main sets it to the body limit.
  std::size_t max_image_bytes = 1 << 20;
  // The wall clock (milliseconds since 1970) that voting windows are read
  // against; empty: the system clock. Tests set their own.
  std::function<std::int64_t()> now_ms;
  // Wrong passwords per client address and per account before 429: 10 at
  // once, then one more every 30 s, waits growing to 15 minutes.
  WrongCodeLimits wrong_passwords{10, std::chrono::seconds(30), std::chrono::minutes(15)};
  PasswordCost password_cost;
  // An organizer's browser session ends after this long unused, or this long after signing in.
  std::chrono::milliseconds session_idle = std::chrono::hours(2);
  std::chrono::milliseconds session_lifetime = std::chrono::hours(12);
  // Milliseconds since the epoch for sessions (tests set it); empty: the system clock.
  std::function<std::int64_t()> session_clock;
  // On a store several nodes share: how often this node looks for what the
  // others changed (processes made, edited, opened, closed; codes made;
  // devices, paper, ideas, milestones, organizers, accounts, sessions).
  std::chrono::milliseconds follow_interval = std::chrono::milliseconds(500);
  // ...and at most this often loads a process's codes again (codes made or
  // forgotten, kiosk sessions, devices, paper), the costly part for a city.
  std::chrono::milliseconds follow_codes_interval = std::chrono::seconds(5);
};

class Api final : public Handler {
 public:
  // Loads every process through `worker`; `admin_token_hash` is Sha256Hex of
  // the token; `signing_key` signs results bundles.
  static Result<std::unique_ptr<Api>> Create(DbWorker& worker, std::string admin_token_hash,
                                             SigningKey signing_key, ApiOptions options = {});

  ~Api() override;

  // Finds the route in the table (routes.cc), checks who calls, runs it.
  void Handle(Request request, const std::string& client_address, Reply reply) override;

  // Stops counting (on shutdown, before the DbWorker stops): a close waiting
  // for its count is answered 202 "tallying"; the count is redone at the next
  // start, since the close itself is on disk.
  void Stop();

  // Opens drafts whose opening time has come and closes open processes whose
  // closing time has (as the organizer's own open and close). Runs on the
  // Api's scheduler thread at each time, at start (a window that passed while
  // the server was down), and from tests that move their clock.
  void ActOnSchedule();

  // Whether `phase` of the process is open now (cycle.h): the gate of what a
  // phase allows, such as submitting ideas. False for an unknown slug. Takes
  // the mutex; inside the Api, PhaseOpen with it held.
  bool IsPhaseOpen(const std::string& slug, CyclePhase phase);

 private:
  struct Call;   // a request matched to its route (routes.h)
  struct Route;  // method, pattern, who may call, handler
  static const std::vector<Route>& Routes();

  enum class CodeStatus { kUnused, kPending, kSpent };
  struct CodeState {
    std::string group;
    std::string area;
    CodeStatus status = CodeStatus::kUnused;
    bool checked_in = false;  // spent by a check-in (paper, kiosk): no ballot from this code, ever
    std::int64_t device = 0;  // the kiosk that made this one-time code; 0: an organizer's code
    std::int64_t checkin_device = 0;  // the clerk who checked it in for paper
    std::uint32_t budgets = 0;  // bit i: its counted ballot votes in budget i
    Channel channel = Channel::kOnline;
    bool walk_in = false;            // a kiosk's one-time code for a voter without a code
    std::int64_t session_at_ms = 0;  // a kiosk's one-time code: when its session started
    bool counted = false;  // a ballot of this code is in this node's turnout (budgets, channel)
  };
  struct Count {
    std::int64_t codes = 0;    // organizers' codes
    std::int64_t voted = 0;    // of those, spent (a ballot or a check-in)
    std::int64_t ballots = 0;  // ballots that count
  };
  struct Device {
    DeviceRole role = DeviceRole::kClerk;
    std::string name;
    std::string token_hash;
    bool revoked = false;
    std::int64_t sessions = 0, checkins = 0, entries = 0;
    std::vector<std::string> open_codes;  // a kiosk's one-time codes not yet used
    // A kiosk's limits (the organizer's), and what they are checked against.
    std::int64_t walk_in_allowance = 0, session_seconds = 60;
    std::int64_t walk_ins = 0;          // walk-in sessions started or being started
    std::int64_t last_session_ms = 0;   // the latest session's start
    std::vector<std::string> walk_in_codes;  // the walk-ins' one-time codes, in order
    KioskUse Use() const { return {walk_in_allowance, session_seconds, walk_ins, last_session_ms}; }
  };
  struct PaperBatch {
    std::string area;
    std::string language;
    std::int64_t count = 0;
  };
  struct PaperSheet {
    PaperSheetStatus status;
    std::vector<PaperEntryRecord> entries;
  };
  struct LiveProcess {
    ProcessId id = 0;
    ProcessDefinition definition;
    ProcessState state = ProcessState::kDraft;
    bool closing = false;  // no more ballots are taken; the close is being written
    bool tallying = false;  // closed on disk, being counted (results null)
    std::string tally_error;  // why the last count failed; counted again at the next start
    std::unordered_map<std::string, CodeState> codes;  // by code hash
    std::map<std::string, Count> by_group, by_area;
    std::map<std::string, std::int64_t> by_budget, by_channel;
    std::int64_t ballots = 0;
    std::map<std::int64_t, Device> devices;
    std::map<std::int64_t, PaperBatch> paper_batches;
    std::map<std::string, PaperSheet> paper_sheets;  // sheets with readings, by serial
    nlohmann::json results;  // null until tallied
    std::vector<std::string> log;  // receipts (leaf hashes) of every accepted ballot, in order
    std::int64_t log_last_id = 0;  // the id of the last ballot in `log` (SyncLog reads on from it)
    // Shared store: receipts of ballots this node counted as it stored them,
    // not yet read back by SyncLog (which counts the other nodes' ones).
    std::unordered_set<std::string> counted_here;
    std::string head;              // Merkle head of `log`; empty when stale
    LogHead log_head;              // extended to `log` when `head` is stale: O(log n) a ballot
    std::shared_ptr<const std::string> bundle;  // null until first asked for after close
    std::vector<Change> corrections;  // texts changed while open, in order (corrections.h)
    ProcessSchedule schedule;      // the voting window and contact (schedule.h)
    // The window times already acted on, so a refused close (paper sheets
    // waiting) is not retried in a loop; a new time is acted on again.
    std::int64_t acted_open_at_ms = 0, acted_close_at_ms = 0;
    std::map<std::int64_t, OrganizerRole> organizers;  // by account (admins are owners without a row)
    IdeaBoard ideas;  // the community's ideas before the vote (ideas_api.cc)
    CyclePlan phases;  // the dates of the cycle's phases but the vote's (cycle.h)
    std::int64_t acted_publish_at_ms = 0;  // the results' opening already acted on, as acted_open_at_ms
    std::vector<MilestoneRecord> milestones;  // of funded projects, in order of creation
  };
  // Who sent a request (accounts_api.cc).
  struct Organizer {
    std::int64_t account = 0;  // 0: the token, or nobody
    bool token = false;        // the organizer token (a script): no CSRF token needed
    bool admin = false;        // the token or the first account: every process, as owner
    std::string who;           // for the action log
    std::string refused;       // why a cookie did not count: "csrf_failed", "session_expired"
    bool signed_in() const { return token || account != 0; }
  };
  struct Account {
    std::string email, name, password_hash;
    bool admin = false;
  };
  struct Session {
    std::int64_t account = 0;
    std::string csrf;
    std::int64_t created_at_ms = 0, seen_at_ms = 0, stored_seen_at_ms = 0;
  };

  Api(DbWorker& worker, std::string admin_token_hash, SigningKey key, ApiOptions options)
      : worker_(worker),
        admin_token_hash_(std::move(admin_token_hash)),
        key_(std::move(key)),
        options_(options),
        wrong_codes_(options.wrong_codes),
        wrong_passwords_(options.wrong_passwords) {}

  // Organizer accounts, sessions, roles and the action log (accounts_api.cc).
  Status LoadAccounts(Storage& storage);  // at start, on the database thread, after the processes
  Organizer Authenticate(const Request& request);
  static std::optional<OrganizerRole> RoleIn(const Organizer& who, const LiveProcess& p);  // mutex_ held
  // 401 (not signed in, or a refused cookie) or 403 (a role too small).
  static Response OrganizerRefusal(const Organizer& who);
  // /api/v1/session and /api/v1/accounts.
  void SignInRoute(Call& c);
  void SessionInfo(Call& c);
  void SignOut(const Request& request, Reply reply);
  void ListAccounts(Reply reply);
  void SignIn(const Request& request, const nlohmann::json& body, const std::string& client, Reply reply);
  // A new session for `account` (its cookie and CSRF token), dropping the `planted` one.
  void StartSession(std::int64_t account, const std::string& planted, Reply reply);
  // Hashes `password` on the password thread, then calls `then` there (503 `busy` when it is full).
  void HashThen(const std::string& password, Reply reply, std::function<void(const std::string&, Reply)> then);
  void AddAccount(const Organizer& who, const nlohmann::json& body, Reply reply);
  // {"current_password", "password"}: the signed-in organizer's own; ends their other sessions.
  void ChangePassword(const Organizer& who, const Request& request, const nlohmann::json& body,
                      const std::string& client, Reply reply);
  // /api/v1/processes/S/organizers: the owner's.
  void ListOrganizers(const std::shared_ptr<LiveProcess>& p, Reply reply);
  void AddOrganizer(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, Reply reply);
  void RemoveOrganizer(const std::shared_ptr<LiveProcess>& p, const std::string& id, Reply reply);
  // A page of the action log of `process` ("": actions of no process), from ?before=ID.
  void ReadLog(const std::string& process, const Request& request, Reply reply);
  // Wraps `reply` so that a successful organizer action is logged before it is answered.
  Reply Logged(const Organizer& who, const Request& request, std::string process, Reply reply);
  std::int64_t SessionNow() const;

  std::int64_t Now() const { return options_.now_ms ? options_.now_ms() : NowMsDefault(); }
  static std::int64_t NowMsDefault();
  // Ballots are taken: open, not closing, and its closing time not reached
  // (checked at each ballot, so a late timer never lets one in); mutex_ held.
  bool Accepting(const LiveProcess& p) const;
  void SetSchedule(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, Reply reply);
  // Why a new voting window is refused against the process's state and the
  // clock (fields named after `prefix`), or nullopt; mutex_ held.
  std::optional<Response> ScheduleRefusal(const LiveProcess& p, const ProcessSchedule& schedule,
                                          const std::string& prefix) const;
  // Open and scheduled processes for the landing page: slug, title, state, schedule.
  nlohmann::json PublicVotes() const;  // mutex_ held
  void RunScheduler();  // the scheduler thread
  bool IsAdmin(const Request& request) const;
  // Wrong codes are limited per `client`: an address (IPv6 by its /64), or
  // "device:N" for a kiosk or clerk, so a busy shared address never locks
  // its devices out. Answers 429 with Retry-After when it must wait.
  bool RateLimited(const std::string& client, Reply& reply);
  void CountCodeFailure(const std::string& client);
  // A limiter's key as this node's limiters and, on a shared store, the other
  // nodes know it: hashed with the store's salt there, so no address is stored.
  std::string AttemptKey(const std::string& key) const;
  // A wrong code or password: counted here at once, and by every other node
  // sharing the store within a follow interval (ShareWrongAttempts).
  void WrongAttempt(AttemptKind kind, const std::string& attempt_key);
  WrongCodeLimiter& Limiter(AttemptKind kind) { return kind == AttemptKind::kCode ? wrong_codes_ : wrong_passwords_; }
  std::shared_ptr<LiveProcess> Find(const std::string& slug);

  // Routes of api.cc: the processes, a process's definition, the voter's ballot, results.
  void ListProcesses(const Organizer& who, Reply reply);
  void CreateRoute(Call& c);
  void ImportRoute(Call& c);
  void DefinitionRoute(Call& c);
  void EditRoute(Call& c);  // PUT: a new definition, or while open a correction
  void BallotRoute(Call& c);
  // 409 before results are visible (published, or closed for an organizer), 409/500 uncounted; mutex_ held.
  std::optional<Response> ResultsRefusal(const LiveProcess& p, bool organizer) const;
  void BundleRoute(Call& c);
  void ResultsRoute(Call& c);
  void CsvRoute(Call& c, bool results);  // results.csv or turnout.csv
  void TurnoutRoute(Call& c);
  void StateRoute(Call& c, const std::string& action);  // open, close, publish

  void CreateProcess(ProcessDefinition definition, Reply reply);
  void UpdateProcess(const std::shared_ptr<LiveProcess>& p, ProcessDefinition definition, Reply reply);
  void AddCodes(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, Reply reply);
  void DownloadCodes(const std::shared_ptr<LiveProcess>& p, const std::string& batch, Reply reply);
  void ForgetCodes(const std::shared_ptr<LiveProcess>& p, const std::string& batch, Reply reply);
  void ChangeState(const std::shared_ptr<LiveProcess>& p, const std::string& action, bool wait, Reply reply);
  // `wait`: answer once counted (200 with results), else at once (202 "tallying").
  void Close(const std::shared_ptr<LiveProcess>& p, bool wait, Reply reply);
  // Reads the counted ballots, then counts.
  void LoadForCount(const std::shared_ptr<LiveProcess>& p, std::optional<Reply> waiting);
  // Reads ballots a slice at a time on the database thread (`slice`: the
  // storage's LoadCountedSlice or LoadLogSlice), so other processes' ballots
  // commit between slices; then `then` runs there with them all (or the error,
  // or nullopt when the server stops first).
  using SliceReader = Result<std::vector<StoredBallot>> (Storage::*)(ProcessId, std::int64_t, std::size_t);
  using SlicesRead = std::function<void(std::optional<Result<std::vector<StoredBallot>>>)>;
  void ReadInSlices(ProcessId id, SliceReader slice, std::int64_t after_id,
                    std::shared_ptr<std::vector<StoredBallot>> read, SlicesRead then);
  bool PostSlice(ProcessId id, SliceReader slice, std::int64_t after_id,
                 std::shared_ptr<std::vector<StoredBallot>> read, SlicesRead then);  // false: not posted
  // Counts on tally_ and stores the results through the DbWorker; `waiting`: the close's reply.
  void StartCount(const std::shared_ptr<LiveProcess>& p, ProcessDefinition definition, std::vector<std::string> ballots,
                  std::vector<std::string> groups, std::optional<Reply> waiting);
  static ProcessPhase Phase(const LiveProcess& p);
  // A close that waited for a count the server will not finish now (stopping): 202 "tallying".
  void AnswerStillCounting(const std::shared_ptr<LiveProcess>& p, const Reply& reply);
  void CheckCode(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, const std::string& client,
                 Reply reply, bool looked_up = false);
  // `looked_up`: a code this node did not know was looked up in a store shared
  // by several nodes (another node may have made it) and, if found, adopted.
  void SubmitBallot(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, const std::string& client,
                    Reply reply, bool looked_up = false);
  // Reads a code from a store several nodes share into this node's memory
  // (made or spent on another node), then runs `then` on the database thread;
  // `reply` answers if the store cannot be read.
  void ReadCodeFromStore(const std::shared_ptr<LiveProcess>& p, const std::string& hash, std::function<void()> then,
                         const Reply& reply);
  // On a shared store the ballot log grows on every node: reads the entries
  // this node has not seen into `log`, then runs `then` on the database thread.
  static constexpr std::size_t kLogSyncSlice = 2000;
  void SyncLog(const std::shared_ptr<LiveProcess>& p, std::function<void()> then, const Reply& reply);
  // SyncLog's: a ballot another node stored, into this node's turnout. mutex_ held.
  void CountStoredElsewhere(LiveProcess& p, const StoredBallot& b);
  // The process's state and results read again from a store another node
  // writes to (after it refused a ballot as closed).
  void RefreshFromStore(const std::shared_ptr<LiveProcess>& p);

  // Loading processes from the store, at start and as other nodes change them (nodes_api.cc).
  // One process as stored: definition, state, codes and turnout, log, devices,
  // paper, corrections, schedule, phases, milestones, ideas, organizers. `log`:
  // its stored ballots. On the database thread.
  Status LoadLive(Storage& storage, const ProcessRecord& record, LiveProcess& live, std::vector<StoredBallot>& log);
  // LoadLive's cheap part (StoredPart::kProcess): all but codes, log, devices and paper.
  Status LoadProcessPart(Storage& storage, const ProcessRecord& record, LiveProcess& live);
  // On a shared store, every follow_interval: reloads what other nodes changed
  // (Storage::LoadRevisions) and whether this node runs the schedule. On the database thread.
  void FollowStore(Storage& storage);
  Status ReloadAccounts(Storage& storage);  // accounts, sessions, pictures; FollowStore's
  // FollowStore's: this node's wrong attempts since the last look written, the
  // other nodes' read into this node's limiters.
  void ShareWrongAttempts(Storage& storage);
  void RunFollower();  // the follower thread: posts FollowStore
  // `synced`: the log was read from a shared store just before (SyncLog).
  void Board(const std::shared_ptr<LiveProcess>& p, const std::string& receipt, Reply reply, bool synced = false);
  void Consistency(const std::shared_ptr<LiveProcess>& p, const std::string& from, const std::string& to, Reply reply,
                   bool synced = false);
  void Bundle(const std::shared_ptr<LiveProcess>& p, Reply reply);
  void ExportBudget(const std::shared_ptr<LiveProcess>& p, const std::string& budget_id, Reply reply);
  nlohmann::json Summary(const LiveProcess& p) const;  // call with mutex_ held
  nlohmann::json Turnout(const LiveProcess& p) const;  // call with mutex_ held
  // Adds (sign 1) or takes back (-1) a counted ballot in the turnout counters; mutex_ held.
  static void CountBallot(LiveProcess& p, const std::string& group, const std::string& area, std::uint32_t budgets,
                          Channel channel, int sign);
  static void CountCode(LiveProcess& p, const CodeState& code, bool spent);  // an organizer's code; mutex_ held
  static CodeState StoredCodeState(const VoterCodeRecord& code);
  // The turnout group a code's ballots count under: walk-ins apart from every group.
  static const std::string& TurnoutGroup(const CodeState& code);
  // The group of each counted (not superseded) ballot, for TallyProcess:
  // "(walk-in)" apart, "" for none. Takes mutex_.
  std::vector<std::string> CountedGroups(const LiveProcess& p, const std::vector<StoredBallot>& ballots);

  // In person (inperson_api.cc): devices, kiosks, check-in, paper ballots.
  // GET …/device: the calling device's; on a shared store, refused at once when
  // revoked on another node (read from the database, not this node's copy).
  void DeviceInfo(Call& c);
  void AnswerDeviceInfo(LiveProcess& p, std::int64_t device, const Reply& reply);
  void SheetInfo(const std::shared_ptr<LiveProcess>& p, const std::string& serial, Reply reply);  // what a sheet is for
  static void AdoptStoredEntries(LiveProcess& p, PaperSheet& sheet, std::vector<PaperEntryRecord> entries);
  void ListDevices(const std::shared_ptr<LiveProcess>& p, Reply reply);
  void DeviceRoute(Call& c, std::string_view what);  // …/devices/ID/revoke|limits|void|walk-ins
  std::int64_t DeviceOf(const LiveProcess& p, const Request& request) const;  // 0: none; mutex_ held
  std::string ReserveCode(LiveProcess& p, const nlohmann::json& body, const std::string& client,
                          std::unique_lock<std::mutex>& lock, Reply& reply);
  static void SettleCheckIn(LiveProcess& p, const std::string& hash, bool stored);
  void AddDevice(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, Reply reply);
  void RevokeDevice(const std::shared_ptr<LiveProcess>& p, std::int64_t device, Reply reply);
  // 401 device_revoked after the database refused a revoked device's write; lock held, then released.
  static void RefuseRevoked(LiveProcess& p, std::int64_t device, std::unique_lock<std::mutex>& lock, const Reply& reply);
  // Kiosk limits (kiosk_limits.cc).
  static std::optional<Response> ParseKioskLimits(const nlohmann::json& body, std::int64_t* allowance,
                                                  std::int64_t* seconds);
  // Why a kiosk with `use` (a Device's, or the database's) may not start a session now, or nullopt.
  static std::optional<Response> KioskLimitRefusal(const KioskUse& use, bool walk_in, std::int64_t now);
  void SetDeviceLimits(const std::shared_ptr<LiveProcess>& p, std::int64_t device, const nlohmann::json& body,
                       Reply reply);
  void VoidSessions(const std::shared_ptr<LiveProcess>& p, std::int64_t device, Reply reply);
  nlohmann::json DeviceJson(const LiveProcess& p, std::int64_t id) const;  // mutex_ held
  nlohmann::json WalkInsJson(const LiveProcess& p, std::int64_t id) const;  // mutex_ held
  void StartKioskSession(const std::shared_ptr<LiveProcess>& p, std::int64_t device, const nlohmann::json& body,
                         const std::string& client, Reply reply);
  void CheckIn(const std::shared_ptr<LiveProcess>& p, std::int64_t device, const nlohmann::json& body,
               const std::string& client, Reply reply);
  void AddPaperBatch(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, Reply reply);
  void PaperBatchSheets(const std::shared_ptr<LiveProcess>& p, const std::string& batch, Reply reply);
  void AddPaperEntry(const std::shared_ptr<LiveProcess>& p, std::int64_t device, const nlohmann::json& body,
                     const std::string& serial_in_path, Reply reply);
  nlohmann::json PaperSheets(const LiveProcess& p, const std::string& state) const;  // mutex_ held
  Status LoadInPerson(Storage& storage, LiveProcess& p);  // at start, on the database thread

  // The cycle's phases (cycle_api.cc): GET/PUT …/phases, POST …/phases/P/open|close.
  PhaseState PhaseStateOf(const LiveProcess& p, CyclePhase phase) const;  // mutex_ held
  bool PhaseOpen(const LiveProcess& p, CyclePhase phase) const {  // mutex_ held
    return PhaseStateOf(p, phase) == PhaseState::kOpen;
  }
  nlohmann::json PhasesJson(const LiveProcess& p) const;  // mutex_ held
  // `organizer`: any role in the process (the route's least role is checked by Handle).
  void ReadPhases(const std::shared_ptr<LiveProcess>& p, bool organizer, Reply reply);
  void MovePhaseRoute(Call& c, bool open);
  void SetPhases(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, Reply reply);
  void StorePhases(const std::shared_ptr<LiveProcess>& p, const CyclePlan& plan,
                   const std::optional<ProcessSchedule>& schedule, Reply reply);
  void MovePhase(const std::shared_ptr<LiveProcess>& p, CyclePhase phase, bool open, bool wait, Reply reply);
  // Closed and counted, with a results date not yet acted on: the scheduler publishes it then.
  static bool ResultsDue(const LiveProcess& p);  // mutex_ held
  Status LoadCycle(Storage& storage, LiveProcess& p);  // at start, on the database thread (phases, milestones)

  // Implementation (implementation_api.cc): …/implementation[.csv] and milestones.
  // `what`: "" all funded projects, "csv" the same as CSV, "project" one of them.
  void ReadImplementation(Call& c, std::string_view what);
  void SaveMilestone(Call& c, std::optional<std::string> milestone_id);  // nullopt: a new one
  nlohmann::json ProjectProgressJson(const LiveProcess& p, const FundedProject& f) const;  // mutex_ held
  // Every funded project's delivery (delivered: all its milestones done); mutex_ held.
  std::vector<ProjectDelivery> DeliveriesOf(const LiveProcess& p) const;

  // Pictures and corrections (texts_api.cc).
  bool MayUpload(const Organizer& who);  // the token, or an editor of some process; takes mutex_
  void UploadImage(const Request& request, Reply reply);
  void ServeImage(const std::string& file, Reply reply);
  // 422 naming the first picture a definition holds that is not stored; nullopt when all are. Takes mutex_.
  std::optional<Response> UnknownImage(const ProcessDefinition& definition);
  // PUT while open: only texts and pictures may change; each change is recorded with `by`.
  void Correct(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, std::string by, Reply reply);
  void Changes(const std::shared_ptr<LiveProcess>& p, bool admin, Reply reply);
  // {"original", "changes"} for the bundle, or null when nothing was corrected; mutex_ held.
  nlohmann::json CorrectionsForBundle(const LiveProcess& p) const;
  Status LoadImages(Storage& storage);  // at start, on the database thread
  Status LoadCorrections(Storage& storage, LiveProcess& p);  // LoadLive's

  // Ideas, their review and the cycle report (ideas_api.cc): /api/v1/processes/S/ideas….
  void ListIdeas(const std::shared_ptr<LiveProcess>& p, std::optional<OrganizerRole> role, Reply reply);
  void IdeaRoute(Call& c, const std::string& what);  // …/ideas/ID/supports|hide|restore|merge|decision
  // The hash and group of a code that may send and support ideas: an organizer's
  // voter code, or an idea code when ideas are open to all; nullopt otherwise. mutex_ held.
  std::optional<std::pair<std::string, std::string>> IdeaAuthor(const LiveProcess& p, const std::string& code) const;
  // Whether ideas and supports are taken now (mutex_ held): the organizer's
  // switch (settings.accepting) always, and the ideas phase open when it has
  // dates. Empty when taken; else 409 ideas_closed saying why and when.
  std::optional<Response> IdeasRefusal(const LiveProcess& p) const;
  void SubmitIdea(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, const std::string& client,
                  Reply reply);
  void UploadIdeaPhoto(const std::shared_ptr<LiveProcess>& p, const Request& request, const std::string& client,
                       Reply reply);
  void SupportIdea(const std::shared_ptr<LiveProcess>& p, std::int64_t idea, const nlohmann::json& body,
                   const std::string& client, Reply reply);
  void MyIdeas(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, const std::string& client,
               Reply reply);
  // The committee's: hide, restore, merge, decide; each runs on the database thread, one at a time.
  void ModerateIdea(const std::shared_ptr<LiveProcess>& p, std::int64_t idea, const std::string& what,
                    const nlohmann::json& body, Reply reply);
  void ProjectFromIdeas(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, Reply reply);
  void AddIdeaCodes(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, Reply reply);
  void SetIdeaSettings(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, Reply reply);
  nlohmann::json IdeasJson(const LiveProcess& p, bool committee) const;  // mutex_ held
  // GET …/report and …/report.csv: the cycle by interest-holder group (item 5).
  void CycleReport(const std::shared_ptr<LiveProcess>& p, bool csv, Reply reply);
  // Funded projects ("budget/project") delivered, for the report's "delivered"
  // column; nullopt while this server records no delivery. mutex_ held.
  std::optional<std::set<std::string>> DeliveredProjects(const LiveProcess& p) const;
  Status LoadIdeas(Storage& storage, LiveProcess& p);  // at start, on the database thread

  DbWorker& worker_;
  const std::string admin_token_hash_;
  const SigningKey key_;
  const ApiOptions options_;
  bool shared_store_ = false;  // Storage::SharedByNodes(), read once at start
  mutable std::mutex mutex_;  // guards everything below and every LiveProcess
  std::map<std::string, std::shared_ptr<LiveProcess>> processes_;
  std::unordered_map<std::string, std::shared_ptr<const ImageRecord>> images_;  // by sha256
  WrongCodeLimiter wrong_codes_;
  std::condition_variable schedule_changed_;  // wakes the scheduler (with mutex_)
  bool stopping_ = false;  // Stop() was called: no new work (the scheduler, a count's next slice); mutex_ held
  std::thread scheduler_;
  // Shared store: the revisions this node has loaded (database thread only),
  // whether it runs the schedule, and the thread that follows the others.
  Revisions revisions_;
  std::map<std::int64_t, std::chrono::steady_clock::time_point> codes_loaded_at_;  // by process id
  std::atomic<bool> leads_schedule_{true};
  std::thread follower_;
  // Shared store: the salt of attempt keys, this node's name in the rows it
  // writes, its wrong attempts not yet written (attempts_mutex_), and the last
  // row read (database thread only).
  std::string attempts_salt_;
  std::string node_name_;
  std::mutex attempts_mutex_;
  std::map<std::pair<AttemptKind, std::string>, std::int64_t> unshared_attempts_;
  std::int64_t attempts_read_to_ = 0;
  WrongCodeLimiter wrong_passwords_;  // sign-ins, per address and per account
  std::map<std::int64_t, Account> accounts_;
  std::unordered_map<std::string, Session> sessions_;  // by the hash of the cookie
  std::string dummy_hash_;  // verified for unknown emails, so they take as long; password thread only
  TallyWorker tally_;
  PasswordWorker passwords_;  // last: stopped first (its jobs use the members above)
};

}  // namespace psephos::server
