// psephos check: recount a pabulib file with its own official rule and name
// every difference with what the file publishes.
#include <iostream>

#include "commands.h"
#include "psephos/ballots/official_check.h"
#include "psephos/ballots/pabulib.h"

namespace psephos::cli {

int CheckCommand(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0].starts_with("--")) {
    std::cerr << "psephos check: give exactly one election file (psephos check FILE.pb)\n";
    return kExitBadInput;
  }
  auto election = ballots::ReadPabulibFile(args[0]);
  if (!election.ok()) {
    std::cerr << "psephos check: " << election.status().message() << "\n";
    return kExitBadInput;
  }
  const ballots::OfficialCheck check = ballots::CheckOfficialOutcome(*election);
  const std::string* rule = election->Meta("rule");
  std::cout << "file: " << args[0] << "\n";
  std::cout << "META rule: " << (rule ? *rule : std::string("(none)")) << "    recounted with: "
            << (check.rule.empty() ? std::string("(nothing: see below)") : check.rule)
            << "    tie-break: " << check.tie_break << "\n";
  if (check.has_selected && !check.rule.empty()) {
    std::cout << "projects compared: " << check.projects_compared << "\n";
  }
  for (const auto& note : check.notes) std::cout << "note: " << note << "\n";
  for (const auto& d : check.differences) {
    std::cout << "DIFFERENCE " << (d.project.empty() ? std::string("(file)") : "project " + d.project) << ", "
              << d.what;
    if (!d.published.empty() || !d.recounted.empty()) {
      std::cout << ": published " << (d.published.empty() ? "-" : d.published) << ", recounted "
                << (d.recounted.empty() ? "-" : d.recounted);
    }
    std::cout << "\n    likely cause: " << d.cause << "\n";
  }
  if (check.ok()) {
    std::cout << "CHECK PASSED: the recount gives the published "
              << (check.has_selected ? "outcome, votes and scores" : "votes and scores") << "\n";
    return kExitOk;
  }
  std::cout << "CHECK FAILED: " << check.differences.size()
            << (check.differences.size() == 1 ? " difference\n" : " differences\n");
  return kExitFailure;
}

}  // namespace psephos::cli
