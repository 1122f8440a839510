// Hex, the one way the server writes and reads bytes as text (hashes,
// receipts, tokens, keys, signatures): lowercase only, two digits a byte.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace psephos::server {

// Lowercase hex of `bytes`.
std::string HexOf(std::string_view bytes);
std::string HexOf(const unsigned char* data, std::size_t size);

// The bytes `hex` spells; nullopt for an odd length, a character that is not
// 0-9 or a-f (uppercase is refused: what the server writes reads back, and one
// value has one spelling), or, with `bytes`, any other length than 2 * bytes.
std::optional<std::string> BytesOfHex(std::string_view hex);
std::optional<std::string> BytesOfHex(std::string_view hex, std::size_t bytes);

// Whether `text` is what HexOf gives for `bytes` bytes (a SHA-256: 32).
bool IsHex(std::string_view text, std::size_t bytes);

}  // namespace psephos::server
