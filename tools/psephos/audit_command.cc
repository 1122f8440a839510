// psephos audit: re-checks a published results bundle end to end.
#include <cctype>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "psephos/ballots/json_reader.h"
#include "psephos/server/bundle.h"
#include "psephos/server/web_manifest.h"

namespace psephos::cli {
namespace {

struct NotedHead {
  std::size_t size = 0;
  std::string hex;
};

// "SIZE:HEX" as the board shows it ({"ballots": SIZE, "head": HEX}).
std::optional<NotedHead> ParseHead(const std::string& text) {
  const std::size_t colon = text.find(':');
  if (colon == 0 || colon == std::string::npos || colon > 15 || text.size() - colon - 1 != 64) return std::nullopt;
  NotedHead head;
  for (std::size_t i = 0; i < colon; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    head.size = head.size * 10 + static_cast<std::size_t>(text[i] - '0');
  }
  for (std::size_t i = colon + 1; i < text.size(); ++i) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    head.hex += c;
  }
  return head;
}

// Heads noted while voting: each must be a prefix of the final log.
bool CheckHeads(const nlohmann::json& bundle, const std::vector<NotedHead>& heads) {
  bool ok = true;
  for (const NotedHead& h : heads) {
    const server::HeadCheck check = server::CheckHead(bundle, h.size, h.hex);
    std::cout << (check.ok ? "ok       " : "MISMATCH ") << check.message << "\n";
    ok = ok && check.ok;
  }
  return ok;
}

// The bundle's web manifest against a checkout's server/web.
bool CheckWeb(const nlohmann::json& bundle, const std::string& web_dir) {
  auto local = server::ManifestOfDirectory(web_dir);
  if (!local.ok()) {
    std::cout << "MISMATCH web pages: " << local.status().message() << "\n";
    return false;
  }
  const auto differences = server::ManifestDifferences(bundle.value("web_manifest", nlohmann::json()), *local);
  for (const std::string& d : differences) std::cout << "MISMATCH web page " << d << "\n";
  if (differences.empty()) {
    std::cout << "ok       web pages: the " << (*local)["files"].size() << " files of " << web_dir
              << " are exactly the served ones (manifest sha256 " << server::ManifestHash(*local) << ")\n";
  }
  return differences.empty();
}

// Private receipts: what the bundle by design does not let anyone check.
void PrintNotChecked(const server::AuditReport& report) {
  for (const auto& line : report.not_checked) std::cout << "n/a      cannot check " << line << "\n";
}

}  // namespace

int AuditCommand(const std::vector<std::string>& args) {
  std::string file, key, receipt, web_dir;
  std::vector<NotedHead> heads;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--key" || a == "--receipt") && i + 1 < args.size()) {
      (a == "--key" ? key : receipt) = args[++i];
    } else if (a == "--web" && i + 1 < args.size()) {
      web_dir = args[++i];
    } else if (a == "--head" && i + 1 < args.size()) {
      auto head = ParseHead(args[++i]);
      if (!head) {
        std::cerr << "psephos audit: --head wants SIZE:HEX, the board's ballot count and 64-digit head, got "
                  << args[i] << "\n";
        return kExitBadInput;
      }
      heads.push_back(*head);
    } else if (a.rfind("--", 0) == 0) {
      std::cerr << "psephos audit: unknown option or missing value: " << a << "\n";
      return kExitBadInput;
    } else if (file.empty()) {
      file = a;
    } else {
      std::cerr << "psephos audit: one bundle at a time\n";
      return kExitBadInput;
    }
  }
  if (file.empty()) {
    std::cerr << "psephos audit: no bundle given\n";
    return kExitBadInput;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "psephos audit: cannot open " << file << "\n";
    return kExitBadInput;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ballots::ParseJson(text.str());
  if (!parsed.ok()) {
    std::cerr << "psephos audit: " << file << " is not valid JSON: " << parsed.status().message() << "\n";
    return kExitBadInput;
  }
  const nlohmann::json bundle = std::move(parsed).value();

  const server::AuditReport report = server::AuditBundle(bundle, key);
  if (key.empty()) {
    // Whoever rewrote a bundle can sign it with a key of their own: only the published key proves who signed.
    const nlohmann::json signature = bundle.value("signature", nlohmann::json::object());
    const std::string own = signature.is_object() ? signature.value("public_key", std::string("(none)")) : "(none)";
    std::cout << "WARNING  no --key given: trusting the key inside the bundle itself, " << own
              << ". Anyone who rewrote the bundle could have signed it with their own key: compare this key with "
                 "the one the organizers published (the results page, GET /api/v1/key) and pass it with --key.\n";
  }
  for (const auto& line : report.passed) std::cout << "ok       " << line << "\n";
  for (const auto& line : report.failed) std::cout << "MISMATCH " << line << "\n";
  PrintNotChecked(report);
  bool receipt_ok = true;
  if (!receipt.empty()) {
    const server::ReceiptCheck check = server::CheckReceipt(bundle, receipt);
    receipt_ok = check.found && check.proof_ok;
    if (!check.found) {
      std::cout << "MISMATCH receipt " << receipt << ": no ballot in the log has it\n";
    } else {
      std::cout << (check.proof_ok ? "ok       " : "MISMATCH ") << "receipt " << receipt << ": ballot "
                << check.index + 1 << " of the log, inclusion proof of " << check.proof.size() << " hashes "
                << (check.proof_ok ? "leads to the head" : "does NOT lead to the head") << "\n";
      if (!check.entry.empty()) {
        std::cout << "         entry: " << check.entry << "\n";
      } else {
        std::cout << "         private receipts: this proves the ballot is in the log; the bundle does not say which "
                     "ballot it is or whether it counted\n";
      }
    }
  }
  const bool heads_ok = CheckHeads(bundle, heads);
  const bool web_ok = web_dir.empty() || CheckWeb(bundle, web_dir);
  const bool ok = report.ok() && receipt_ok && heads_ok && web_ok;
  std::cout << (ok ? "AUDIT PASSED" : "AUDIT FAILED") << ": " << file << "\n";
  return ok ? kExitOk : kExitFailure;
}

}  // namespace psephos::cli
