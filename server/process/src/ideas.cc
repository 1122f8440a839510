#include "psephos/server/ideas.h"

#include <algorithm>
#include <set>

#include "process_texts.h"
#include "psephos/server/exports.h"

namespace psephos::server {

using nlohmann::json;

namespace {

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// body[key] as trimmed text of at most `bytes` bytes; no control characters
// (but line breaks where `lines`). The parser already refused bytes that are not UTF-8.
Result<std::string> Text(const json& body, const char* key, std::size_t bytes, bool required, bool lines = false) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) return Status::Invalid(std::string(key) + ": missing");
    return std::string();
  }
  if (!it->is_string()) return Status::Invalid(std::string(key) + ": must be text");
  std::string text = Trim(it->get<std::string>());
  if (required && text.empty()) return Status::Invalid(std::string(key) + ": must not be empty");
  if (text.size() > bytes) {
    return Status::Invalid(std::string(key) + ": at most " + std::to_string(bytes) + " bytes (" +
                           std::to_string(text.size()) + " sent)");
  }
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && !(lines && (c == '\n' || c == '\r' || c == '\t'))) || u == 0x7F) {
      return Status::Invalid(std::string(key) + ": control characters are not taken");
    }
  }
  return text;
}

Status OnlyKeys(const json& body, std::initializer_list<const char*> keys) {
  for (const auto& item : body.items()) {
    const std::string& key = item.key();
    if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; })) {
      return Status::Invalid(key + ": unknown field");
    }
  }
  return Status::Ok();
}

}  // namespace

json IdeaSettingsJson(const IdeaSettings& s) {
  return {{"accepting", s.accepting}, {"open_to_all", s.open_to_all}, {"categories", s.categories}};
}

Result<IdeaSettings> ParseIdeaSettings(const json& body) {
  if (Status s = OnlyKeys(body, {"accepting", "open_to_all", "categories"}); !s.ok()) return s;
  IdeaSettings out;
  for (const char* key : {"accepting", "open_to_all"}) {
    auto it = body.find(key);
    if (it == body.end()) continue;
    if (!it->is_boolean()) return Status::Invalid(std::string(key) + ": true or false");
    (std::string(key) == "accepting" ? out.accepting : out.open_to_all) = it->get<bool>();
  }
  if (auto it = body.find("categories"); it != body.end()) {
    if (!it->is_array() || it->size() > 50) return Status::Invalid("categories: a list of at most 50 names");
    for (std::size_t i = 0; i < it->size(); ++i) {
      json one{{"category", (*it)[i]}};
      auto name = Text(one, "category", 100, true);
      if (!name.ok()) return Status::Invalid("categories[" + std::to_string(i) + "]" + name.status().message().substr(8));
      if (std::find(out.categories.begin(), out.categories.end(), *name) != out.categories.end()) {
        return Status::Invalid("categories[" + std::to_string(i) + "]: \"" + *name + "\" is listed twice");
      }
      out.categories.push_back(std::move(name).value());
    }
  }
  return out;
}

Result<IdeaInput> ParseIdeaInput(const json& body, const IdeaSettings& settings) {
  if (Status s = OnlyKeys(body, {"code", "title", "description", "category", "place", "image"}); !s.ok()) return s;
  IdeaInput in;
  auto code = Text(body, "code", 100, true);
  auto title = Text(body, "title", 200, true);
  auto description = Text(body, "description", 5000, true, true);
  auto category = Text(body, "category", 100, !settings.categories.empty());
  auto place = Text(body, "place", 300, false);
  for (const Status& s : {code.status(), title.status(), description.status(), category.status(), place.status()}) {
    if (!s.ok()) return s;
  }
  in.code = *code;
  in.title = *title;
  in.description = *description;
  in.category = *category;
  in.place = *place;
  const auto& cats = settings.categories;
  if (!cats.empty() && std::find(cats.begin(), cats.end(), in.category) == cats.end()) {
    return Status::Invalid("category: \"" + in.category + "\" is not one of this process's categories");
  }
  auto image = ReadImage(body, "");
  if (!image.ok()) return image.status();
  in.image = std::move(image).value();
  return in;
}

Result<std::string> ParseReason(const json& body, bool required) { return Text(body, "reason", 1000, required, true); }

Result<IdeaDecision> ParseIdeaDecision(const json& body) {
  if (Status s = OnlyKeys(body, {"feasible", "reason", "cost"}); !s.ok()) return s;
  IdeaDecision d;
  auto feasible = body.find("feasible");
  if (feasible == body.end() || !feasible->is_boolean()) return Status::Invalid("feasible: true or false");
  d.feasible = feasible->get<bool>();
  // "Not feasible" is published with its reason: it cannot be left out.
  auto reason = ParseReason(body, !d.feasible);
  if (!reason.ok()) return reason.status();
  d.reason = std::move(reason).value();
  auto cost = body.find("cost");
  if (d.feasible) {
    if (cost == body.end() || !cost->is_number_integer() || cost->get<std::int64_t>() < 1 ||
        cost->get<std::int64_t>() > 1'000'000'000'000) {
      return Status::Invalid("cost: the estimate, a whole number from 1");
    }
    d.cost = cost->get<std::int64_t>();
  } else if (cost != body.end() && !cost->is_null()) {
    return Status::Invalid("cost: only a feasible idea has a cost estimate");
  }
  return d;
}

