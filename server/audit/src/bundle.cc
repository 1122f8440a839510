#include "psephos/server/bundle.h"

#include "psephos/ballots/json_reader.h"

#include <set>

#include "psephos/server/ballot_log.h"
#include "psephos/server/corrections.h"
#include "psephos/server/disclosure.h"
#include "psephos/server/private_log.h"
#include "psephos/server/process_pabulib.h"
#include "psephos/server/web_manifest.h"

namespace psephos::server {
namespace {

using nlohmann::json;

// The log's entries as stored strings, or nullopt when the shape is wrong.
std::optional<std::vector<json>> Entries(const json& bundle) {
  if (!bundle.contains("log") || !bundle["log"].is_object() || !bundle["log"].contains("entries") ||
      !bundle["log"]["entries"].is_array()) {
    return std::nullopt;
  }
  std::vector<json> out;
  for (const json& e : bundle["log"]["entries"]) {
    if (!e.is_object() || !e.contains("entry") || !e["entry"].is_string()) return std::nullopt;
    out.push_back(e);
  }
  return out;
}

std::string Names(const json& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ", ") + (item.is_string() ? item.get<std::string>() : item.dump());
  return "[" + out + "]";
}

// Compares one budget's published outcome with the recount, naming differences.
void CompareOutcome(const std::string& budget, const json& published, const json& recount, AuditReport* report) {
  const std::string where = "budget " + budget + ": ";
  if (published.is_null() || recount.is_null()) {
    if (published != recount) report->failed.push_back(where + "the bundle and the recount disagree on whether there was a tally");
    return;
  }
  bool same = true;
  auto field = [&](const char* key) { return published.value(key, json()) == recount.value(key, json()); };
  if (!field("selected")) {
    report->failed.push_back(where + "funded projects differ: the bundle says " + Names(published.value("selected", json::array())) +
                             ", the ballots give " + Names(recount.value("selected", json::array())));
    same = false;
  }
  for (const char* key : {"rule", "tie_break", "budget", "total_cost", "ties"}) {
    if (!field(key)) {
      report->failed.push_back(where + key + " differs: the bundle says " + published.value(key, json()).dump() +
                               ", the recount " + recount.value(key, json()).dump());
      same = false;
    }
  }
  const json a = published.value("rounds", json::array()), b = recount.value("rounds", json::array());
  if (a.size() != b.size()) {
    report->failed.push_back(where + "the bundle has " + std::to_string(a.size()) + " rounds, the recount " +
                             std::to_string(b.size()));
    same = false;
  } else {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) {
        report->failed.push_back(where + "round " + std::to_string(i + 1) + " differs: the bundle says " + a[i].dump() +
                                 ", the recount " + b[i].dump());
        same = false;
        break;
      }
    }
  }
  if (same) {
    report->passed.push_back(where + "recount gives the same " + std::to_string(recount.value("selected", json::array()).size()) +
                             " funded projects and the same " + std::to_string(b.size()) + " rounds");
  }
}

// Counted ballots per channel (online, kiosk, paper), from the ballots themselves.
json ChannelCounts(const std::vector<json>& counted) {
  json counts = json::object();
  for (Channel c : kChannels) counts[ChannelName(c)] = 0;
  for (const json& b : counted) {
    const char* name = ChannelName(BallotChannel(b));
    counts[name] = counts[name].get<std::int64_t>() + 1;
  }
  return counts;
}

// Published counts agree with the recount: exactly, or with small ones hidden
// as the public sees them (disclosure.h).
bool SameCounts(const json& published, const json& exact, std::int64_t k) {
  return published == exact || published == PublicChannels(exact, k);
}

// Private receipts: the ballots carry no channel, so only the sum can be checked.
void AuditPrivateChannels(const json& channels, std::size_t counted, AuditReport* report) {
  std::int64_t shown = 0;
  bool hidden = false, shaped = channels.is_object();
  for (const json& n : shaped ? channels : json::object()) {
    if (n.is_number_integer() && n.get<std::int64_t>() >= 0) {
      shown += n.get<std::int64_t>();
    } else if (n.is_string()) {
      hidden = true;
    } else {
      shaped = false;
    }
  }
  const auto total = static_cast<std::int64_t>(counted);
  if (!shaped || shown > total || (!hidden && shown != total)) {
    report->failed.push_back("channels: the bundle says " + channels.dump() + ", which does not add up to the " +
                             std::to_string(counted) + " counted ballots");
  } else {
    report->passed.push_back("channels: " + channels.dump() + " add up to the " + std::to_string(counted) +
                             " counted ballots");
  }
  report->not_checked.push_back("channels: which ballot came through which channel (published ballots carry none)");
}

