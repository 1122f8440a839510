#include "psephos/engine/tie_break.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace psephos::engine {
namespace {

std::vector<std::uint32_t> RanksFromOrder(const std::vector<ProjectIndex>& order) {
  std::vector<std::uint32_t> rank(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) rank[order[i]] = static_cast<std::uint32_t>(i);
  return rank;
}

std::vector<ProjectIndex> AllProjects(const Election& election) {
  std::vector<ProjectIndex> order(election.projects.size());
  std::iota(order.begin(), order.end(), ProjectIndex{0});
  return order;
}

}  // namespace

Result<TieBreakOrder> ParseTieBreakOrder(std::string_view name) {
  if (name == "id") return TieBreakOrder::kId;
  if (name == "cost") return TieBreakOrder::kCost;
  if (name == "file") return TieBreakOrder::kFile;
  return Status::Invalid("unknown tie-break '" + std::string(name) + "' (known: id, cost, file)");
}

const char* TieBreakOrderName(TieBreakOrder order) {
  switch (order) {
    case TieBreakOrder::kId: return "id";
    case TieBreakOrder::kCost: return "cost";
    case TieBreakOrder::kFile: return "file";
  }
  return "id";
}

TieBreak TieBreak::By(const Election& election, TieBreakOrder order) {
  switch (order) {
    case TieBreakOrder::kCost: return ByCost(election);
    case TieBreakOrder::kFile: return ByFile(election);
    case TieBreakOrder::kId: break;
  }
  return ById(election);
}

TieBreak TieBreak::ById(const Election& election) {
  auto order = AllProjects(election);
  // Byte order of UTF-8 equals code point order, as Python compares str.
  std::sort(order.begin(), order.end(), [&](ProjectIndex a, ProjectIndex b) {
    return election.projects[a].id < election.projects[b].id;
  });
  return TieBreak("id", RanksFromOrder(order));
}

TieBreak TieBreak::ByCost(const Election& election) {
  auto order = AllProjects(election);
  const auto support = election.SupportCounts();
  std::sort(order.begin(), order.end(), [&](ProjectIndex a, ProjectIndex b) {
    const auto& pa = election.projects[a];
    const auto& pb = election.projects[b];
    if (pa.cost != pb.cost) return pa.cost < pb.cost;
    if (support[a] != support[b]) return support[a] > support[b];
    return pa.id < pb.id;
  });
  return TieBreak("cost", RanksFromOrder(order));
}

TieBreak TieBreak::ByFile(const Election& election) {
  return TieBreak("file", RanksFromOrder(AllProjects(election)));
}

Result<TieBreak> TieBreak::Explicit(const Election& election, const std::vector<std::string>& ids) {
  std::unordered_map<std::string_view, ProjectIndex> index;
  for (std::size_t i = 0; i < election.projects.size(); ++i) {
    index.emplace(election.projects[i].id, static_cast<ProjectIndex>(i));
  }
  std::vector<ProjectIndex> order;
  std::vector<bool> seen(election.projects.size(), false);
  for (std::size_t line = 0; line < ids.size(); ++line) {
    auto it = index.find(ids[line]);
    if (it == index.end()) {
      return Status::Invalid("tie-break order, entry " + std::to_string(line + 1) +
                             ": unknown project id '" + ids[line] + "'");
    }
    if (seen[it->second]) {
      return Status::Invalid("tie-break order, entry " + std::to_string(line + 1) +
                             ": project '" + ids[line] + "' is listed twice");
    }
    seen[it->second] = true;
    order.push_back(it->second);
  }
  std::string missing;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) missing += (missing.empty() ? "" : ", ") + election.projects[i].id;
  }
  if (!missing.empty()) {
    return Status::Invalid("tie-break order does not list every project; missing: " + missing);
  }
  return TieBreak("order", RanksFromOrder(order));
}

}  // namespace psephos::engine
