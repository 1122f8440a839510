// Serves the embedded web pages and assets (see static_site.h).
#include "psephos/server/static_site.h"

#include <map>
#include <string>

#include "psephos/server/compression.h"
#include "psephos/server/secrets.h"
#include "psephos/server/slug.h"

namespace psephos::server {
namespace {

struct Asset {
  std::string body;
  const char* content_type;
  std::string gzip;  // compressed once, at start; empty when not worth it
  std::string etag;  // "<first 20 hex of the body's SHA-256>"
};

Asset MakeAsset(std::string body, const char* content_type) {
  Asset a{std::move(body), content_type, {}, {}};
  a.etag = Sha256Hex(a.body).substr(0, 20);
  a.etag.insert(a.etag.begin(), '"');
  a.etag.push_back('"');
  if (CompressibleType(content_type) && a.body.size() >= kMinCompressBytes) {
    std::string packed = Gzip(a.body, 9);
    if (!packed.empty() && packed.size() < a.body.size()) a.gzip = std::move(packed);
  }
  return a;
}

const char* ContentType(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// Every file by its path below web/, as served.
class Site {
 public:
  Site() : version_(EmbeddedWebVersion()) {
    for (const WebFile& f : EmbeddedWebFiles()) {
      files_.emplace(std::string(f.path), MakeAsset(ServedBody(f.path, f.body, version_), ContentType(f.path)));
    }
  }

  const Asset* Find(std::string_view path) const {
    auto it = files_.find(path);
    return it == files_.end() ? nullptr : &it->second;
  }
  const std::string& version() const { return version_; }

 private:
  std::string version_;
  std::map<std::string, Asset, std::less<>> files_;
};

const Site& TheSite() {
  static const Site site;
  return site;
}

// The page for a path, or empty.
std::string_view PageFor(std::string_view path) {
  if (path == "/" || path == "/index.html") return "index.html";
  if (path == "/admin" || path.starts_with("/admin/")) return "admin.html";
  // In person: the process and the device token travel in the fragment, never to the server's logs.
  if (path == "/kiosk") return "kiosk.html";
  if (path == "/clerk") return "clerk.html";
  if (path == "/paper") return "paper.html";
  for (auto [prefix, page] : {std::pair<std::string_view, std::string_view>{"/vote/", "vote.html"},
                              {"/results/", "results.html"},
                              {"/check/", "check.html"},
                              {"/ideas/", "ideas.html"},     // the community's ideas (ideas_api.cc)
                              {"/review/", "review.html"},  // the steering committee's review of them
                              {"/progress/", "progress.html"}}) {
    if (!path.starts_with(prefix)) continue;
    std::string_view slug = path.substr(prefix.size());
    if (slug.ends_with('/')) slug.remove_suffix(1);
    return IsValidSlug(slug) ? page : std::string_view();
  }
  return {};
}

Response Make(http::status status, std::string body, const char* content_type, const char* cache) {
  Response r{status, 11};
  r.set(http::field::content_type, content_type);
  r.set(http::field::cache_control, cache);
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

Response NotFoundPage() {
  return Make(http::status::not_found,
              "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Not found</title>"
              "<h1>Not found</h1><p><a href=\"/\">Psephos home</a></p></html>\n",
              "text/html; charset=utf-8", "no-store");
}

// An asset as the request asks for it: gzip when accepted, 304 when the
// client's copy (If-None-Match) is this one; ETag and Vary always.
Response Serve(const Request& request, const Asset& asset, const char* cache) {
  const bool gzip = !asset.gzip.empty() && AcceptsGzip(request[http::field::accept_encoding]);
  std::string etag = asset.etag;
  if (gzip) etag.insert(etag.size() - 1, "-gzip");
  const std::string_view if_none_match = request[http::field::if_none_match];
  const bool fresh = !if_none_match.empty() && (if_none_match == "*" || if_none_match.find(etag) != std::string_view::npos);
  Response r = Make(fresh ? http::status::not_modified : http::status::ok, fresh ? std::string() : gzip ? asset.gzip : asset.body,
                    asset.content_type, cache);
  r.set(http::field::etag, etag);
  if (CompressibleType(asset.content_type)) r.set(http::field::vary, "Accept-Encoding");
  if (gzip) r.set(http::field::content_encoding, "gzip");
  return r;
}

}  // namespace

Response ServeStaticSite(const Request& request) {
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    Response r = Make(http::status::method_not_allowed, "use GET\n", "text/plain; charset=utf-8", "no-store");
    r.set(http::field::allow, "GET, HEAD");
    return r;
  }
  const Site& site = TheSite();
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));

  if (const std::string_view page = PageFor(path); !page.empty()) {
    const Asset* asset = site.Find(page);
    if (!asset) return NotFoundPage();
    return Serve(request, *asset, "no-cache");
  }
  constexpr std::string_view kStatic = "/static/";
  if (!path.starts_with(kStatic)) return NotFoundPage();
  std::string_view rel = path.substr(kStatic.size());
  // /static/<version>/file is immutable; a page from an older build may still
  // name another version: it gets today's file, not cached.
  bool current = false;
  if (const std::size_t slash = rel.find('/'); slash != std::string_view::npos) {
    const std::string_view first = rel.substr(0, slash);
    if (first == site.version()) {
      current = true;
      rel.remove_prefix(slash + 1);
    } else if (first.size() == site.version().size() && !site.Find(rel)) {
      rel.remove_prefix(slash + 1);
    }
  }
  if (rel.ends_with(".html") || rel.find("..") != std::string_view::npos) return NotFoundPage();
  const Asset* asset = site.Find(rel);
  if (!asset) return NotFoundPage();
  return Serve(request, *asset, current ? "public, max-age=31536000, immutable" : "no-cache");
}

}  // namespace psephos::server
