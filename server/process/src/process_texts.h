// The texts of a definition that voters read in their language, and a
// project's picture: read and written apart from what is counted (process.cc).
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"

namespace psephos::server {

// Reads obj["translations"]: {"<language>": {"<key>": "<text>"}} where each
// language is one of `languages` other than the first (the definition's own
// texts are in the first) and each key one of `keys`. Null when absent.
Result<nlohmann::json> ReadTranslations(const nlohmann::json& obj, const std::string& path,
                                        std::initializer_list<const char*> keys,
                                        const std::vector<std::string>& languages);

// Reads a project's "image": {"width", "height", "files": [{"width", "height", "sha256"}]}
// as POST …/images answered it. Null when absent.
Result<nlohmann::json> ReadImage(const nlohmann::json& obj, const std::string& path);

}  // namespace psephos::server
