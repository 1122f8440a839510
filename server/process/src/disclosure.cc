#include "psephos/server/disclosure.h"

#include <algorithm>
#include <string>

namespace psephos::server {

using nlohmann::json;

namespace {

std::string Below(std::int64_t k) {
  std::string text = std::to_string(k);
  text.insert(text.begin(), '<');  // not "<" + ...: GCC 12 warns falsely (-Wrestrict) on that
  return text;
}

// The counts of one field of each entry of a breakdown ({"student": {"voted": 3}, ...}).
std::vector<json*> Field(json& breakdown, const char* field) {
  std::vector<json*> out;
  for (auto& [key, entry] : breakdown.items()) {
    if (entry.is_object() && entry.contains(field)) out.push_back(&entry[field]);
  }
  return out;
}

void HideTotal(json& total, std::int64_t k) {
  if (k > 1 && total.is_number_integer() && total.get<std::int64_t>() < k) total = Below(k);
}

}  // namespace

void HideSmallCounts(const std::vector<json*>& counts, std::int64_t k, bool show_zero) {
  if (k <= 1) return;  // k = 1: every count is shown
  std::vector<json*> shown;
  std::int64_t hidden_sum = 0;
  std::size_t hidden = 0;
  for (json* c : counts) {
    if (!c->is_number_integer()) continue;
    if (show_zero && c->get<std::int64_t>() == 0) continue;  // nobody: says nothing about anyone
    if (c->get<std::int64_t>() < k) {
      hidden_sum += c->get<std::int64_t>();
      ++hidden;
      *c = Below(k);
    } else {
      shown.push_back(c);
    }
  }
  if (hidden == 0) return;
  // The total minus the shown counts gives the sum of the hidden ones: hide
  // more until that sum says nothing about any one of them.
  std::sort(shown.begin(), shown.end(), [](const json* a, const json* b) { return a->get<std::int64_t>() < b->get<std::int64_t>(); });
  for (json* c : shown) {
    if (hidden >= 2 && hidden_sum >= k) break;
    hidden_sum += c->get<std::int64_t>();
    ++hidden;
    *c = kHiddenCount;
  }
}

json PublicTurnout(const json& turnout, std::int64_t k) {
  json t = turnout;
  for (const char* breakdown : {"by_group", "by_area"}) {
    if (!t.contains(breakdown) || !t[breakdown].is_object()) continue;
    HideSmallCounts(Field(t[breakdown], "voted"), k, /*show_zero=*/false);
    HideSmallCounts(Field(t[breakdown], "ballots"), k, /*show_zero=*/false);
  }
  if (t.contains("by_channel")) t["by_channel"] = PublicChannels(t["by_channel"], k);
  // Walk-ins' ballots are a group of their own: the total says what it says.
  if (t.contains("walk_ins") && t.contains("by_group") && t["by_group"].contains("(walk-in)")) {
    t["walk_ins"] = t["by_group"]["(walk-in)"].value("ballots", json());
  }
  for (const char* total : {"voted", "ballots"}) {
    if (t.contains(total)) HideTotal(t[total], k);
  }
  t["min_group_size"] = k;
  return t;
}

json PublicChannels(const json& channels, std::int64_t k) {
  json out = channels;
  if (!out.is_object()) return out;
  std::vector<json*> counts;
  for (auto& [name, n] : out.items()) counts.push_back(&n);
  HideSmallCounts(counts, k, /*show_zero=*/true);
  return out;
}

json PublicByGroup(const json& by_group, std::int64_t k) {
  json out = by_group;
  if (!out.is_array()) return out;
  std::vector<json*> voters;
  for (json& row : out) {
    if (row.is_object() && row.contains("figures") && row["figures"].is_object() && row["figures"].contains("voters")) {
      voters.push_back(&row["figures"]["voters"]);
    }
  }
  HideSmallCounts(voters, k, /*show_zero=*/false);
  // A hidden count hides its whole row: every figure of a few voters says
  // something about each of them.
  for (json& row : out) {
    if (!row.is_object() || !row.contains("figures") || !row["figures"].is_object()) continue;
    const json count = row["figures"].value("voters", json());
    if (count.is_number_integer()) continue;
    row = json{{"value", row.value("value", json())}, {"hidden", count}};
  }
  return out;
}

json PublicResults(const json& results, std::int64_t k) {
  json out = results;
  if (!out.is_array()) return out;
  for (json& budget : out) {
    if (!budget.is_object()) continue;
    if (budget.contains("by_channel")) budget["by_channel"] = PublicChannels(budget["by_channel"], k);
    if (budget.contains("report") && budget["report"].is_object() && budget["report"].contains("by_group")) {
      budget["report"]["by_group"] = PublicByGroup(budget["report"]["by_group"], k);
    }
  }
  return out;
}

}  // namespace psephos::server
