// Tie-breaking is an explicit input to every rule: a strict total order on projects.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/status.h"

namespace psephos::engine {

// The built-in orders a tie-break can follow by name (an explicit order is the fourth kind).
enum class TieBreakOrder { kId, kCost, kFile };
Result<TieBreakOrder> ParseTieBreakOrder(std::string_view name);  // "id", "cost", "file"
const char* TieBreakOrderName(TieBreakOrder order);

class TieBreak {
 public:
  // pabutools' lexicographic order of project ids as strings ("1001" before "104").
  static TieBreak ById(const Election& election);
  // Cheaper first, then more supporters, then id.
  static TieBreak ByCost(const Election& election);
  // The projects' order in the election itself: a pabulib file's PROJECTS
  // section as published (cities list their ranking there), a definition's
  // project list. What `--rule official` breaks ties by.
  static TieBreak ByFile(const Election& election);
  static TieBreak By(const Election& election, TieBreakOrder order);
  // An explicit order of every project id, first preferred (named "order").
  static Result<TieBreak> Explicit(const Election& election, const std::vector<std::string>& ids);

  const std::string& name() const { return name_; }
  // True when a wins a tie against b.
  bool Prefers(ProjectIndex a, ProjectIndex b) const { return rank_[a] < rank_[b]; }
  std::uint32_t rank(ProjectIndex p) const { return rank_[p]; }

 private:
  TieBreak(std::string name, std::vector<std::uint32_t> rank)
      : name_(std::move(name)), rank_(std::move(rank)) {}
  std::string name_;
  std::vector<std::uint32_t> rank_;  // rank_[project]: 0 wins every tie
};

}  // namespace psephos::engine
