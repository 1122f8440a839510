#include "psephos/server/hex.h"

namespace psephos::server {
namespace {

constexpr char kDigits[] = "0123456789abcdef";

int DigitValue(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; }

}  // namespace

std::string HexOf(const unsigned char* data, std::size_t size) {
  std::string out(2 * size, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

std::string HexOf(std::string_view bytes) {
  return HexOf(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::optional<std::string> BytesOfHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = DigitValue(hex[2 * i]);
    const int low = DigitValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out[i] = static_cast<char>(high * 16 + low);
  }
  return out;
}

bool IsHex(std::string_view text, std::size_t bytes) {
  if (text.size() != 2 * bytes) return false;
  for (char c : text) {
    if (DigitValue(c) < 0) return false;
  }
  return true;
}

std::optional<std::string> BytesOfHex(std::string_view hex, std::size_t bytes) {
  if (hex.size() != 2 * bytes) return std::nullopt;
  return BytesOfHex(hex);
}

}  // namespace psephos::server