// A ballot votes in at most one budget of a heading, and in the budgets of one area only.
std::string EligibilityProblem(const ProcessDefinition& process, const json& ballot) {
  std::set<std::string> headings, areas;
  for (const Budget& b : process.budgets) {
    if (!ballot.contains(b.id)) continue;
    if (!b.heading.empty() && !headings.insert(b.heading).second) {
      std::string problem = "votes twice in heading ";
      problem += b.heading;
      return problem;
    }
    if (!b.area.empty()) areas.insert(b.area);
  }
  if (areas.size() > 1) {
    std::string problem = "votes in the budgets of ";
    problem += std::to_string(areas.size());
    problem += " areas";
    return problem;
  }
  return "";
}

// The web manifest the signature covers: well formed, and named by its hash.
void CheckManifestShape(const json& bundle, AuditReport* report) {
  const json manifest = bundle.value("web_manifest", json());
  if (manifest.is_null()) {
    report->failed.push_back("web manifest: the bundle has none, so what voters' browsers ran cannot be checked");
    return;
  }
  if (const std::string problem = ManifestProblem(manifest); !problem.empty()) {
    report->failed.push_back("web manifest: " + problem);
    return;
  }
  report->passed.push_back("web manifest: " + std::to_string(manifest["files"].size()) + " served files, version " +
                           manifest["version"].get<std::string>() + ", manifest sha256 " + ManifestHash(manifest));
}

// Verifiable receipts: the entries hash to the published head; fills
// `counted` with the ballots of the entries not superseded.
bool AuditLogEntries(const json& bundle, const ProcessDefinition& process, std::vector<json>* counted,
                     AuditReport* report) {
  auto entries = Entries(bundle);
  if (!entries) {
    report->failed.push_back("log: missing or malformed entries");
    return false;
  }
  std::vector<std::string> leaves;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string text = (*entries)[i]["entry"];
    leaves.push_back(LeafHash(text));
    const json entry = ballots::ParseJson(text).value_or(json());
    if (!entry.is_object() || entry.value("process", json()) != process.slug || !entry.contains("ballot")) {
      report->failed.push_back("log: entry " + std::to_string(i + 1) + " is not a ballot of " + process.slug);
      continue;
    }
    if (!(*entries)[i].value("superseded", false)) counted->push_back(entry["ballot"]);
  }
  CheckLogHead(bundle["log"], leaves, "entries", report);
  return true;
}

}  // namespace

void CheckLogHead(const json& log, const std::vector<std::string>& leaves, const std::string& what,
                  AuditReport* report) {
  const std::string head = MerkleRoot(leaves);
  if (log.value("head", "") != head) {
    report->failed.push_back("log: the " + std::to_string(leaves.size()) + " " + what + " hash to head " + head +
                             ", but the bundle publishes head " + log.value("head", "") +
                             " (a ballot was added, dropped, changed or moved)");
  } else if (log.value("size", json()) != leaves.size()) {
    report->failed.push_back("log: the bundle says " + log.value("size", json()).dump() + " ballots, it holds " +
                             std::to_string(leaves.size()));
  } else {
    report->passed.push_back("log: " + std::to_string(leaves.size()) + " " + what + " hash to head " + head);
  }
}

std::string BundleSigningMessage(const json& bundle) {
  json content = bundle;
  content.erase("signature");
  return content.dump();
}

Result<json> BuildBundle(const ProcessDefinition& process, const std::vector<StoredBallot>& log, const json& results,
                         const SigningKey& key, const json& corrections) {
  json bundle;
  bundle["format"] = kBundleFormat;
  bundle["process"] = ProcessDefinitionJson(process);
  if (!corrections.is_null()) bundle["corrections"] = corrections;
  std::vector<json> counted;  // as stored, with their channel
  for (const StoredBallot& b : log) {
    if (!b.superseded) counted.push_back(ballots::ParseJson(b.ballot).value_or(json()));
  }
  std::vector<json> published = counted;  // the ballots the .pb files hold
  if (process.receipts == ReceiptMode::kPrivate) {
    AddPrivateLog(process.slug, log, &bundle);
    published = bundle["ballots"].get<std::vector<json>>();
  } else {
    json entries = json::array();
    std::vector<std::string> leaves;
    for (const StoredBallot& b : log) {
      const std::string entry = LogEntry(process.slug, b.ballot, b.salt);
      leaves.push_back(LeafHash(entry));
      entries.push_back({{"entry", entry}, {"superseded", b.superseded}});
    }
    bundle["log"] = {{"size", log.size()}, {"head", MerkleRoot(leaves)}, {"entries", std::move(entries)}};
  }
  json pb = json::object();
  for (const Budget& budget : process.budgets) {
    auto text = BudgetPabulib(process, budget, published);
    if (!text.ok()) return text.status();
    pb[budget.id] = *text;
  }
  bundle["ballots_pb"] = std::move(pb);
  bundle["channels"] = PublicChannels(ChannelCounts(counted), process.min_group_size);
  bundle["results"] = PublicResults(results, process.min_group_size);
  bundle["web_manifest"] = WebManifest();
  bundle["signature"] = {{"algorithm", "ed25519"}, {"public_key", key.PublicHex()},
                         {"value", key.Sign(BundleSigningMessage(bundle))}};
  return bundle;
}

