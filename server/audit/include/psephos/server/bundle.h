// The results bundle an auditor downloads, and its audit. Format: server/AUDIT.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"
#include "psephos/server/process.h"
#include "psephos/server/signing.h"
#include "psephos/server/storage.h"

namespace psephos::server {

constexpr const char* kBundleFormat = "psephos-bundle/1";

// Everything about a closed process, signed: definition, ballot log, ballots
// per budget as .pb, results with their round traces; `corrections`, when not
// null, {"original", "changes"} (corrections.h) made while voting was open.
Result<nlohmann::json> BuildBundle(const ProcessDefinition& process, const std::vector<StoredBallot>& log,
                                   const nlohmann::json& results, const SigningKey& key,
                                   const nlohmann::json& corrections = nullptr);

// The bytes the signature covers: the bundle without "signature", as compact
// JSON with sorted keys.
std::string BundleSigningMessage(const nlohmann::json& bundle);

struct AuditReport {
  std::vector<std::string> passed;  // checks that held, in words
  std::vector<std::string> failed;  // what does not match, in words
  std::vector<std::string> not_checked;  // what this bundle cannot show (private receipts), in words
  bool ok() const { return failed.empty(); }
};

// Checks the signature (against `expected_key` when given), rebuilds the log
// head from the entries, checks each budget's .pb against the log, re-runs
// every tally and compares funded projects, ties and every round; names the
// web manifest by its hash.
// Whether `leaves` hash to the head `log` publishes, and are as many as it says;
// `what` names them in the report ("entries", "leaves").
void CheckLogHead(const nlohmann::json& log, const std::vector<std::string>& leaves, const std::string& what,
                  AuditReport* report);

AuditReport AuditBundle(const nlohmann::json& bundle, const std::string& expected_key = "");

struct ReceiptCheck {
  bool found = false;
  std::size_t index = 0;
  std::string entry;  // the ballot's log entry, as hashed; empty with private receipts
  bool proof_ok = false;
  std::vector<std::string> proof;
};
// The log's leaf hashes: hashed from log.entries, or log.leaves (private
// receipts); nullopt when the shape is wrong.
std::optional<std::vector<std::string>> BundleLeaves(const nlohmann::json& bundle);

// Finds the entry a receipt names and checks its inclusion proof against the head.
ReceiptCheck CheckReceipt(const nlohmann::json& bundle, const std::string& receipt);

struct HeadCheck {
  bool ok = false;
  std::string message;  // what was proved or what does not match, in words
  std::vector<std::string> proof;
};
// Proves that a board head seen earlier (`size` ballots, hex `head`) is a
// prefix of the bundle's final log: a consistency proof computed from the
// log's entries and checked against the bundle's head (RFC 9162 section 2.1.4).
HeadCheck CheckHead(const nlohmann::json& bundle, std::size_t size, const std::string& head);

}  // namespace psephos::server
