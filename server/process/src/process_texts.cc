#include "process_texts.h"

#include <algorithm>

#include "psephos/server/hex.h"

namespace psephos::server {

using nlohmann::json;

Result<json> ReadTranslations(const json& obj, const std::string& path, std::initializer_list<const char*> keys,
                              const std::vector<std::string>& languages) {
  auto it = obj.find("translations");
  if (it == obj.end() || it->is_null()) return json();
  const std::string at = path + "translations";
  if (!it->is_object()) return Status::Invalid(at + ": must be an object {\"<language>\": {\"<text>\": \"…\"}}");
  json out = json::object();
  for (const auto& [language, texts] : it->items()) {
    const std::string where = at + "." + language;
    const bool known = std::find(languages.begin(), languages.end(), language) != languages.end();
    if (!known) return Status::Invalid(where + ": not one of the process's languages");
    if (!languages.empty() && language == languages.front()) {
      return Status::Invalid(where + ": " + language + " is the definition's own language: write these texts "
                             "in the fields themselves");
    }
    if (!texts.is_object()) return Status::Invalid(where + ": must be an object of texts");
    json kept = json::object();
    for (const auto& item : texts.items()) {
      const std::string key = item.key();  // not a structured binding: lambdas capture it (clang 14)
      const json& text = item.value();
      const bool allowed = std::any_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; });
      if (!allowed) {
        std::string list;
        for (const char* k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
        return Status::Invalid(where + "." + key + ": not a text of this object (" + list + ")");
      }
      if (!text.is_string()) return Status::Invalid(where + "." + key + ": must be a string");
      if (text.get<std::string>().size() > 20000) return Status::Invalid(where + "." + key + ": longer than 20000 bytes");
      // An empty translation means "as the default language": not kept.
      if (!text.get<std::string>().empty()) kept[key] = text;
    }
    if (!kept.empty()) out[language] = std::move(kept);
  }
  if (out.empty()) return json();
  return out;
}

namespace {

bool IsSha256Hex(const json& v) { return v.is_string() && IsHex(v.get_ref<const std::string&>(), 32); }

bool IsSide(const json& v) {
  return v.is_number_integer() && v.get<std::int64_t>() >= 1 && v.get<std::int64_t>() <= 100000;
}

}  // namespace

Result<json> ReadImage(const json& obj, const std::string& path) {
  auto it = obj.find("image");
  if (it == obj.end() || it->is_null()) return json();
  const std::string at = path + "image";
  const json& image = *it;
  const auto bad = [&](const std::string& what) {
    return Status::Invalid(at + what + " (send the \"image\" that POST …/images answered)");
  };
  if (!image.is_object()) return bad(": must be an object");
  for (const auto& [key, value] : image.items()) {
    if (key != "width" && key != "height" && key != "files") return bad("." + key + ": unknown field");
  }
  if (!IsSide(image.value("width", json())) || !IsSide(image.value("height", json()))) {
    return bad(": width and height must be whole numbers of pixels");
  }
  const json files = image.value("files", json());
  if (!files.is_array() || files.empty() || files.size() > 8) return bad(".files: must list 1 to 8 files");
  json out{{"width", image["width"]}, {"height", image["height"]}, {"files", json::array()}};
  for (std::size_t i = 0; i < files.size(); ++i) {
    const json& f = files[i];
    const std::string fp = ".files[" + std::to_string(i) + "]";
    if (!f.is_object() || f.size() != 3 || !IsSide(f.value("width", json())) || !IsSide(f.value("height", json())) ||
        !IsSha256Hex(f.value("sha256", json()))) {
      return bad(fp + ": must be {\"width\", \"height\", \"sha256\"}");
    }
    out["files"].push_back({{"width", f["width"]}, {"height", f["height"]}, {"sha256", f["sha256"]}});
  }
  return out;
}

}  // namespace psephos::server