AuditReport AuditBundle(const json& bundle, const std::string& expected_key) {
  AuditReport report;
  if (!bundle.is_object() || bundle.value("format", json()) != kBundleFormat) {
    report.failed.push_back(std::string("not a results bundle (format is not ") + kBundleFormat + ")");
    return report;
  }
  // 1. Signature.
  const json signature = bundle.value("signature", json());
  const std::string public_key = signature.is_object() ? signature.value("public_key", "") : "";
  const std::string value = signature.is_object() ? signature.value("value", "") : "";
  if (!expected_key.empty() && expected_key != public_key) {
    report.failed.push_back("signature: signed by key " + public_key + ", not the published key " + expected_key);
  }
  if (VerifySignature(public_key, BundleSigningMessage(bundle), value)) {
    report.passed.push_back("signature: valid Ed25519 signature by " + public_key);
  } else {
    report.failed.push_back("signature: does not match the bundle (something was changed after signing, or the signature)");
  }
  CheckManifestShape(bundle, &report);
  // 2. The process definition.
  auto process = bundle.contains("process") ? ParseProcessDefinition(bundle["process"])
                                            : Result<ProcessDefinition>(Status::Invalid("missing"));
  if (!process.ok()) {
    report.failed.push_back("process definition: " + process.status().message());
    return report;
  }
  AuditCorrections(bundle, &report);  // texts corrected while open: replayed, nothing counted changed
  // 3. The log: entries (or leaves) hash to the published head.
  std::vector<json> counted;
  const bool private_receipts = process->receipts == ReceiptMode::kPrivate;
  if (!(private_receipts ? AuditPrivateLog(bundle, *process, &counted, &report)
                         : AuditLogEntries(bundle, *process, &counted, &report))) {
    return report;
  }
  // 4. Each budget's .pb holds exactly the counted ballots of the log.
  const json pb = bundle.value("ballots_pb", json::object());
  for (const Budget& budget : process->budgets) {
    auto expected = BudgetPabulib(*process, budget, counted);
    if (!expected.ok()) {
      report.failed.push_back("budget " + budget.id + ": the log's ballots do not fit it: " + expected.status().message());
      continue;
    }
    if (!pb.contains(budget.id) || pb[budget.id] != *expected) {
      report.failed.push_back("budget " + budget.id + ": the .pb file does not hold exactly the log's ballots");
    } else {
      report.passed.push_back("budget " + budget.id + ": the .pb file holds the log's " +
                              std::to_string(counted.size()) + " counted ballots");
    }
  }
  // 5. Every counted ballot is one a voter could cast, and the channels add up.
  std::size_t ineligible = 0;
  for (std::size_t i = 0; i < counted.size(); ++i) {
    const std::string problem = EligibilityProblem(*process, counted[i]);
    if (!problem.empty() && ++ineligible <= 5) {
      report.failed.push_back("counted ballot " + std::to_string(i + 1) + " " + problem);
    }
  }
  if (ineligible == 0 && (!process->headings.empty() || !process->areas.empty())) {
    report.passed.push_back("eligibility: every counted ballot votes in one budget per heading and one area at most");
  }
  const std::int64_t k = process->min_group_size;
  if (private_receipts) {
    AuditPrivateChannels(bundle.value("channels", json()), counted.size(), &report);
  } else {
    const json channels = ChannelCounts(counted);
    if (!SameCounts(bundle.value("channels", json()), channels, k)) {
      report.failed.push_back("channels: the bundle says " + bundle.value("channels", json()).dump() +
                              ", the log's ballots came " + channels.dump());
    } else {
      report.passed.push_back("channels: " + bundle.value("channels", json()).dump() + " counted ballots, as the log says");
    }
  }
  // 6. Recount and compare with the published results.
  std::vector<std::string> ballots;
  for (const json& b : counted) ballots.push_back(b.dump());
  auto recount = TallyProcess(*process, ballots);
  if (!recount.ok()) {
    report.failed.push_back("recount: " + recount.status().message());
    return report;
  }
  if (private_receipts) {
    report.not_checked.push_back("results: ballots per channel (published ballots carry no channel)");
  }
  const json results = bundle.value("results", json::array());
  for (std::size_t i = 0; i < recount->size(); ++i) {
    const json& mine = (*recount)[i];
    const std::string id = mine["budget"];
    json theirs;
    for (const auto& r : results.is_array() ? results : json::array()) {
      if (r.is_object() && r.value("budget", "") == id) theirs = r;
    }
    if (theirs.is_null()) {
      report.failed.push_back("budget " + id + ": no published result");
      continue;
    }
    if (theirs.value("votes", json()) != mine["votes"]) {
      report.failed.push_back("budget " + id + ": vote counts differ from the ballots");
    }
    if (theirs.value("ballots", json()) != mine["ballots"] ||
        (!private_receipts && !SameCounts(theirs.value("by_channel", json()), mine["by_channel"], k))) {
      report.failed.push_back("budget " + id + ": ballot counts per channel differ from the log: the bundle says " +
                              theirs.value("by_channel", json()).dump() + ", the log " + mine["by_channel"].dump());
    }
    CompareOutcome(id, theirs.value("outcome", json()), mine["outcome"], &report);
    // Who got what: derived from the ballots and the outcome, so recomputed
    // whole, but for its figures by interest-holder group: no published
    // ballot carries its voter's group (that would tie ballots to small groups).
    if (theirs.contains("report") && theirs["report"].is_object() && theirs["report"].contains("by_group")) {
      theirs["report"].erase("by_group");
      report.not_checked.push_back("budget " + id +
                                   ": the who-got-what figures by group (the published ballots carry no group)");
    }
    if (!theirs.contains("report")) {
      if (mine.contains("report")) report.not_checked.push_back("budget " + id + ": the bundle has no who-got-what report");
    } else if (theirs["report"] != mine.value("report", json())) {
      report.failed.push_back("budget " + id + ": the who-got-what report differs from the recount");
    } else if (mine.contains("report")) {
      report.passed.push_back("budget " + id + ": the who-got-what report matches the recount");
    }
  }
  return report;
}

