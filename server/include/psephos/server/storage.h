// Durable storage behind one narrow interface. SQLite is the embedded default;
// nothing SQLite-specific leaks out of here, so another backend can follow.
// A Storage is used from one thread at a time (the DbWorker's).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "psephos/engine/status.h"

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
  bool spent = false;
};

struct BallotToStore {
  ProcessId process = 0;
  std::string code_hash;
  std::string group;
  std::string ballot;   // canonical JSON
  std::string salt;     // random hex that makes the receipt unguessable
  std::string receipt;  // hex leaf hash of the log entry (see ballot_log.h), unique
  std::int64_t created_at_ms = 0;
  // false: the code must be unspent (first ballot final); true: earlier
  // ballots of the code are superseded (latest ballot counts).
  bool replaces_earlier = false;
};

// What became of one ballot in a batch.
enum class AppendResult { kStored, kCodeUnknown, kCodeSpent };

struct StoredBallot {
  std::int64_t id = 0;  // order of arrival within the whole store
  std::string group;
  std::string ballot;
  std::string salt;
  std::string receipt;
  std::int64_t created_at_ms = 0;
  bool superseded = false;  // a later ballot of the same code counts instead
};

class Storage {
 public:
  virtual ~Storage() = default;

  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;

  virtual Result<ProcessId> CreateProcess(const std::string& slug, const std::string& definition) = 0;
  virtual Status UpdateDefinition(ProcessId id, const std::string& definition) = 0;
  virtual Status SetState(ProcessId id, ProcessState state) = 0;
  virtual Status SetResults(ProcessId id, const std::string& results) = 0;
  virtual Result<std::vector<ProcessRecord>> LoadProcesses() = 0;

  // Adds codes and keeps their CSV (the only copy of the plain codes) for one download.
  virtual Result<std::int64_t> AddCodeBatch(ProcessId id, const std::string& group,
                                            const std::vector<std::string>& code_hashes,
                                            const std::string& csv) = 0;
  // Returns the batch's CSV and forgets it; nullopt when already taken or unknown.
  virtual Result<std::optional<std::string>> TakeCodeBatchCsv(ProcessId id, std::int64_t batch) = 0;
  virtual Result<std::vector<VoterCodeRecord>> LoadCodes(ProcessId id) = 0;

  // Stores a batch in one transaction (one fsync for all); per-ballot results.
  virtual Result<std::vector<AppendResult>> AppendBallots(const std::vector<BallotToStore>& batch) = 0;
  // Ballots that count (not superseded), in order of arrival.
  virtual Result<std::vector<StoredBallot>> LoadBallots(ProcessId id) = 0;
  // Every ballot ever accepted, superseded ones included, in order of arrival:
  // the ballot log.
  virtual Result<std::vector<StoredBallot>> LoadLog(ProcessId id) = 0;

  virtual Status IntegrityCheck() = 0;
};

// Opens (creating if needed) the SQLite store at `path`: WAL, synchronous=FULL.
Result<std::unique_ptr<Storage>> OpenSqliteStorage(const std::string& path);

}  // namespace psephos::server
