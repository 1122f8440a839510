// Voter codes, admin tokens, receipts: randomness and hashing from OpenSSL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace psephos::server {

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// `bytes` bytes from the OS's cryptographic generator, as lowercase hex.
std::string RandomHex(std::size_t bytes);
// Compares in time independent of where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// A voter code: 80 random bits as 16 Crockford base-32 characters in groups
// of four ("7KQ2-M9XD-40HC-ZT3A"): easy to type, no I/O/L/U.
std::string NewVoterCode();
// What voters type, made canonical: case, spaces and dashes ignored, the
// look-alikes O->0 and I/L->1 folded. Empty when it cannot be a code.
std::string NormalizeVoterCode(std::string_view typed);
// The only form in which codes are stored.
std::string VoterCodeHash(std::string_view normalized_code);

// `count` new codes for a group and area: their hashes, and the CSV (header
// "code,group,area,language") that is the only copy of the codes themselves;
// `language` is the one their sheets are printed in.
struct NewCodes {
  std::vector<std::string> hashes;
  std::string csv;
};
NewCodes NewVoterCodes(std::int64_t count, std::string_view group, std::string_view area,
                       std::string_view language = "");

}  // namespace psephos::server
