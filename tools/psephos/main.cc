#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

namespace {

constexpr const char* kUsage =
    "usage: psephos <command> [options]\n"
    "\n"
    "commands:\n"
    "  tally FILE.pb --rule RULE [--tie-break file|id|cost|order:FILE] [--format text|json]\n"
    "                [--threshold N] [--seats N] [--rank-points 3,2,1]\n"
    "                [--reserve-share N] [--comparison none|satisfaction|exclusion] [--threads N]\n"
    "      Count an election with a rule and print the funded projects and every round.\n"
    "      RULE: greedy, greedy-card, greedy-score, greedy-no-skip, greedy-threshold,\n"
    "      greedy-reserve, greedy-borda, mes, mes-card, mes-add1, mes-borda,\n"
    "      equalshares-add1, equalshares-add1u, phragmen, irv, stv, schulze, knapsack,\n"
    "      or official (the rule named in the file's META, as the city counted it).\n"
    "      --tie-break: file = the PROJECTS order as published (default of official),\n"
    "      id = project ids as text (the default otherwise), cost = cheaper first,\n"
    "      order:FILE = one project id a line. Every tie broken is reported.\n"
    "      --threshold N: projects scoring less are out (greedy rules).\n"
    "      --reserve-share N: greedy-reserve (Poznań: 80) funds the project that stops\n"
    "      the count from a reserve when the money left covers N% of its cost.\n"
    "      --comparison: equalshares-*: keep greedy by votes instead when more voters\n"
    "      prefer it (by approved projects funded, or by having none funded).\n"
    "      --seats N: winners for stv (default: as many equal-cost projects as fit).\n"
    "      --rank-points: points per place for ranked ballots under greedy-score.\n"
    "      --threads N: mes-add1 and equalshares-* try N budgets at once (default: one\n"
    "      per core); the outcome is the same with any N.\n"
    "      --partial increasing|fractional|equalizing: knapsack's sharing of the last\n"
    "      money among tied projects that accept partial funding; --divisible\n"
    "      column|all|none: which do (column: PROJECTS partial_funding = 1/true/yes).\n"
    "      Projects sharing a PROJECTS exclusive_group label exclude each other under\n"
    "      every rule: funding one rules out the rest of its group.\n"
    "  explain FILE.pb --rule RULE [--project ID] [--format text|json] [tally's options]\n"
    "      Say why the rule funded project ID or not: the round that decided it, its\n"
    "      votes, cost and the money left at its turn; greedy rules: what was funded\n"
    "      before it or the threshold it missed; equal shares: rho and the price per\n"
    "      supporter, or what its supporters held at the end and the support it\n"
    "      lacked; phragmen: the max load; irv/stv/schulze: its round or rank.\n"
    "      An unknown project id is bad input (exit 2).\n"
    "  check FILE.pb\n"
    "      Recount a pabulib file with its own official rule (--rule official, ties\n"
    "      in file order) and compare with what it publishes: the PROJECTS selected\n"
    "      column (Poznań's 2 = from the reserve; other 2/3 = outside money, not\n"
    "      compared) and the votes/score columns against the ballots. Every\n"
    "      difference is named: project, published, recounted, likely cause (tie,\n"
    "      withdrawn project, missing data). Exit 0: all match; 1: a difference;\n"
    "      2: bad input.\n"
    "  report FILE.pb --rule RULE [--compare RULE2] [--by COLUMN] [--map FILE.svg]\n"
    "                 [--format text|json] [tally's options]\n"
    "      Who got what: money spent and left; the share of voters with none of\n"
    "      their projects funded, their funded projects on average (number and\n"
    "      cost) and how many had 0, 1, 2... funded, for all voters and for those\n"
    "      who chose two or more; per project its votes, cost, funded or not and\n"
    "      effective support (equal shares: what its supporters held when it was\n"
    "      funded or dropped out, over its cost; greedy: its votes over the votes it\n"
    "      needed). --compare: a second rule side by side, the projects only one\n"
    "      funds and the voters better off under each. --by: voter column (sex,\n"
    "      age in bands, neighborhood, voting_method...). PROJECTS category and\n"
    "      target: share of votes against share of the money. --map: an SVG map of\n"
    "      funded and unfunded projects (PROJECTS latitude, longitude) per rule.\n"
    "      Tally's options apply to both rules.\n"
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
  // `psephos COMMAND --help`: that command's part of the usage.
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {
    const std::string usage = kUsage;
    const std::size_t start = usage.find("\n  " + command + "\n") != std::string::npos
                                  ? usage.find("\n  " + command + "\n")
                                  : usage.find("\n  " + command + " ");
    if (start != std::string::npos) {
      // Up to the next command: a line indented by exactly two spaces.
      std::size_t end = start + 1;
      do {
        end = usage.find('\n', end) + 1;
      } while (end < usage.size() && usage.compare(end, 4, "    ") == 0);
      std::cout << "usage: psephos " << usage.substr(start + 3, end - start - 3);
      return psephos::cli::kExitOk;
    }
  }
  try {
    if (command == "tally") return psephos::cli::TallyCommand(args);
    if (command == "explain") return psephos::cli::ExplainCommand(args);
    if (command == "audit") return psephos::cli::AuditCommand(args);
    if (command == "check") return psephos::cli::CheckCommand(args);
    if (command == "report") return psephos::cli::ReportCommand(args);
  } catch (const std::exception& e) {
    std::cerr << "psephos " << command << ": internal error: " << e.what() << "\n";
    return psephos::cli::kExitFailure;
  }
  std::cerr << "psephos: unknown command '" << command << "'\n\n" << kUsage;
  return psephos::cli::kExitBadInput;
}
