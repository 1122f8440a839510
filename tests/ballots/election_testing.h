// Helpers shared by the pabulib tests: reading files, listing the shared
// pabulib set, and comparing two elections field by field.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "psephos/engine/election.h"

namespace psephos::testing {

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string TestDataPath(const std::string& name) {
  return std::string(PSEPHOS_TEST_DATA) + "/pabulib/" + name;
}

// Every .pb file of the shared pabulib set, sorted by name.
inline std::vector<std::string> SharedPabulibFiles() {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(PSEPHOS_SHARED_PABULIB, error)) {
    if (entry.path().extension() == ".pb") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A description of the first difference between two elections, or "" when
// they are equal in every field. One string keeps doctest's output short
// even for elections with tens of thousands of ballots.
inline std::string FirstDifference(const engine::Election& a, const engine::Election& b) {
  std::ostringstream why;
  if (a.meta != b.meta) {
    for (std::size_t i = 0; i < std::min(a.meta.size(), b.meta.size()); ++i) {
      if (a.meta[i] != b.meta[i]) {
        why << "meta[" << i << "]: " << a.meta[i].first << "=" << a.meta[i].second << " vs "
            << b.meta[i].first << "=" << b.meta[i].second;
        return why.str();
      }
    }
    why << "meta sizes " << a.meta.size() << " vs " << b.meta.size();
    return why.str();
  }
  if (a.budget != b.budget) return "budget " + std::to_string(a.budget) + " vs " + std::to_string(b.budget);
  if (a.money_scale != b.money_scale) {
    return "money_scale " + std::to_string(a.money_scale) + " vs " + std::to_string(b.money_scale);
  }
  if (a.ballot_type != b.ballot_type) return "ballot_type differs";
  if (a.projects.size() != b.projects.size()) return "project counts differ";
  for (std::size_t i = 0; i < a.projects.size(); ++i) {
    const engine::Project& p = a.projects[i];
    const engine::Project& q = b.projects[i];
    if (p.id != q.id) return "project " + std::to_string(i) + " id " + p.id + " vs " + q.id;
    if (p.cost != q.cost) return "project " + p.id + " cost";
    if (p.attributes != q.attributes) return "project " + p.id + " attributes";
    if (p.exclusive_group != q.exclusive_group) return "project " + p.id + " exclusive group";
  }
  if (a.profile.size() != b.profile.size()) return "ballot counts differ";
  if (a.profile.has_points() != b.profile.has_points()) return "has_points differs";
  for (std::size_t i = 0; i < a.profile.size(); ++i) {
    if (!std::ranges::equal(a.profile.projects(i), b.profile.projects(i))) {
      return "ballot " + std::to_string(i) + " projects";
    }
    if (!std::ranges::equal(a.profile.points(i), b.profile.points(i))) {
      return "ballot " + std::to_string(i) + " points";
    }
  }
  if (a.voter_columns != b.voter_columns) return "voter_columns differ";
  if (a.voter_values != b.voter_values) return "voter_values differ";
  return "";
}

}  // namespace psephos::testing
