// The manifest of the web pages a server serves: every file of server/web by
// its path and the SHA-256 of the bytes served for it. It is public and in the
// signed bundle, so auditors can check what voters' browsers ran (server/AUDIT.md).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"

namespace psephos::server {

// {"version": v, "files": {"js/vote.js": hex, "vote.html": hex, …}} of the
// pages built into this binary; computed once.
const nlohmann::json& WebManifest();

// Hex SHA-256 of the manifest as compact JSON with sorted keys: one value to
// note down and compare.
std::string ManifestHash(const nlohmann::json& manifest);

// The manifest a checkout's server/web directory gives, computed as the build
// embeds it (server/cmake/embed_web.cmake: hidden and editor files left out).
Result<nlohmann::json> ManifestOfDirectory(const std::string& web_dir);

// What is wrong with a manifest's shape, in words; empty when well formed.
std::string ManifestProblem(const nlohmann::json& manifest);

// What differs between a published manifest and one computed locally, in
// words; empty when they match. A malformed published manifest is one difference.
std::vector<std::string> ManifestDifferences(const nlohmann::json& published, const nlohmann::json& local);

}  // namespace psephos::server
