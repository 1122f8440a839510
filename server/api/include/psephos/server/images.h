// Projects' pictures: what an organizer uploads is decoded, turned upright,
// resized to a few widths and written again as JPEG without any metadata
// (EXIF, GPS, comments, colour profiles), so a phone photo leaks nothing and
// a crafted file never reaches a voter's browser as sent. libvips does the
// pixels, with only its JPEG, PNG and WebP loaders reachable (images.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"

namespace psephos::server {

// Widths the voting page picks from (srcset); none wider than the original.
inline constexpr int kImageWidths[] = {320, 640, 1280};

struct ImageLimits {
  std::size_t max_bytes = 1 << 20;          // the upload itself
  std::int64_t max_pixels = 40'000'000;     // width x height, read from the header before decoding
  std::int64_t max_side = 20'000;
};

struct ImageFile {
  int width = 0;
  int height = 0;
  std::string sha256;  // hex of `jpeg`: its name, pinned by the definition
  std::string jpeg;
};

struct ProcessedImage {
  int width = 0;   // of the largest file
  int height = 0;
  std::vector<ImageFile> files;  // narrowest first
};

// Why an upload is refused: a stable code for the API and a sentence.
struct ImageRefusal {
  std::string code;  // image_too_large, not_an_image, image_too_many_pixels, image_unreadable
  std::string message;
};

// Either the files, or why not (never a crash: any input is refused or read).
struct ImageResult {
  ProcessedImage image;
  ImageRefusal refusal;  // code empty when image is set
};
ImageResult ProcessImage(std::string_view bytes, const ImageLimits& limits = {});

// {"width", "height", "files": [{"width", "height", "sha256"}]}: what a project's "image" holds.
nlohmann::json ImageJson(const ProcessedImage& image);

}  // namespace psephos::server
