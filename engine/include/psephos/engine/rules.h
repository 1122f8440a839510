// The rules Psephos counts with, by the names the field uses.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/outcome.h"
#include "psephos/engine/status.h"
#include "psephos/engine/tie_break.h"

namespace psephos::engine {

enum class RuleKind {
  kGreedy,           // greedy utilitarian, cost satisfaction: by votes
  kGreedyCard,       // greedy utilitarian, cardinality satisfaction: by votes per cost
  kGreedyNoSkip,     // by votes, stop at the first project that does not fit
  kGreedyThreshold,  // by votes, projects under the threshold are out
  kMes,              // Method of Equal Shares, cost satisfaction
  kMesCard,          // Method of Equal Shares, cardinality satisfaction
  kMesAdd1,          // iterated MES: voter budget +1 until exhaustive or infeasible
  kPhragmen,         // sequential Phragmén
};

struct RuleOptions {
  // Projects with fewer supporters are never funded. Required by
  // greedy-threshold; also honoured by greedy-no-skip when set.
  std::optional<std::int64_t> min_supporters;
};

// Parses a rule name ("greedy", "mes-add1", ...). Unknown names are an error
// listing the known ones.
Result<RuleKind> ParseRule(std::string_view name);
const char* RuleName(RuleKind rule);
std::vector<std::string> RuleNames();

// Runs `rule` on `election`. Refuses, with a clear message, a rule that does
// not fit the election's ballot type.
Result<Outcome> Tally(const Election& election, RuleKind rule, const TieBreak& tie_break,
                      const RuleOptions& options = {});

}  // namespace psephos::engine
