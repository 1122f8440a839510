#include "psephos/server/secrets.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "psephos/server/hex.h"

namespace psephos::server {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kCodeChars = 16;

std::vector<unsigned char> RandomBytes(std::size_t n) {
  std::vector<unsigned char> bytes(n);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("the system's random generator failed");  // nothing safe to do but stop
  }
  return bytes;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return HexOf(digest, length);
}

std::string RandomHex(std::size_t bytes) {
  const auto random = RandomBytes(bytes);
  return HexOf(random.data(), random.size());
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string NewVoterCode() {
  const auto random = RandomBytes(10);  // 80 bits, 5 bits per character
  std::string code;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : random) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      if (code.size() % 5 == 4) code += '-';
      code += kCrockford[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return code;
}

std::string NormalizeVoterCode(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ' || c == '\t') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (std::string_view(kCrockford).find(c) == std::string_view::npos) return {};
    out += c;
  }
  return out.size() == kCodeChars ? out : std::string();
}

std::string VoterCodeHash(std::string_view normalized_code) {
  return Sha256Hex(std::string("psephos voter code\n").append(normalized_code));
}

NewCodes NewVoterCodes(std::int64_t count, std::string_view group, std::string_view area,
                       std::string_view language) {
  NewCodes out;
  out.csv = "code,group,area,language\n";
  for (std::int64_t i = 0; i < count; ++i) {
    const std::string code = NewVoterCode();
    out.hashes.push_back(VoterCodeHash(NormalizeVoterCode(code)));
    out.csv += code;
    out.csv += ',';
    out.csv += group;
    out.csv += ',';
    out.csv += area;
    out.csv += ',';
    out.csv += language;
    out.csv += '\n';
  }
  return out;
}

}  // namespace psephos::server
