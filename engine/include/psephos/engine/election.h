// The election model: projects with costs, a budget, and a profile of ballots.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace psephos::engine {

// Money is integral: the currency's amount times 10^Election::money_scale, so
// that "1234.50" with scale 2 is 123450. Every rule is scale-invariant.
using Money = std::int64_t;
using ProjectIndex = std::uint32_t;

enum class BallotType { kApproval, kChoose1, kCumulative, kScoring, kOrdinal };

const char* BallotTypeName(BallotType type);

// A key/value pair kept verbatim (META entries, extra project or voter columns).
using Field = std::pair<std::string, std::string>;

struct Project {
  std::string id;
  Money cost = 0;
  // Every other column of the project's row (name, votes, category, ...), in
  // file order, kept for round trips and display. Rules never read them.
  std::vector<Field> attributes;
  // Projects sharing a non-empty label exclude each other (two proposals for
  // one site): at most one of them is funded, by every rule.
  std::string exclusive_group;

  const std::string* Attribute(std::string_view key) const;
};

// Ballots in compressed rows: ballot b lists projects[offsets[b] .. offsets[b+1]).
// Ordinal ballots keep the voter's order (most preferred first); approval
// ballots are sets in file order. points is parallel to projects for
// cumulative and scoring ballots and empty otherwise.
class Profile {
 public:
  std::size_t size() const { return offsets_.size() - 1; }
  std::span<const ProjectIndex> projects(std::size_t ballot) const {
    return {projects_.data() + offsets_[ballot], projects_.data() + offsets_[ballot + 1]};
  }
  std::span<const std::int64_t> points(std::size_t ballot) const {
    if (points_.empty()) return {};
    return {points_.data() + offsets_[ballot], points_.data() + offsets_[ballot + 1]};
  }
  bool has_points() const { return !points_.empty(); }
  std::size_t total_entries() const { return projects_.size(); }

  // Appends one ballot. `points` is empty or as long as `projects`.
  void Add(std::span<const ProjectIndex> projects, std::span<const std::int64_t> points = {});
  void Reserve(std::size_t ballots, std::size_t entries);

 private:
  std::vector<std::uint32_t> offsets_{0};
  std::vector<ProjectIndex> projects_;
  std::vector<std::int64_t> points_;
};

// What a valid ballot may hold, as the organizers set it (pabulib META
// min_length, max_length, min_sum_cost, max_sum_cost, min_points, max_points,
// min_sum_points, max_sum_points). Unset means no limit.
struct BallotRules {
  std::optional<std::int64_t> min_projects;
  std::optional<std::int64_t> max_projects;
  std::optional<Money> min_cost;  // total cost of the chosen projects (Decidim's minimum share)
  std::optional<Money> max_cost;  // knapsack ballots: at most the budget
  std::optional<std::int64_t> min_points;  // per project on the ballot
  std::optional<std::int64_t> max_points;
  std::optional<std::int64_t> min_total_points;
  std::optional<std::int64_t> max_total_points;

  bool operator==(const BallotRules&) const = default;
};

struct Election {
  std::vector<Field> meta;  // every META entry in file order, as read
  std::vector<Project> projects;
  Money budget = 0;
  int money_scale = 0;  // decimal digits of Money (see Money)
  BallotType ballot_type = BallotType::kApproval;
  BallotRules rules;
  Profile profile;
  // Voter columns other than vote/points: names, then one row per ballot.
  std::vector<std::string> voter_columns;  // voter_columns[0] is "voter_id"
  std::vector<std::string> voter_values;   // ballots x voter_columns, row-major

  const std::string* Meta(std::string_view key) const;
  // The index of the project with this id, or -1.
  std::int64_t FindProject(std::string_view id) const;
  // Number of ballots listing each project (approvals, or ballots giving points).
  std::vector<std::int64_t> SupportCounts() const;
  // Whether any project belongs to an exclusive group.
  bool HasExclusiveGroups() const;
};

}  // namespace psephos::engine
