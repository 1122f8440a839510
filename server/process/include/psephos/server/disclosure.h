// What public counts may show: never a group, area or channel with fewer than
// k voters (the process's min_group_size). Organizers' own routes keep exact
// numbers; everything the public reads goes through here (server/AUDIT.md).
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace psephos::server {

// How a hidden count reads: "<k" when it is below k; "hidden" when it is k or
// more but hidden too, so that a small one cannot be worked out from the total.
inline constexpr const char* kHiddenCount = "hidden";

// Hides, in place, the counts of one breakdown whose total is public: every
// count below k, then the smallest others until the hidden ones are at least
// two and add up to k or more (or all are hidden). `show_zero`: a 0 stays
// (channels: "nobody voted on paper" is about nobody); for groups and areas a
// 0 says that its few members did not vote, so it is hidden too.
void HideSmallCounts(const std::vector<nlohmann::json*>& counts, std::int64_t k, bool show_zero);

// The turnout (Api::Turnout's shape) as the public sees it: voted and ballots
// per group and area, ballots per channel, and totals below k, hidden.
// Codes, budgets and headings stay (a budget's ballots are part of its results).
nlohmann::json PublicTurnout(const nlohmann::json& turnout, std::int64_t k);

// Per-channel counts {"online": n, ...} whose sum is public, with small ones hidden.
nlohmann::json PublicChannels(const nlohmann::json& channels, std::int64_t k);

// A report's by_group rows as published: the row of a group whose voters are
// hidden (HideSmallCounts) becomes {"value", "hidden": "<k" or "hidden"}.
nlohmann::json PublicByGroup(const nlohmann::json& by_group, std::int64_t k);

// Tally results (TallyProcess's shape) as published: each budget's by_channel
// and its report's by_group hidden where small.
nlohmann::json PublicResults(const nlohmann::json& results, std::int64_t k);

}  // namespace psephos::server
