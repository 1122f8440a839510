// Reading and writing elections in the pabulib `.pb` format.
#pragma once

#include <string>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/status.h"

namespace psephos::ballots {

// Parses a whole `.pb` file held in memory. `source_name` (usually the path)
// is used in error messages, which read "<source>:<line>: <field>: <what>".
Result<engine::Election> ParsePabulib(std::string_view text, std::string_view source_name);

// The counted ballot rules (engine::BallotRules) by their pabulib META key and
// by the name the server's JSON uses. Cost limits are money and handled apart.
struct BallotRuleKey {
  std::optional<std::int64_t> engine::BallotRules::*member;
  const char* pabulib_key;
  const char* json_key;
};
inline constexpr BallotRuleKey kBallotRuleKeys[] = {
    {&engine::BallotRules::min_projects, "min_length", "min_projects"},
    {&engine::BallotRules::max_projects, "max_length", "max_projects"},
    {&engine::BallotRules::min_points, "min_points", "min_points"},
    {&engine::BallotRules::max_points, "max_points", "max_points"},
    {&engine::BallotRules::min_total_points, "min_sum_points", "min_total_points"},
    {&engine::BallotRules::max_total_points, "max_sum_points", "max_total_points"},
};

// The optional PROJECTS column naming each project's exclusive group
// (engine::Project::exclusive_group): projects sharing a non-empty label
// exclude each other. Psephos' own column; pabulib files do not have it yet.
inline constexpr const char* kExclusiveGroupColumn = "exclusive_group";

// Reads and parses a `.pb` file from disk.
Result<engine::Election> ReadPabulibFile(const std::string& path);

// Writes an election as `.pb` text. ParsePabulib(WritePabulib(e)) gives back e.
std::string WritePabulib(const engine::Election& election);

// Projects whose PROJECTS column `partial_funding` says 1, true or yes accept
// partial funding (knapsack aggregation), by project index.
std::vector<bool> PartialFundingColumn(const engine::Election& election);

// An amount as written, "1234.50" or "1234,50": {123450, 2}. nullopt when it
// is not a plain decimal number (no exponent, at most 9 decimals).
struct Amount {
  std::int64_t mantissa = 0;
  int decimals = 0;
};
std::optional<Amount> ParseAmount(std::string_view text);
// The amount in Money units of the given scale; nullopt on overflow.
std::optional<engine::Money> ScaleAmount(Amount amount, int scale);

// Renders Money with exactly `scale` decimals: 123450 at scale 2 is "1234.50".
std::string FormatAmount(engine::Money amount, int scale);
// Renders Money with the election's scale, without trailing zeros: "1234.5".
std::string FormatMoney(engine::Money amount, int scale);

}  // namespace psephos::ballots
