#include "psephos/server/private_log.h"

#include <algorithm>

#include "psephos/ballots/json_reader.h"
#include "psephos/server/ballot_log.h"
#include "psephos/server/hex.h"

namespace psephos::server {

using nlohmann::json;

namespace {

bool IsHexHash(const json& j) { return j.is_string() && IsHex(j.get_ref<const std::string&>(), 32); }

}  // namespace

std::vector<json> PublishedBallots(const std::vector<StoredBallot>& log) {
  std::vector<std::string> texts;
  for (const StoredBallot& b : log) {
    if (b.superseded) continue;
    json ballot = ballots::ParseJson(b.ballot).value_or(json());
    ballot.erase("_channel");
    texts.push_back(ballot.dump());
  }
  std::sort(texts.begin(), texts.end());
  std::vector<json> out;
  out.reserve(texts.size());
  for (const std::string& t : texts) out.push_back(ballots::ParseJson(t).value_or(json()));
  return out;
}

void AddPrivateLog(const std::string& slug, const std::vector<StoredBallot>& log, json* bundle) {
  std::vector<std::string> leaves;
  leaves.reserve(log.size());
  for (const StoredBallot& b : log) leaves.push_back(LeafHash(LogEntry(slug, b.ballot, b.salt)));
  (*bundle)["log"] = {{"size", leaves.size()}, {"head", MerkleRoot(leaves)}, {"leaves", leaves}};
  (*bundle)["ballots"] = PublishedBallots(log);
}

bool AuditPrivateLog(const json& bundle, const ProcessDefinition& process, std::vector<json>* counted,
                     AuditReport* report) {
  const json log = bundle.value("log", json());
  if (!log.is_object() || !log.contains("leaves") || !log["leaves"].is_array() || !bundle.contains("ballots") ||
      !bundle["ballots"].is_array()) {
    report->failed.push_back("log: a private bundle needs log.leaves and ballots");
    return false;
  }
  std::vector<std::string> leaves;
  for (std::size_t i = 0; i < log["leaves"].size(); ++i) {
    const json& leaf = log["leaves"][i];
    if (!IsHexHash(leaf)) {
      report->failed.push_back("log: leaf " + std::to_string(i + 1) + " is not a SHA-256 hash in lowercase hex");
      return false;
    }
    leaves.push_back(leaf);
  }
  CheckLogHead(log, leaves, "leaves", report);
  const json& ballots = bundle["ballots"];
  bool sorted = true, channel_free = true;
  for (std::size_t i = 0; i < ballots.size(); ++i) {
    if (!ballots[i].is_object()) {
      report->failed.push_back("ballots: ballot " + std::to_string(i + 1) + " is not a JSON object");
      return false;
    }
    if (ballots[i].contains("_channel")) channel_free = false;
    if (i > 0 && ballots[i - 1].dump() > ballots[i].dump()) sorted = false;
    counted->push_back(ballots[i]);
  }
  const std::string n = std::to_string(ballots.size()), size = std::to_string(leaves.size());
  if (!sorted || !channel_free) {
    report->failed.push_back(std::string("ballots: ") + (sorted ? "" : "not in sorted order") +
                             (!sorted && !channel_free ? " and " : "") + (channel_free ? "" : "some name their channel") +
                             ": they could tell something about who cast them");
  } else {
    report->passed.push_back("ballots: " + n + " published in sorted order without channel: their order tells nothing "
                             "about arrival");
  }
  if (ballots.size() > leaves.size()) {
    report->failed.push_back("ballots: " + n + " counted ballots, but only " + size + " in the log");
  } else if (!process.latest_ballot_counts && ballots.size() != leaves.size()) {
    report->failed.push_back("ballots: " + n + " counted ballots, but " + size +
                             " in the log, and with revoting \"first\" every ballot counts");
  } else {
    report->passed.push_back("ballots: " + n + " counted of " + size + " in the log" +
                             (process.latest_ballot_counts ? " (the others were replaced by a later ballot of the same code)"
                                                           : ""));
  }
  report->not_checked.push_back(
      "ballots: that the published ballots are the ones the log's leaves commit to (private receipts publish no "
      "link between them; each voter can check that a ballot like theirs is among them)");
  if (process.latest_ballot_counts) {
    report->not_checked.push_back("revoting: which entries of the log were replaced by a later ballot");
  }
  return true;
}

}  // namespace psephos::server
