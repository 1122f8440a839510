// Access to the shared pabulib files and pabutools' expected outcomes.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/ballots/pabulib.h"

namespace psephos::test {

inline std::filesystem::path SharedPabulib() { return PSEPHOS_SHARED_PABULIB; }

// Every row of expected.jsonl. Fails the test when the shared data is missing:
// CI lays ../shared beside the checkout, so its absence is an error.
inline std::vector<nlohmann::json> ExpectedRows() {
  const auto path = SharedPabulib() / "expected.jsonl";
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "missing shared data: " << path.string());
  std::vector<nlohmann::json> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

// Parses each shared file once per test binary.
inline const engine::Election& SharedElection(const std::string& file) {
  static std::map<std::string, std::unique_ptr<engine::Election>> cache;
  auto& slot = cache[file];
  if (!slot) {
    auto parsed = ballots::ReadPabulibFile((SharedPabulib() / file).string());
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
    slot = std::make_unique<engine::Election>(std::move(parsed).value());
  }
  return *slot;
}

}  // namespace psephos::test
