// gzip for responses (zlib). Compressed: pages, scripts, styles, JSON and CSV
// of at least kMinCompressBytes, for clients that accept gzip. Never
// compressed, against BREACH (a secret guessed from compressed lengths): a
// response to a request that carries credentials (Authorization or Cookie),
// and any answer to a method other than GET and HEAD — those are the only
// responses that can hold a secret (codes, device tokens, sessions) beside
// text an attacker chose. Pages and assets hold no secret and are always
// compressible; assets are compressed once at start (static_site.cc).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "psephos/server/http.h"

namespace psephos::server {

inline constexpr std::size_t kMinCompressBytes = 512;

// Whether an Accept-Encoding header value allows gzip (not "gzip;q=0").
bool AcceptsGzip(std::string_view accept_encoding);

// Text types worth compressing: HTML, JavaScript, CSS, JSON, CSV, SVG, plain text.
bool CompressibleType(std::string_view content_type);

// The gzip member of `data` (RFC 1952) at zlib `level` (1 fast .. 9 small).
std::string Gzip(std::string_view data, int level);
// Back to the bytes; nullopt when `data` is not one whole gzip member.
std::optional<std::string> Gunzip(std::string_view data);

// What the HTTPS layer knows of a request once it is handed over.
struct CompressionContext {
  bool accepts_gzip = false;  // Accept-Encoding allows gzip
  bool safe = false;          // GET or HEAD without Authorization or Cookie (see above)
};
CompressionContext CompressionContextOf(const Request& request);

// Compresses `response` in place when the context and the response allow it
// (a compressible type, long enough, not already encoded, not a 206), and
// adds "Vary: Accept-Encoding" to every response whose type is compressible.
void MaybeCompress(const CompressionContext& context, Response& response);

}  // namespace psephos::server
