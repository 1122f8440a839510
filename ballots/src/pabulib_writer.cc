// Writes an engine::Election as pabulib `.pb` text that ParsePabulib reads back
// to the same election.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pabulib_internal.h"
#include "psephos/ballots/pabulib.h"

namespace psephos::ballots {
namespace {

using engine::BallotType;
using engine::Election;
using engine::Money;

// A field needs quotes if unquoted it would split, lose spaces to trimming, or
// (first in its row) read as a section title.
bool NeedsQuotes(std::string_view field, bool first_in_row) {
  if (field.find_first_of(";\"\r\n") != std::string_view::npos) return true;
  if (!field.empty() && (internal::IsBlank(field.front()) || internal::IsBlank(field.back()))) return true;
  if (first_in_row) {
    for (std::string_view title : {"meta", "projects", "votes"}) {
      if (internal::EqualsIgnoreCase(field, title)) return true;
    }
  }
  return false;
}

void AppendField(std::string* out, std::string_view field, bool first_in_row = false) {
  if (!first_in_row) out->push_back(';');
  if (!NeedsQuotes(field, first_in_row)) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

// The META budget as written: the original text when it still says the same
// amount (so "3009585,74" survives a round trip), else the amount itself.
// The scale the written file shows without the budget: projects' costs are
// written at the full scale, cost limits (META) as they were read.
int ScaleBesidesBudget(const Election& election) {
  if (!election.projects.empty()) return election.money_scale;
  // As the reader does: the last of a repeated key counts.
  const std::string* limits[2] = {nullptr, nullptr};
  for (const auto& [key, value] : election.meta) {
    if (key == "min_sum_cost") limits[0] = &value;
    if (key == "max_sum_cost") limits[1] = &value;
  }
  int scale = 0;
  for (const std::string* text : limits) {
    internal::Decimal limit;
    if (text != nullptr && internal::ParseDecimal(*text, &limit) == internal::DecimalError::kNone) {
      scale = std::max(scale, limit.decimals);
    }
  }
  return scale;
}

std::string BudgetText(const Election& election, const std::string* original) {
  if (original != nullptr) {
    internal::Decimal value;
    if (internal::ParseDecimal(*original, &value) == internal::DecimalError::kNone &&
        internal::ScaleDecimal(value, election.money_scale) == election.budget &&
        std::max(value.decimals, ScaleBesidesBudget(election)) == election.money_scale) {
      return *original;
    }
  }
  return FormatAmount(election.budget, election.money_scale);
}

std::string VoteTypeText(const Election& election, const std::string* original) {
  if (original != nullptr && internal::ParseBallotType(*original) == election.ballot_type) return *original;
  return engine::BallotTypeName(election.ballot_type);
}

void WriteMeta(const Election& election, std::string* out) {
  out->append("META\nkey;value\n");
  bool wrote_budget = false;
  bool wrote_vote_type = false;
  for (const auto& [key, value] : election.meta) {
    // A second budget or vote_type would make the file unreadable; skip it.
    if (key == "budget") {
      if (wrote_budget) continue;
      wrote_budget = true;
      AppendField(out, key, true);
      AppendField(out, BudgetText(election, &value));
    } else if (key == "vote_type") {
      if (wrote_vote_type) continue;
      wrote_vote_type = true;
      AppendField(out, key, true);
      AppendField(out, VoteTypeText(election, &value));
    } else {
      AppendField(out, key, true);
      AppendField(out, value);
    }
    out->push_back('\n');
  }
  if (!wrote_budget) {
    out->append("budget;");
    out->append(BudgetText(election, nullptr));
    out->push_back('\n');
  }
  if (!wrote_vote_type) {
    out->append("vote_type;");
    out->append(VoteTypeText(election, nullptr));
    out->push_back('\n');
  }
}

void WriteProjects(const Election& election, std::string* out) {
  // Attribute columns in order of first appearance over all projects.
  std::vector<std::string_view> keys;
  for (const engine::Project& project : election.projects) {
    for (const auto& [key, value] : project.attributes) {
      if (key == "project_id" || key == "cost" || key == kExclusiveGroupColumn) continue;
      bool known = false;
      for (std::string_view k : keys) known = known || k == key;
      if (!known) keys.push_back(key);
    }
  }
  const bool groups = election.HasExclusiveGroups();
  out->append("PROJECTS\nproject_id;cost");
  for (std::string_view key : keys) AppendField(out, key);
  if (groups) AppendField(out, kExclusiveGroupColumn);
  out->push_back('\n');
  for (const engine::Project& project : election.projects) {
    AppendField(out, project.id, true);
    AppendField(out, FormatAmount(project.cost, election.money_scale));
    for (std::string_view key : keys) {
      const std::string* value = project.Attribute(key);
      AppendField(out, value != nullptr ? std::string_view(*value) : std::string_view());
    }
    if (groups) AppendField(out, project.exclusive_group);
    out->push_back('\n');
  }
}

void WriteVotes(const Election& election, std::string* out) {
  const engine::Profile& profile = election.profile;
  // A file without VOTES reads back with no ballots and no voter columns.
  if (profile.size() == 0 && election.voter_columns.empty()) return;
  const bool write_points = profile.has_points() || election.ballot_type == BallotType::kCumulative ||
                            election.ballot_type == BallotType::kScoring;
  const std::vector<std::string>& columns = election.voter_columns;
  // Columns the writer produces itself are not copied from voter_columns.
  std::vector<std::size_t> extra_columns;
  for (std::size_t c = 1; c < columns.size(); ++c) {
    if (columns[c] == "vote" || (write_points && columns[c] == "points")) continue;
    extra_columns.push_back(c);
  }
  const auto value_at = [&](std::size_t ballot, std::size_t column) -> std::string_view {
    const std::size_t i = ballot * columns.size() + column;
    return i < election.voter_values.size() ? std::string_view(election.voter_values[i]) : std::string_view();
  };

  out->append("VOTES\n");
  AppendField(out, columns.empty() ? std::string_view("voter_id") : std::string_view(columns[0]), true);
  out->append(";vote");
  if (write_points) out->append(";points");
  for (std::size_t c : extra_columns) AppendField(out, columns[c]);
  out->push_back('\n');

  std::string list;  // reused for each vote and points field
  for (std::size_t b = 0; b < profile.size(); ++b) {
    if (columns.empty()) {
      out->append(std::to_string(b + 1));
    } else {
      AppendField(out, value_at(b, 0), true);
    }
    list.clear();
    for (engine::ProjectIndex p : profile.projects(b)) {
      if (!list.empty()) list.push_back(',');
      list.append(p < election.projects.size() ? election.projects[p].id : std::string());
    }
    AppendField(out, list);
    if (write_points) {
      list.clear();
      for (std::int64_t points : profile.points(b)) {
        if (!list.empty()) list.push_back(',');
        list.append(std::to_string(points));
      }
      AppendField(out, list);
    }
    for (std::size_t c : extra_columns) AppendField(out, value_at(b, c));
    out->push_back('\n');
  }
}

}  // namespace

std::string FormatAmount(Money amount, int scale) {
  // Unsigned magnitude, so that INT64_MIN is no special case.
  std::uint64_t magnitude = amount < 0 ? 0 - static_cast<std::uint64_t>(amount)
                                       : static_cast<std::uint64_t>(amount);
  std::string reversed;
  int written = 0;
  do {
    if (written == scale && scale > 0) reversed.push_back('.');
    reversed.push_back(static_cast<char>('0' + magnitude % 10));
    magnitude /= 10;
    ++written;
  } while (magnitude > 0 || written <= scale);
  if (amount < 0) reversed.push_back('-');
  return std::string(reversed.rbegin(), reversed.rend());
}

std::string FormatMoney(Money amount, int scale) {
  std::string text = FormatAmount(amount, scale);
  if (scale > 0) {
    // Trailing zeros say nothing about the amount: "1234.50" is "1234.5".
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string WritePabulib(const Election& election) {
  std::string out;
  // A rough guess of the output size; it only saves reallocations.
  out.reserve(4096 + election.profile.total_entries() * 8 + election.voter_values.size() * 12);
  WriteMeta(election, &out);
  WriteProjects(election, &out);
  WriteVotes(election, &out);
  return out;
}

std::vector<bool> PartialFundingColumn(const engine::Election& election) {
  std::vector<bool> partial;
  for (const auto& project : election.projects) {
    const std::string* value = project.Attribute("partial_funding");
    partial.push_back(value && (*value == "1" || *value == "true" || *value == "yes"));
  }
  return partial;
}

std::optional<Amount> ParseAmount(std::string_view text) {
  internal::Decimal decimal;
  if (internal::ParseDecimal(text, &decimal) != internal::DecimalError::kNone) return std::nullopt;
  return Amount{decimal.mantissa, decimal.decimals};
}

std::optional<engine::Money> ScaleAmount(Amount amount, int scale) {
  if (amount.decimals > scale) return std::nullopt;
  return internal::ScaleDecimal(internal::Decimal{amount.mantissa, amount.decimals}, scale);
}

}  // namespace psephos::ballots
