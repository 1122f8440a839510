#include "psephos/server/web_manifest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "psephos/server/hex.h"
#include "psephos/server/secrets.h"
#include "psephos/server/web_files.h"

namespace psephos::server {
namespace {

using nlohmann::json;

// As embed_web.cmake: the first 12 hex digits of SHA-256 over "path:hash\n" of
// every file (hashes of the files as stored), in path order.
std::string Version(const std::vector<std::pair<std::string, std::string>>& sorted_files) {
  std::string all;
  for (const auto& [path, body] : sorted_files) all += path + ":" + Sha256Hex(body) + "\n";
  return Sha256Hex(all).substr(0, 12);
}

json Manifest(const std::vector<std::pair<std::string, std::string>>& sorted_files, const std::string& version) {
  json files = json::object();
  for (const auto& [path, body] : sorted_files) files[path] = Sha256Hex(ServedBody(path, body, version));
  return {{"version", version}, {"files", std::move(files)}};
}

bool IsHex64(const json& v) { return v.is_string() && IsHex(v.get_ref<const std::string&>(), 32); }

}  // namespace

const json& WebManifest() {
  static const json manifest = [] {
    std::vector<std::pair<std::string, std::string>> files;
    for (const WebFile& f : EmbeddedWebFiles()) files.emplace_back(std::string(f.path), std::string(f.body));
    std::sort(files.begin(), files.end());
    return Manifest(files, std::string(EmbeddedWebVersion()));
  }();
  return manifest;
}

std::string ManifestHash(const json& manifest) { return Sha256Hex(manifest.dump()); }

Result<json> ManifestOfDirectory(const std::string& web_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(web_dir, ec)) return Status::Invalid(web_dir + ": not a directory");
  std::vector<std::pair<std::string, std::string>> files;
  for (fs::recursive_directory_iterator it(web_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string rel = fs::relative(it->path(), web_dir, ec).generic_string();
    // embed_web.cmake's filter: no hidden file or folder, no editor backup.
    if (rel.empty() || rel.front() == '.' || rel.find("/.") != std::string::npos || rel.back() == '~') continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::stringstream body;
    body << in.rdbuf();
    if (!in) return Status::Invalid(it->path().string() + ": cannot be read");
    files.emplace_back(rel, body.str());
  }
  if (ec) return Status::Invalid(web_dir + ": " + ec.message());
  if (files.empty()) return Status::Invalid(web_dir + ": no files");
  std::sort(files.begin(), files.end());
  return Manifest(files, Version(files));
}

std::string ManifestProblem(const json& manifest) {
  if (!manifest.is_object() || !manifest.contains("version") || !manifest["version"].is_string() ||
      !manifest.contains("files") || !manifest["files"].is_object() || manifest["files"].empty()) {
    return "malformed: it needs \"version\" and \"files\" (path: hash)";
  }
  for (const auto& [path, hash] : manifest["files"].items()) {
    if (!IsHex64(hash)) return path + ": the hash " + hash.dump() + " is not 64 hex digits";
  }
  return "";
}

std::vector<std::string> ManifestDifferences(const json& published, const json& local) {
  if (std::string problem = ManifestProblem(published); !problem.empty()) return {"the manifest is " + problem};
  std::vector<std::string> out;
  const json& theirs = published["files"];
  const json& mine = local.at("files");
  for (const auto& [path, hash] : theirs.items()) {
    if (!mine.contains(path)) {
      out.push_back(path + ": served (hash " + hash.get<std::string>() + ") but not in the local files");
    } else if (mine[path] != hash) {
      out.push_back(path + ": served with hash " + hash.get<std::string>() + ", the local file gives " +
                    mine[path].get<std::string>());
    }
  }
  for (const auto& item : mine.items()) {
    if (!theirs.contains(item.key())) out.push_back(item.key() + ": in the local files but not served");
  }
  if (published["version"] != local.at("version")) {
    out.push_back("version: the manifest says " + published["version"].get<std::string>() + ", the local files give " +
                  local.at("version").get<std::string>());
  }
  return out;
}

std::string ServedBody(std::string_view path, std::string_view body, std::string_view version) {
  std::string out(body);
  if (!path.ends_with(".html")) return out;
  for (std::size_t at = out.find("@V@"); at != std::string::npos; at = out.find("@V@", at)) {
    out.replace(at, 3, version);
    at += version.size();
  }
  return out;
}

}  // namespace psephos::server
