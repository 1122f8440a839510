#include "psephos/engine/election.h"

namespace psephos::engine {

const char* BallotTypeName(BallotType type) {
  switch (type) {
    case BallotType::kApproval: return "approval";
    case BallotType::kChoose1: return "choose-1";
    case BallotType::kCumulative: return "cumulative";
    case BallotType::kScoring: return "scoring";
    case BallotType::kOrdinal: return "ordinal";
  }
  return "unknown";
}

const std::string* Project::Attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Profile::Add(std::span<const ProjectIndex> projects, std::span<const std::int64_t> points) {
  projects_.insert(projects_.end(), projects.begin(), projects.end());
  if (!points.empty()) {
    // Points arrive for every ballot or none; backfill if the first came late.
    points_.resize(projects_.size() - projects.size(), 0);
    points_.insert(points_.end(), points.begin(), points.end());
  } else if (!points_.empty()) {
    points_.resize(projects_.size(), 0);
  }
  offsets_.push_back(static_cast<std::uint32_t>(projects_.size()));
}

void Profile::Reserve(std::size_t ballots, std::size_t entries) {
  offsets_.reserve(ballots + 1);
  projects_.reserve(entries);
}

const std::string* Election::Meta(std::string_view key) const {
  for (const auto& [k, v] : meta) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::int64_t Election::FindProject(std::string_view id) const {
  for (std::size_t i = 0; i < projects.size(); ++i) {
    if (projects[i].id == id) return static_cast<std::int64_t>(i);
  }
  return -1;
}

std::vector<std::int64_t> Election::SupportCounts() const {
  std::vector<std::int64_t> counts(projects.size(), 0);
  for (std::size_t b = 0; b < profile.size(); ++b) {
    for (ProjectIndex p : profile.projects(b)) ++counts[p];
  }
  return counts;
}

bool Election::HasExclusiveGroups() const {
  for (const auto& p : projects) {
    if (!p.exclusive_group.empty()) return true;
  }
  return false;
}

}  // namespace psephos::engine
