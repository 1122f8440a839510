// psephos audit: re-checks a published results bundle end to end.
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "psephos/server/bundle.h"

namespace psephos::cli {
namespace {

// Private receipts: what the bundle by design does not let anyone check.
void PrintNotChecked(const server::AuditReport& report) {
  for (const auto& line : report.not_checked) std::cout << "n/a      cannot check " << line << "\n";
}

}  // namespace

int AuditCommand(const std::vector<std::string>& args) {
  std::string file, key, receipt;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--key" || a == "--receipt") && i + 1 < args.size()) {
      (a == "--key" ? key : receipt) = args[++i];
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
  const nlohmann::json bundle = nlohmann::json::parse(text.str(), nullptr, false);
  if (bundle.is_discarded()) {
    std::cerr << "psephos audit: " << file << " is not JSON\n";
    return kExitBadInput;
  }

  const server::AuditReport report = server::AuditBundle(bundle, key);
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
  const bool ok = report.ok() && receipt_ok;
  std::cout << (ok ? "AUDIT PASSED" : "AUDIT FAILED") << ": " << file << "\n";
  return ok ? kExitOk : kExitFailure;
}

}  // namespace psephos::cli
