#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

namespace {

constexpr const char* kUsage =
    "usage: psephos <command> [options]\n"
    "\n"
    "commands:\n"
    "  tally FILE.pb --rule RULE [--tie-break id|cost|order:FILE] [--format text|json]\n"
    "                [--threshold N] [--seats N] [--rank-points 3,2,1]\n"
    "      Count an election with a rule and print the funded projects and every round.\n"
    "      RULE: greedy, greedy-card, greedy-score, greedy-no-skip, greedy-threshold,\n"
    "      greedy-borda, mes, mes-card, mes-add1, mes-borda, phragmen, irv, stv,\n"
    "      schulze, knapsack, or official (the rule named in the file's META).\n"
    "      --threshold N: projects scoring less are out (greedy rules).\n"
    "      --seats N: winners for stv (default: as many equal-cost projects as fit).\n"
    "      --rank-points: points per place for ranked ballots under greedy-score.\n"
    "      --partial increasing|fractional|equalizing: knapsack's sharing of the last\n"
    "      money among tied projects that accept partial funding; --divisible\n"
    "      column|all|none: which do (column: PROJECTS partial_funding = 1/true/yes).\n"
    "  explain FILE.pb --rule RULE --project ID [--format text|json] [tally's options]\n"
    "      Say why the rule funded project ID or not: the round that decided it, its\n"
    "      votes, cost and the money left at its turn; greedy rules: what was funded\n"
    "      before it or the threshold it missed; equal shares: rho and the price per\n"
    "      supporter, or what its supporters held at the end and the support it\n"
    "      lacked; phragmen: the max load; irv/stv/schulze: its round or rank.\n"
    "      An unknown project id is bad input (exit 2).\n"
    "  audit BUNDLE.json [--key PUBLIC_KEY] [--receipt RECEIPT] [--head SIZE:HEX]... [--web DIR]\n"
    "      Check a results bundle: its signature, the ballot log against its head,\n"
    "      each budget's ballots, and a recount of every budget round by round.\n"
    "      --receipt proves that one ballot is in the log; --head (repeatable) that\n"
    "      a board head noted earlier is a prefix of the final log; --web that the\n"
    "      served web pages are exactly those of a checkout's server/web. Exit 0:\n"
    "      all holds; 1: a mismatch (named); 2: bad input.\n"
    "  help\n"
    "      Show this text.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? psephos::cli::kExitBadInput : psephos::cli::kExitOk;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "tally") return psephos::cli::TallyCommand(args);
    if (command == "explain") return psephos::cli::ExplainCommand(args);
    if (command == "audit") return psephos::cli::AuditCommand(args);
  } catch (const std::exception& e) {
    std::cerr << "psephos " << command << ": internal error: " << e.what() << "\n";
    return psephos::cli::kExitFailure;
  }
  std::cerr << "psephos: unknown command '" << command << "'\n\n" << kUsage;
  return psephos::cli::kExitBadInput;
}
