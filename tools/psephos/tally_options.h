// The arguments shared by the commands that count an election (tally,
// explain): the file, the rule and its options, the tie-break, the format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/rules.h"
#include "psephos/engine/status.h"
#include "psephos/engine/tie_break.h"

namespace psephos::cli {

struct TallyArgs {
  std::string file;
  std::string rule;
  std::string tie_break;  // empty: file for --rule official, else id
  std::string format = "text";
  std::optional<std::int64_t> threshold;
  std::optional<int> seats;
  std::vector<std::int64_t> rank_points;
  std::string partial_policy = "increasing";
  std::string divisible = "column";
  std::optional<std::int64_t> reserve_share;  // greedy-reserve: --reserve-share N (percent)
  std::string comparison = "none";            // equalshares-*: --comparison
  std::string project;  // explain: --project ID (none: every project)
  int threads = 0;      // --threads N: mes-add1 and equalshares-*'s runs at once (0: one per core)
};

// Parses FILE --rule R [options]. With `with_project`, --project ID is
// accepted.
Result<TallyArgs> ParseTallyArgs(const std::vector<std::string>& args, bool with_project = false);

// An election read from its file, with the rule, options and tie-break the
// arguments name (--rule official: the file's own rule).
struct TallySetup {
  engine::Election election;
  engine::RuleKind rule;
  engine::RuleOptions options;
  engine::TieBreak tie_break;
};
Result<TallySetup> LoadTally(const TallyArgs& args);
// The same for an election already read (report: a second rule on one file).
Result<TallySetup> SetupTally(const TallyArgs& args, engine::Election election);

}  // namespace psephos::cli
