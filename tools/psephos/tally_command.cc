// psephos tally: count one election with one rule.
#include <iostream>

#include "commands.h"
#include "psephos/ballots/outcome_json.h"
#include "tally_options.h"
#include "text_report.h"

namespace psephos::cli {

int TallyCommand(const std::vector<std::string>& raw_args) {
  auto fail = [](const Status& s) {
    std::cerr << "psephos tally: " << s.message() << "\n";
    return kExitBadInput;
  };
  auto args = ParseTallyArgs(raw_args);
  if (!args.ok()) return fail(args.status());
  auto setup = LoadTally(*args);
  if (!setup.ok()) return fail(setup.status());
  auto outcome = engine::Tally(setup->election, setup->rule, setup->tie_break, setup->options);
  if (!outcome.ok()) return fail(outcome.status());
  if (args->format == "json") {
    std::cout << ballots::OutcomeToJson(setup->election, *outcome) << "\n";
  } else {
    std::cout << TextReport(setup->election, *outcome);
  }
  return kExitOk;
}

}  // namespace psephos::cli
