// The web pages psephos-server serves beside the API: the voting page, results,
// receipt check and organizer pages, built from server/web and embedded into
// the binary at build time (server/cmake/embed_web.cmake).
#pragma once

#include "psephos/server/http.h"
#include "psephos/server/web_files.h"

namespace psephos::server {

// Answers a GET or HEAD for a page or asset:
//   /                      landing page          /admin, /admin/...   organizer pages
//   /vote/<slug>           voting page           /results/<slug>      results
//   /check/<slug>          receipt check         /static/[<version>/]<file>  css, js, i18n, icons
// Pages are not cached (no-cache); versioned assets are immutable for a year.
// Anything else is 404; other methods are 405.
Response ServeStaticSite(const Request& request);

}  // namespace psephos::server
