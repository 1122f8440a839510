// The server's one hex helper (hex.h) and one slug rule (slug.h).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "psephos/server/crash_log.h"
#include "psephos/server/hex.h"
#include "psephos/server/secrets.h"
#include "psephos/server/slug.h"

using namespace psephos::server;

TEST_CASE("hex: every byte round trips, lowercase, two digits a byte") {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string hex = HexOf(all);
  CHECK(hex.size() == 512);
  CHECK(hex.substr(0, 8) == "00010203");
  CHECK(hex.substr(hex.size() - 4) == "feff");
  CHECK(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(BytesOfHex(hex) == all);
  CHECK(BytesOfHex(hex, 256) == all);
  const unsigned char raw[] = {0xde, 0xad, 0x00, 0x7f};
  CHECK(HexOf(raw, 4) == "dead007f");
  CHECK(HexOf("") == "");
  CHECK(BytesOfHex("") == std::string());
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(BytesOfHex(Sha256Hex("x"), 32).has_value());
}

TEST_CASE("hex: odd lengths, other digits, uppercase and wrong lengths are refused") {
  struct Case {
    std::string text;
    const char* why;
  };
  for (const Case& c : {Case{"a", "odd length"}, Case{"abc", "odd length"}, Case{"0g", "not a hex digit"},
                        Case{"zz", "not a hex digit"}, Case{" 0", "a space"}, Case{"0x", "a prefix"},
                        Case{std::string("0\0", 2), "a NUL"}, Case{"AB", "uppercase"}, Case{"aB", "uppercase"},
                        Case{"\xc3\xa9", "not ASCII"}}) {
    CAPTURE(c.why);
    CHECK_FALSE(BytesOfHex(c.text));
    CHECK_FALSE(IsHex(c.text, c.text.size() / 2));
  }
  // An exact length where the caller needs one: a SHA-256 is 32 bytes.
  const std::string hash = Sha256Hex("x");
  CHECK(IsHex(hash, 32));
  CHECK_FALSE(IsHex(hash, 31));
  CHECK_FALSE(BytesOfHex(hash, 31));
  CHECK_FALSE(BytesOfHex(hash.substr(2), 32));
  CHECK_FALSE(BytesOfHex(hash + "00", 32));
  CHECK(BytesOfHex("00ff", 2) == std::string("\0\xff", 2));
}

TEST_CASE("slug: the definition's rule, [a-z0-9][a-z0-9-]{0,63}") {
  const std::vector<std::string> valid{"a", "0", "school", "roosevelt-2026", "a-", "a--b", std::string(64, 'z')};
  for (const std::string& ok : valid) {
    CAPTURE(ok);
    CHECK(IsValidSlug(ok));
  }
  const std::vector<std::string> invalid{"",    "-a",  "-",  "School", "a_b", "a.b", "a/b", "a b", "..",
                                         "\xc3\xa9t\xc3\xa9", std::string(65, 'z'), std::string("a\0", 2)};
  for (const std::string& bad : invalid) {
    CAPTURE(bad);
    CHECK_FALSE(IsValidSlug(bad));
  }
  // The crash log keeps a slug and hides anything else in its place.
  CHECK(RouteForLog("GET", "/api/v1/processes/roosevelt-2026/results") ==
        "GET /api/v1/processes/roosevelt-2026/results");
  CHECK(RouteForLog("GET", "/api/v1/processes/a_b/results") == "GET /api/v1/processes/*/results");
}
