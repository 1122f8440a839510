// The files of server/web as built into this binary (server/cmake/embed_web.cmake
// generates their definitions): what the server serves and what the web
// manifest (web_manifest.h) hashes for auditors.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace psephos::server {

// One file of server/web: its path below web/ ("js/vote.js") and its bytes.
struct WebFile {
  std::string_view path;
  std::string_view body;
};

// Defined in the generated web_files.cc.
std::span<const WebFile> EmbeddedWebFiles();
// A hash of every embedded file: asset URLs carry it (/static/<version>/...).
std::string_view EmbeddedWebVersion();

// The bytes served for one file: pages (.html) get "@V@" replaced by
// `version`, so the asset URLs they name change whenever any file does.
std::string ServedBody(std::string_view path, std::string_view body, std::string_view version);

}  // namespace psephos::server