std::optional<std::vector<std::string>> BundleLeaves(const json& bundle) {
  const json log = bundle.value("log", json());
  if (log.is_object() && log.contains("leaves")) {
    if (!log["leaves"].is_array()) return std::nullopt;
    std::vector<std::string> leaves;
    for (const json& leaf : log["leaves"]) {
      if (!leaf.is_string()) return std::nullopt;
      leaves.push_back(leaf);
    }
    return leaves;
  }
  auto entries = Entries(bundle);
  if (!entries) return std::nullopt;
  std::vector<std::string> leaves;
  for (const json& e : *entries) leaves.push_back(LeafHash(e["entry"].get<std::string>()));
  return leaves;
}

ReceiptCheck CheckReceipt(const json& bundle, const std::string& receipt) {
  ReceiptCheck check;
  auto found = BundleLeaves(bundle);
  if (!found) return check;
  const std::vector<std::string>& leaves = *found;
  const auto entries = Entries(bundle);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (leaves[i] != receipt) continue;
    check.found = true;
    check.index = i;
    if (entries && i < entries->size()) check.entry = (*entries)[i]["entry"];
    check.proof = InclusionProof(leaves, i);
    check.proof_ok = VerifyInclusion(receipt, i, leaves.size(), check.proof, bundle["log"].value("head", ""));
    break;
  }
  return check;
}

HeadCheck CheckHead(const json& bundle, std::size_t size, const std::string& head) {
  HeadCheck check;
  auto entries = Entries(bundle);
  const std::string where = "head " + std::to_string(size) + ":" + head + ": ";
  if (!entries) {
    check.message = where + "the bundle's log is missing or malformed";
    return check;
  }
  std::vector<std::string> leaves;
  for (const json& e : *entries) leaves.push_back(LeafHash(e["entry"].get<std::string>()));
  const std::string final_head = bundle["log"].value("head", "");
  if (size > leaves.size()) {
    check.message = where + "the final log holds only " + std::to_string(leaves.size()) +
                    " ballots, fewer than this head covered (ballots were dropped)";
    return check;
  }
  check.proof = ConsistencyProof(leaves, size);
  check.ok = VerifyConsistency(size, head, leaves.size(), final_head, check.proof);
  if (check.ok) {
    check.message = where + "the final log of " + std::to_string(leaves.size()) +
                    " ballots only grew from it (consistency proof of " + std::to_string(check.proof.size()) +
                    " hashes checked against head " + final_head + ")";
  } else {
    const std::vector<std::string> prefix(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(size));
    check.message = where + "the final log does NOT extend it: its first " + std::to_string(size) +
                    " ballots hash to " + MerkleRoot(prefix) +
                    " (ballots seen then were changed, dropped or moved, or the head was noted wrong)";
  }
  return check;
}

}  // namespace psephos::server