json IdeaJson(const IdeaState& state, bool committee) {
  const IdeaRecord& i = state.record;
  json j{{"id", i.id},
         {"title", i.title},
         {"description", i.description},
         {"category", i.category},
         {"place", i.place},
         {"image", i.image.empty() ? json() : json::parse(i.image, nullptr, false)},
         {"status", IdeaStatusName(i.status)},
         {"supports", state.supporters.size()},
         {"created_at", i.created_at_ms}};
  // The public reads why an idea is not feasible; a hiding reason is the committee's.
  if (committee || i.status == IdeaStatus::kNotFeasible || i.status == IdeaStatus::kFeasible) j["reason"] = i.reason;
  if (i.merged_into != 0) j["merged_into"] = i.merged_into;
  if (i.cost != 0) j["cost"] = i.cost;
  if (!i.project.empty()) j["project"] = i.project;
  if (committee) {
    j["group"] = i.group;
    j["idea_code"] = i.idea_code;
    json by_group = json::object();
    for (const auto& [hash, group] : state.supporters) {
      const std::string key = group.empty() ? "(none)" : group;
      by_group[key] = by_group.value(key, 0) + 1;
    }
    j["supports_by_group"] = std::move(by_group);
  }
  return j;
}

std::map<std::string, GroupIdeaCounts> CountIdeasByGroup(const IdeaBoard& board) {
  std::map<std::string, GroupIdeaCounts> out;
  std::map<std::string, std::set<std::string>> authors, supporters;
  const auto key = [](const std::string& g) { return g.empty() ? std::string("(none)") : g; };
  for (const auto& [hash, group] : board.codes) ++out[key(group)].idea_codes;
  for (const auto& [id, state] : board.ideas) {
    const IdeaRecord& i = state.record;
    GroupIdeaCounts& c = out[key(i.group)];
    // A merged duplicate still counts: its author was heard (its supports moved).
    ++c.ideas;
    authors[key(i.group)].insert(i.author_hash);
    c.hidden += i.status == IdeaStatus::kHidden ? 1 : 0;
    c.feasible += i.status == IdeaStatus::kFeasible ? 1 : 0;
    c.not_feasible += i.status == IdeaStatus::kNotFeasible ? 1 : 0;
    c.on_ballot += i.project.empty() ? 0 : 1;
    if (i.status == IdeaStatus::kMerged) continue;  // its supports are counted where they moved
    for (const auto& [hash, group] : state.supporters) {
      ++out[key(group)].supports;
      supporters[key(group)].insert(hash);
    }
  }
  for (auto& [group, set] : authors) out[group].authors = static_cast<std::int64_t>(set.size());
  for (auto& [group, set] : supporters) out[group].supporters = static_cast<std::int64_t>(set.size());
  return out;
}

json GroupIdeaCountsJson(const GroupIdeaCounts& c) {
  return {{"voter_codes", c.voter_codes}, {"idea_codes", c.idea_codes}, {"authors", c.authors},
          {"ideas", c.ideas},             {"supporters", c.supporters}, {"supports", c.supports},
          {"hidden", c.hidden},           {"feasible", c.feasible},     {"not_feasible", c.not_feasible},
          {"on_ballot", c.on_ballot},     {"ballots", c.ballots},       {"funded", c.funded},
          {"delivered", c.delivered ? json(*c.delivered) : json()}};
}

std::string CycleReportCsv(const json& report) {
  static const char* kColumns[] = {"voter_codes", "idea_codes", "authors",   "ideas",        "supporters",
                                   "supports",    "hidden",     "feasible", "not_feasible", "on_ballot",
                                   "ballots",     "funded",     "delivered"};
  std::string csv = "group";
  for (const char* c : kColumns) csv += std::string(",") + c;
  csv += "\n";
  const auto row = [&](const std::string& name, const json& counts) {
    csv += CsvField(name);
    for (const char* c : kColumns) {
      const json& v = counts.value(c, json());
      csv += ',';
      if (!v.is_null()) csv += v.dump();
    }
    csv += "\n";
  };
  const json groups = report.value("by_group", json::object());  // kept: items() only refers to it
  for (const auto& [group, counts] : groups.items()) row(group, counts);
  row("(all)", report.value("totals", json::object()));
  return csv;
}

}  // namespace psephos::server
