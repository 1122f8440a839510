// The web pages psephos-server serves beside the API: the voting page, results,
// receipt check and organizer pages, built from server/web and embedded into
// the binary at build time (server/cmake/embed_web.cmake).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "psephos/server/http.h"

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

// Answers a GET or HEAD for a page or asset:
//   /                      landing page          /admin, /admin/...   organizer pages
//   /vote/<slug>           voting page           /results/<slug>      results
//   /check/<slug>          receipt check         /static/[<version>/]<file>  css, js, i18n, icons
// Pages are not cached (no-cache); versioned assets are immutable for a year.
// Anything else is 404; other methods are 405.
Response ServeStaticSite(const Request& request);

}  // namespace psephos::server
