// Project pictures (#16 item 7), attacks first: a decompression bomb, a cut
// file, a text called .jpg, an SVG with script, an upload too large: each
// refused with a clear error. Then a phone photo: turned upright, resized,
// its EXIF (GPS, description) gone, served by hash, pinned in the definition.
#include <doctest/doctest.h>

#include <vips/vips.h>

#include "../support/api_fixture.h"
#include "psephos/server/images.h"

namespace psephos::test {
namespace {

std::string Be16(int v) { return {static_cast<char>((v >> 8) & 0xFF), static_cast<char>(v & 0xFF)}; }
std::string Be32(std::uint32_t v) { return Be16(static_cast<int>(v >> 16)) + Be16(static_cast<int>(v & 0xFFFF)); }
std::string Le16(int v) { return {static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF)}; }
std::string Le32(std::uint32_t v) { return Le16(static_cast<int>(v & 0xFFFF)) + Le16(static_cast<int>(v >> 16)); }

// A plain JPEG of a gradient, made with libvips (no metadata).
std::string Jpeg(int width, int height) {
  REQUIRE(VIPS_INIT("images_test") == 0);
  VipsImage* xyz = nullptr;
  REQUIRE(vips_xyz(&xyz, width, height, nullptr) == 0);
  VipsImage* band = nullptr;
  REQUIRE(vips_extract_band(xyz, &band, 0, nullptr) == 0);
  VipsImage* u8 = nullptr;
  REQUIRE(vips_cast_uchar(band, &u8, nullptr) == 0);
  void* buffer = nullptr;
  std::size_t length = 0;
  REQUIRE(vips_jpegsave_buffer(u8, &buffer, &length, "strip", TRUE, nullptr) == 0);
  std::string out(static_cast<const char*>(buffer), length);
  g_free(buffer);
  g_object_unref(u8);
  g_object_unref(band);
  g_object_unref(xyz);
  return out;
}

// The JPEG with an EXIF segment as a phone writes one: orientation 6 (turn
// 90° clockwise), a description and a GPS latitude.
std::string WithExif(const std::string& jpeg, const std::string& description) {
  std::string tiff = "II*" + std::string(1, '\0') + Le32(8);
  const std::uint32_t gps_at = 8 + 2 + 3 * 12 + 4;
  const std::uint32_t text_at = gps_at + 2 + 12 + 4;
  tiff += Le16(3);
  tiff += Le16(0x010E) + Le16(2) + Le32(static_cast<std::uint32_t>(description.size() + 1)) + Le32(text_at);
  tiff += Le16(0x0112) + Le16(3) + Le32(1) + Le16(6) + Le16(0);
  tiff += Le16(0x8825) + Le16(4) + Le32(1) + Le32(gps_at);
  tiff += Le32(0);
  tiff += Le16(1) + Le16(0x0001) + Le16(2) + Le32(2) + std::string("N\0\0\0", 4) + Le32(0);
  tiff += description + std::string(1, '\0');
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  return jpeg.substr(0, 2) + "\xFF\xE1" + Be16(static_cast<int>(payload.size() + 2)) + payload + jpeg.substr(2);
}

std::uint32_t Crc32(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string PngChunk(const std::string& type, const std::string& data) {
  return Be32(static_cast<std::uint32_t>(data.size())) + type + data + Be32(Crc32(type + data));
}

// 19,000 x 19,000 pixels (361 million) claimed by a file of a few dozen bytes.
std::string PngBomb() {
  const std::string ihdr = Be32(19000) + Be32(19000) + std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1A\n", 8) + PngChunk("IHDR", ihdr) + PngChunk("IDAT", std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8)) +
         PngChunk("IEND", "");
}

Answer Upload(Fixture& f, const std::string& bytes, const std::string& type = "image/jpeg") {
  return f.Call(http::verb::post, "/api/v1/images", bytes, true, type);
}

void RequireRefused(const Answer& a, int status, const std::string& code, const std::string& words) {
  CHECK(a.status == status);
  CHECK(a.body["error"]["code"] == code);
  CHECK(a.body["error"]["message"].get<std::string>().find(words) != std::string::npos);
}

TEST_CASE("attack: a picture claiming 361 million pixels is refused before any is decoded") {
  Fixture f;
  RequireRefused(Upload(f, PngBomb(), "image/png"), 422, "image_too_many_pixels", "19000 x 19000");
  // The same in a JPEG: its frame header patched to 60000 x 60000.
  std::string jpeg = Jpeg(64, 64);
  const auto sof = jpeg.find("\xFF\xC0");
  REQUIRE(sof != std::string::npos);
  jpeg.replace(sof + 5, 4, Be16(60000) + Be16(60000));
  RequireRefused(Upload(f, jpeg), 422, "image_too_many_pixels", "60000 x 60000");
}

TEST_CASE("attack: a cut JPEG is refused as unreadable, not shown half grey") {
  Fixture f;
  const std::string jpeg = Jpeg(640, 480);
  RequireRefused(Upload(f, jpeg.substr(0, jpeg.size() / 2)), 422, "image_unreadable", "could not be read");
  RequireRefused(Upload(f, jpeg.substr(0, 20)), 422, "image_unreadable", "could not be read");
}

TEST_CASE("attack: text or an SVG with script called a JPEG is refused by its bytes") {
  Fixture f;
  RequireRefused(Upload(f, "this is a shopping list, not a photo\n"), 415, "not_an_image", "not a JPEG, PNG or WebP");
  const std::string svg = R"(<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>)";
  RequireRefused(Upload(f, svg, "image/svg+xml"), 415, "not_an_image", "SVG");
  RequireRefused(Upload(f, ""), 415, "not_an_image", "not a JPEG");
  // Nothing was stored: the server still serves, and knows no picture.
  CHECK(f.Call(http::verb::get, "/api/v1/processes").status == 200);
}

TEST_CASE("attack: an upload over the limit is refused with the limit named") {
  Fixture f;
  std::string big = Jpeg(64, 64);
  big += std::string((1 << 20) + 1 - big.size(), '\0');
  RequireRefused(Upload(f, big), 413, "image_too_large", "at most 1048576");
}

TEST_CASE("only the organizer uploads") {
  Fixture f;
  Answer a = f.Call(http::verb::post, "/api/v1/images", Jpeg(64, 64), false, "image/jpeg");
  CHECK(a.status == 401);
}

TEST_CASE("a phone photo is turned upright, resized, stripped of its EXIF and GPS, and served by its hash") {
  Fixture f;
  const std::string photo = WithExif(Jpeg(1600, 900), "SECRET-GARDEN-SHED");
  REQUIRE(photo.find("SECRET-GARDEN-SHED") != std::string::npos);
  Answer up = Upload(f, photo);
  REQUIRE(up.status == 201);
  const json image = up.body["image"];
  // Orientation 6: 1600 x 900 as stored is 900 x 1600 upright; widths 320, 640 and the original 900.
  REQUIRE(image["files"].size() == 3);
  CHECK(image["files"][0]["width"] == 320);
  CHECK(image["files"][1]["width"] == 640);
  CHECK(image["files"][2]["width"] == 900);
  CHECK(image["files"][2]["height"] == 1600);
  CHECK(image["width"] == 900);
  for (const json& file : image["files"]) {
    Answer got = f.Call(http::verb::get, "/api/v1/images/" + file["sha256"].get<std::string>() + ".jpg", "", false);
    REQUIRE(got.status == 200);
    CHECK(server::Sha256Hex(got.text) == file["sha256"]);
    CHECK(got.text.starts_with("\xFF\xD8\xFF"));
    CHECK(got.text.find("Exif") == std::string::npos);
    CHECK(got.text.find("SECRET-GARDEN-SHED") == std::string::npos);
  }
  CHECK(f.Call(http::verb::get, "/api/v1/images/" + std::string(64, 'a') + ".jpg", "", false).status == 404);
  CHECK(f.Call(http::verb::get, "/api/v1/images/../../etc/passwd", "", false).status == 404);

  // The definition pins the picture by its hashes; one the server does not hold is refused at its field.
  json d = json::parse(kSchool);
  d["budgets"][0]["projects"][0]["image"] = image;
  json unknown = d;
  unknown["slug"] = "other";
  unknown["budgets"][0]["projects"][1]["image"] = image;
  unknown["budgets"][0]["projects"][1]["image"]["files"][0]["sha256"] = std::string(64, 'b');
  Answer refused = f.Call(http::verb::post, "/api/v1/processes", unknown.dump());
  CHECK(refused.status == 422);
  CHECK(refused.body["error"]["field"] == "budgets[0].projects[1].image");
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", d.dump()).status == 201);
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes/school/open").status == 200);
  Answer ballot = f.Call(http::verb::get, "/api/v1/processes/school/ballot", "", false);
  CHECK(ballot.body["budgets"][0]["projects"][0]["image"] == image);
  // After a restart the pictures are still served.
  f.RestartApi();
  CHECK(f.Call(http::verb::get, "/api/v1/images/" + image["files"][0]["sha256"].get<std::string>() + ".jpg", "", false)
            .status == 200);
}

TEST_CASE("a PNG with transparency becomes a JPEG on white, a small picture is not enlarged") {
  REQUIRE(VIPS_INIT("images_test") == 0);
  VipsImage* black = nullptr;
  REQUIRE(vips_black(&black, 120, 80, "bands", 4, nullptr) == 0);
  void* buffer = nullptr;
  std::size_t length = 0;
  REQUIRE(vips_pngsave_buffer(black, &buffer, &length, nullptr) == 0);
  const std::string png(static_cast<const char*>(buffer), length);
  g_free(buffer);
  g_object_unref(black);
  const server::ImageResult r = server::ProcessImage(png);
  REQUIRE(r.refusal.code.empty());
  REQUIRE(r.image.files.size() == 1);
  CHECK(r.image.files[0].width == 120);
  CHECK(r.image.files[0].height == 80);
  CHECK(r.image.files[0].jpeg.starts_with("\xFF\xD8\xFF"));
}

}  // namespace
}  // namespace psephos::test
