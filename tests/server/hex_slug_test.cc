// The server's one hex helper (hex.h).
#include <doctest/doctest.h>

#include <string>

#include "psephos/server/hex.h"
#include "psephos/server/secrets.h"

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
