// The JSON API over HTTPS: organizers (bearer token) and voters (voter codes).
// Routes and formats are documented in server/API.md.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "psephos/server/db_worker.h"
#include "psephos/server/http.h"
#include "psephos/server/process.h"
#include "psephos/server/signing.h"
#include "psephos/server/storage.h"

namespace psephos::server {

struct ApiOptions {
  // Wrong voter codes one client address may try per minute before 429.
  int code_failures_per_minute = 20;
  std::int64_t max_codes_per_batch = 100000;
};

class Api final : public Handler {
 public:
  // Loads every process through `worker`; `admin_token_hash` is Sha256Hex of
  // the token; `signing_key` signs results bundles.
  static Result<std::unique_ptr<Api>> Create(DbWorker& worker, std::string admin_token_hash,
                                             SigningKey signing_key, ApiOptions options = {});

  void Handle(Request request, const std::string& client_address, Reply reply) override;

 private:
  enum class CodeStatus { kUnused, kPending, kSpent };
  struct CodeState {
    std::string group;
    CodeStatus status = CodeStatus::kUnused;
  };
  struct LiveProcess {
    ProcessId id = 0;
    ProcessDefinition definition;
    ProcessState state = ProcessState::kDraft;
    bool closing = false;  // no more ballots are taken; the close is being written
    std::unordered_map<std::string, CodeState> codes;  // by code hash
    std::map<std::string, std::int64_t> codes_per_group;
    std::map<std::string, std::int64_t> voted_per_group;
    std::int64_t ballots = 0;
    nlohmann::json results;  // null until tallied
    std::vector<std::string> log;  // receipts (leaf hashes) of every accepted ballot, in order
    std::string head;              // Merkle head of `log`; empty when stale
    nlohmann::json bundle;         // null until first asked for after close
  };

  Api(DbWorker& worker, std::string admin_token_hash, SigningKey key, ApiOptions options)
      : worker_(worker), admin_token_hash_(std::move(admin_token_hash)), key_(std::move(key)), options_(options) {}

  bool IsAdmin(const Request& request) const;
  bool RateLimited(const std::string& client);
  void CountCodeFailure(const std::string& client);
  std::shared_ptr<LiveProcess> Find(const std::string& slug);

  void CreateProcess(ProcessDefinition definition, Reply reply);
  void UpdateProcess(const std::shared_ptr<LiveProcess>& p, ProcessDefinition definition, Reply reply);
  void AddCodes(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, Reply reply);
  void DownloadCodes(const std::shared_ptr<LiveProcess>& p, const std::string& batch, Reply reply);
  void ChangeState(const std::shared_ptr<LiveProcess>& p, const std::string& action, Reply reply);
  void Close(const std::shared_ptr<LiveProcess>& p, Reply reply);
  void CheckCode(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, const std::string& client,
                 Reply reply);
  void SubmitBallot(const std::shared_ptr<LiveProcess>& p, const nlohmann::json& body, const std::string& client,
                    Reply reply);
  void Board(const std::shared_ptr<LiveProcess>& p, const std::string& receipt, Reply reply);
  void Bundle(const std::shared_ptr<LiveProcess>& p, Reply reply);
  nlohmann::json Summary(const LiveProcess& p) const;  // call with mutex_ held
  nlohmann::json Turnout(const LiveProcess& p) const;  // call with mutex_ held

  DbWorker& worker_;
  const std::string admin_token_hash_;
  const SigningKey key_;
  const ApiOptions options_;
  mutable std::mutex mutex_;  // guards everything below and every LiveProcess
  std::map<std::string, std::shared_ptr<LiveProcess>> processes_;
  struct Attempts {
    std::chrono::steady_clock::time_point window_start;
    int failures = 0;
  };
  std::unordered_map<std::string, Attempts> attempts_;
};

}  // namespace psephos::server
