#include "psephos/server/compression.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>

namespace psephos::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// "q=0", "q=0.0", "q=0.000": the client refuses this coding.
bool ZeroQuality(std::string_view params) {
  while (!params.empty()) {
    const std::size_t semi = params.find(';');
    std::string_view p = Trim(params.substr(0, semi));
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      std::string_view v = p.substr(2);
      return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c == '0' || c == '.'; });
    }
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
  }
  return false;
}

}  // namespace

bool AcceptsGzip(std::string_view header) {
  bool gzip = false, star = false, gzip_named = false;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view item = Trim(header.substr(0, comma));
    const std::size_t semi = item.find(';');
    const std::string_view name = Trim(item.substr(0, semi));
    const bool refused = semi != std::string_view::npos && ZeroQuality(item.substr(semi + 1));
    if (EqualsNoCase(name, "gzip") || EqualsNoCase(name, "x-gzip")) {
      gzip_named = true;
      gzip = !refused;
    } else if (name == "*") {
      star = !refused;
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return gzip || (!gzip_named && star);
}

bool CompressibleType(std::string_view type) {
  const std::string_view base = Trim(type.substr(0, type.find(';')));
  return base == "text/html" || base == "text/javascript" || base == "application/javascript" || base == "text/css" ||
         base == "application/json" || base == "text/csv" || base == "image/svg+xml" || base == "text/plain";
}

std::string Gzip(std::string_view data, int level) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return result == Z_STREAM_END ? out : std::string();
}

std::optional<std::string> Gunzip(std::string_view data) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[16384];
  int result = Z_OK;
  while (result == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    result = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
    if (result == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated
  }
  const bool whole = result == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  if (!whole) return std::nullopt;
  return out;
}

CompressionContext CompressionContextOf(const Request& request) {
  CompressionContext c;
  c.accepts_gzip = AcceptsGzip(request[http::field::accept_encoding]);
  const bool read_only = request.method() == http::verb::get || request.method() == http::verb::head;
  c.safe = read_only && request.find(http::field::authorization) == request.end() &&
           request.find(http::field::cookie) == request.end();
  return c;
}

void MaybeCompress(const CompressionContext& context, Response& response) {
  if (!CompressibleType(response[http::field::content_type])) return;
  // The same URL answers gzip or not by the request's header: caches must know.
  if (response.find(http::field::vary) == response.end()) response.set(http::field::vary, "Accept-Encoding");
  if (!context.accepts_gzip || !context.safe) return;
  if (response.find(http::field::content_encoding) != response.end()) return;  // precompressed
  if (response.result() == http::status::partial_content || response.find(http::field::content_range) != response.end()) {
    return;  // a byte range names bytes of the plain body
  }
  if (response.body().size() < kMinCompressBytes) return;
  std::string packed = Gzip(response.body(), 5);  // quick enough for megabytes of results on a network thread
  if (packed.empty() || packed.size() >= response.body().size()) return;
  response.body() = std::move(packed);
  response.set(http::field::content_encoding, "gzip");
  // A strong validator names one representation (RFC 9110 8.8.3).
  if (auto etag = response.find(http::field::etag); etag != response.end()) {
    std::string tag(etag->value());
    if (tag.size() >= 2 && tag.back() == '"') response.set(http::field::etag, tag.insert(tag.size() - 1, "-gzip"));
  }
  response.prepare_payload();
}

}  // namespace psephos::server
