// Private receipts (ReceiptMode::kPrivate): what a bundle publishes of the
// ballot log, and how an auditor checks it. The log's leaves are the same
// salted hashes as in verifiable mode (each commits to one ballot without
// showing it), but only the leaf hashes are published; the counted ballots
// come separately, without channel, in sorted order. See server/AUDIT.md.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/server/bundle.h"
#include "psephos/server/process.h"
#include "psephos/server/storage.h"

namespace psephos::server {

// The counted ballots as published: "_channel" dropped, sorted by their compact
// JSON, so the order is a function of the ballots alone and says nothing of arrival.
std::vector<nlohmann::json> PublishedBallots(const std::vector<StoredBallot>& log);

// Sets the bundle's "log" to {"size", "head", "leaves": [hex, ...]} (arrival
// order, no entry, no superseded flag) and "ballots" to PublishedBallots.
void AddPrivateLog(const std::string& slug, const std::vector<StoredBallot>& log, nlohmann::json* bundle);

// Checks a private bundle's log: the leaves rebuild the head and size, the
// published ballots are sorted, carry no channel and are no more than the log's
// entries (exactly as many with revoting "first"). Fills `counted` with the
// published ballots; false when the log cannot be read at all.
bool AuditPrivateLog(const nlohmann::json& bundle, const ProcessDefinition& process,
                     std::vector<nlohmann::json>* counted, AuditReport* report);

}  // namespace psephos::server
