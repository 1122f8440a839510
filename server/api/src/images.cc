#include "psephos/server/images.h"

#include <vips/vips.h>

#include <memory>
#include <mutex>

#include "psephos/server/secrets.h"

namespace psephos::server {
namespace {

enum class Format { kNone, kJpeg, kPng, kWebp };

// The format from the bytes themselves, never from a name or a Content-Type:
// an SVG (which can carry script) or anything else called .jpg is not one of these.
Format Sniff(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return Format::kJpeg;
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n") return Format::kPng;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return Format::kWebp;
  return Format::kNone;
}

void StartVips() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("psephos-server") != 0) return;
    // Loaders for formats nobody should upload here (SVG, PDF, ImageMagick's...) stay off.
    vips_block_untrusted_set(TRUE);
    vips_concurrency_set(1);  // one upload, one core: voting keeps the others
    vips_cache_set_max(0);    // nothing kept between uploads
    // A refused upload is answered with why; libvips' own warnings about it
    // (a cut file's "premature end") would only fill the server's log.
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
  });
}

struct Unref {
  void operator()(VipsImage* image) const {
    if (image) g_object_unref(image);
  }
};
using Image = std::unique_ptr<VipsImage, Unref>;

std::string VipsError() {
  std::string message = vips_error_buffer();
  vips_error_clear();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

ImageResult Refuse(std::string code, std::string message) { return {{}, {std::move(code), std::move(message)}}; }

// One width of the picture, upright, in sRGB, flattened on white, as a JPEG without metadata.
ImageRefusal Encode(std::string_view bytes, const char* options, int width, ImageFile* out) {
  VipsImage* raw = nullptr;
  // Shrink-on-load: a phone's JPEG is decoded at 1/2, 1/4 or 1/8 where that is enough.
  if (vips_thumbnail_buffer(const_cast<char*>(bytes.data()), bytes.size(), &raw, width, "height", VIPS_MAX_COORD,
                            "size", VIPS_SIZE_DOWN, "option_string", options, nullptr) != 0) {
    return {"image_unreadable", "the picture could not be read: " + VipsError()};
  }
  Image image(raw);
  if (image->Type != VIPS_INTERPRETATION_sRGB && image->Type != VIPS_INTERPRETATION_B_W) {
    VipsImage* srgb = nullptr;
    if (vips_colourspace(image.get(), &srgb, VIPS_INTERPRETATION_sRGB, nullptr) != 0) {
      return {"image_unreadable", "the picture's colours could not be read: " + VipsError()};
    }
    image.reset(srgb);
  }
  if (vips_image_hasalpha(image.get())) {
    VipsArrayDouble* white = vips_array_double_newv(1, 255.0);
    VipsImage* flat = nullptr;
    const int status = vips_flatten(image.get(), &flat, "background", white, nullptr);
    vips_area_unref(VIPS_AREA(white));
    if (status != 0) return {"image_unreadable", "the picture could not be read: " + VipsError()};
    image.reset(flat);
  }
  void* buffer = nullptr;
  std::size_t length = 0;
  // strip: no EXIF (GPS, camera, time), XMP, IPTC, comments or ICC profile.
  if (vips_jpegsave_buffer(image.get(), &buffer, &length, "Q", 82, "strip", TRUE, "optimize_coding", TRUE,
                           "interlace", TRUE, nullptr) != 0) {
    return {"image_unreadable", "the picture could not be read: " + VipsError()};
  }
  out->jpeg.assign(static_cast<const char*>(buffer), length);
  g_free(buffer);
  out->width = vips_image_get_width(image.get());
  out->height = vips_image_get_height(image.get());
  out->sha256 = Sha256Hex(out->jpeg);
  return {};
}

}  // namespace

ImageResult ProcessImage(std::string_view bytes, const ImageLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return Refuse("image_too_large", "the picture is " + std::to_string(bytes.size()) + " bytes; at most " +
                                         std::to_string(limits.max_bytes) + " are taken (make it smaller first)");
  }
  const Format format = Sniff(bytes);
  if (format == Format::kNone) {
    return Refuse("not_an_image", "this is not a JPEG, PNG or WebP picture (whatever its name says); SVG and other "
                                  "formats are not taken");
  }
  StartVips();
  // The header alone first: a small file can claim enormous dimensions (a
  // decompression bomb), refused before any pixel is decoded.
  VipsImage* header = nullptr;
  void* data = const_cast<char*>(bytes.data());
  const int loaded = format == Format::kJpeg  ? vips_jpegload_buffer(data, bytes.size(), &header, nullptr)
                     : format == Format::kPng ? vips_pngload_buffer(data, bytes.size(), &header, nullptr)
                                              : vips_webpload_buffer(data, bytes.size(), &header, nullptr);
  if (loaded != 0) return Refuse("image_unreadable", "the picture could not be read: " + VipsError());
  Image probe(header);
  const std::int64_t width = vips_image_get_width(probe.get());
  const std::int64_t height = vips_image_get_height(probe.get());
  probe.reset();
  if (width > limits.max_side || height > limits.max_side || width * height > limits.max_pixels) {
    return Refuse("image_too_many_pixels", "the picture says it is " + std::to_string(width) + " x " +
                                               std::to_string(height) + " pixels; at most " +
                                               std::to_string(limits.max_pixels / 1'000'000) + " million are taken");
  }
  // Decoding stops at any sign of a cut or damaged file instead of showing grey.
  const char* options = "fail_on=truncated";
  ImageResult out;
  // Widths of the upright picture (thumbnail turns it by its EXIF orientation first).
  for (int w : kImageWidths) {
    ImageFile file;
    if (ImageRefusal why = Encode(bytes, options, w, &file); !why.code.empty()) return {{}, std::move(why)};
    const bool same = !out.image.files.empty() && out.image.files.back().width == file.width;
    if (!same) out.image.files.push_back(std::move(file));
    if (out.image.files.back().width < w) break;  // the original is narrower: no larger file
  }
  out.image.width = out.image.files.back().width;
  out.image.height = out.image.files.back().height;
  return out;
}

nlohmann::json ImageJson(const ProcessedImage& image) {
  nlohmann::json files = nlohmann::json::array();
  for (const ImageFile& f : image.files) files.push_back({{"width", f.width}, {"height", f.height}, {"sha256", f.sha256}});
  return {{"width", image.width}, {"height", image.height}, {"files", std::move(files)}};
}

}  // namespace psephos::server
