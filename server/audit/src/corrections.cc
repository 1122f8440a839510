#include "psephos/server/corrections.h"

#include <regex>

#include "psephos/server/bundle.h"

namespace psephos::server {

using nlohmann::json;

namespace {

// Texts of each object, as paths from the definition's root.
const std::regex kTextField(
    R"(^(?:(?:title|description)|headings\[\d+\]\.title|budgets\[\d+\]\.title|)"
    R"(budgets\[\d+\]\.projects\[\d+\]\.(?:name|description|details|location|image))$)");
// A translations object, one language's, or one text of it.
const std::regex kTranslation(
    R"(^(?:|headings\[\d+\]\.|budgets\[\d+\]\.|budgets\[\d+\]\.projects\[\d+\]\.)translations(?:\.[A-Za-z0-9_-]+(?:\.[a-z]+)?)?$)");

std::string Join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

void Diff(const json& a, const json& b, const std::string& path, std::vector<Change>* out, std::string* refused) {
  if (!refused->empty() || a == b) return;
  const bool text = !path.empty() && std::regex_match(path, kTextField);
  const bool translation = std::regex_match(path, kTranslation);
  // Recorded whole: a text, a picture, or translations added or removed.
  if (text || (translation && (!a.is_object() || !b.is_object()))) {
    out->push_back({0, "", path, a, b});
    return;
  }
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) Diff(value, b.contains(key) ? b[key] : json(), Join(path, key), out, refused);
    for (const auto& [key, value] : b.items()) {
      if (!a.contains(key)) Diff(json(), value, Join(path, key), out, refused);
    }
    return;
  }
  if (a.is_array() && b.is_array() && a.size() == b.size()) {
    for (std::size_t i = 0; i < a.size(); ++i) Diff(a[i], b[i], path + "[" + std::to_string(i) + "]", out, refused);
    return;
  }
  *refused = path;
}

// The JSON pointer of a field path: budgets[0].projects[2].name -> /budgets/0/projects/2/name.
json::json_pointer Pointer(const std::string& field) {
  std::string pointer;
  std::string token;
  const auto flush = [&] {
    if (token.empty()) return;
    std::string escaped;
    for (char c : token) escaped += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    pointer += "/" + escaped;
    token.clear();
  };
  for (char c : field) {
    if (c == '.' || c == '[') {
      flush();
    } else if (c != ']') {
      token += c;
    }
  }
  flush();
  return json::json_pointer(pointer);
}

}  // namespace

bool CorrectableField(std::string_view field) {
  const std::string f(field);
  return std::regex_match(f, kTextField) || (!f.empty() && std::regex_match(f, kTranslation));
}

Result<std::vector<Change>> DiffCorrection(const json& before, const json& after) {
  std::vector<Change> out;
  std::string refused;
  Diff(before, after, "", &out, &refused);
  if (!refused.empty()) {
    return Status::Invalid(refused + ": cannot change while voting is open (names, descriptions, translations, "
                           "locations and pictures can be corrected; costs, budgets, rules, limits and the projects "
                           "themselves cannot)");
  }
  return out;
}

Result<json> ReplayChanges(json definition, const std::vector<Change>& changes, bool forward) {
  for (std::size_t n = 0; n < changes.size(); ++n) {
    const Change& c = changes[forward ? n : changes.size() - 1 - n];
    const std::string which = "change " + std::to_string((forward ? n : changes.size() - 1 - n) + 1) + " (" + c.field + ")";
    if (!CorrectableField(c.field)) return Status::Invalid(which + ": not a field that may change while voting is open");
    const json::json_pointer at = Pointer(c.field);
    const json& from = forward ? c.before : c.after;
    const json& to = forward ? c.after : c.before;
    if (!at.empty() && !definition.contains(at.parent_pointer())) return Status::Invalid(which + ": no such field");
    const json now = definition.contains(at) ? definition.at(at) : json();
    if (now != from) return Status::Invalid(which + ": the field holds " + now.dump() + ", not " + from.dump());
    if (to.is_null()) {
      definition.at(at.parent_pointer()).erase(at.back());
    } else {
      definition[at] = to;
    }
  }
  return definition;
}

json ChangesJson(const std::vector<Change>& changes) {
  json out = json::array();
  for (const Change& c : changes) {
    out.push_back({{"at", c.at_ms}, {"by", c.by}, {"field", c.field}, {"before", c.before}, {"after", c.after}});
  }
  return out;
}

Result<std::vector<Change>> ParseChanges(const json& list) {
  if (!list.is_array()) return Status::Invalid("changes: must be a list");
  std::vector<Change> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& c = list[i];
    if (!c.is_object() || !c.value("at", json()).is_number_integer() || !c.value("by", json()).is_string() ||
        !c.value("field", json()).is_string() || !c.contains("before") || !c.contains("after")) {
      return Status::Invalid("changes[" + std::to_string(i) + "]: must be {\"at\", \"by\", \"field\", \"before\", \"after\"}");
    }
    out.push_back({c["at"].get<std::int64_t>(), c["by"], c["field"], c["before"], c["after"]});
  }
  return out;
}

void AuditCorrections(const json& bundle, AuditReport* report) {
  if (!bundle.contains("corrections")) {
    report->passed.push_back("corrections: none while voting was open");
    return;
  }
  const json& corrections = bundle["corrections"];
  const json original = corrections.is_object() ? corrections.value("original", json()) : json();
  auto changes = ParseChanges(corrections.is_object() ? corrections.value("changes", json()) : json());
  if (!original.is_object() || !changes.ok()) {
    report->failed.push_back("corrections: not {\"original\", \"changes\"}" +
                             (changes.ok() ? std::string() : ": " + changes.status().message()));
    return;
  }
  auto replayed = ReplayChanges(original, *changes);
  if (!replayed.ok()) {
    report->failed.push_back("corrections: " + replayed.status().message());
    return;
  }
  if (*replayed != bundle.value("process", json())) {
    report->failed.push_back("corrections: replayed on the original definition, the changes do not give the published one");
    return;
  }
  // Nothing counted differs (the replay could only touch text fields, but say it outright).
  auto diff = DiffCorrection(original, bundle["process"]);
  if (!diff.ok()) {
    report->failed.push_back("corrections: " + diff.status().message());
    return;
  }
  report->passed.push_back("corrections: " + std::to_string(changes->size()) +
                           " changes replay from the definition as opened to the published one; only texts and "
                           "pictures changed");
}

}  // namespace psephos::server
