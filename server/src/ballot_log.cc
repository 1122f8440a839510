#include "psephos/server/ballot_log.h"

#include "psephos/ballots/json_reader.h"

#include <openssl/evp.h>

#include <array>

#include <nlohmann/json.hpp>

#include "psephos/server/secrets.h"

namespace psephos::server {
namespace {

using Hash = std::array<unsigned char, 32>;

Hash Digest(unsigned char prefix, const void* a, std::size_t a_size, const void* b = nullptr, std::size_t b_size = 0) {
  Hash out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, &prefix, 1);
  EVP_DigestUpdate(ctx, a, a_size);
  if (b) EVP_DigestUpdate(ctx, b, b_size);
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, out.data(), &length);
  EVP_MD_CTX_free(ctx);
  return out;
}

Hash Node(const Hash& left, const Hash& right) { return Digest(1, left.data(), left.size(), right.data(), right.size()); }

std::optional<Hash> FromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Hash out{};
  for (std::size_t i = 0; i < 32; ++i) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      const char c = hex[2 * i + static_cast<std::size_t>(k)];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
    out[i] = static_cast<unsigned char>(v);
  }
  return out;
}

std::string ToHex(const Hash& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < 32; ++i) {
    out[2 * i] = kDigits[h[i] >> 4];
    out[2 * i + 1] = kDigits[h[i] & 15];
  }
  return out;
}

// The largest power of two strictly below n (n >= 2): RFC 6962's split.
std::size_t Split(std::size_t n) {
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash Root(const std::vector<Hash>& leaves, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return leaves[begin];
  const std::size_t k = Split(end - begin);
  return Node(Root(leaves, begin, begin + k), Root(leaves, begin + k, end));
}

void Path(const std::vector<Hash>& leaves, std::size_t index, std::size_t begin, std::size_t end,
          std::vector<std::string>* proof) {
  if (end - begin <= 1) return;
  const std::size_t k = Split(end - begin);
  if (index < begin + k) {
    Path(leaves, index, begin, begin + k, proof);
    proof->push_back(ToHex(Root(leaves, begin + k, end)));
  } else {
    Path(leaves, index, begin + k, end, proof);
    proof->push_back(ToHex(Root(leaves, begin, begin + k)));
  }
}

std::vector<Hash> Decode(const std::vector<std::string>& leaves) {
  std::vector<Hash> out;
  out.reserve(leaves.size());
  for (const auto& leaf : leaves) out.push_back(FromHex(leaf).value_or(Hash{}));
  return out;
}

}  // namespace

std::string LogEntry(const std::string& process_slug, const std::string& ballot_json, const std::string& salt) {
  nlohmann::json entry;  // std::map underneath: keys come out sorted
  entry["ballot"] = ballots::ParseJson(ballot_json).value_or(nlohmann::json());
  entry["process"] = process_slug;
  entry["salt"] = salt;
  return entry.dump();
}

std::string LeafHash(std::string_view entry) { return ToHex(Digest(0, entry.data(), entry.size())); }

std::string MerkleRoot(const std::vector<std::string>& leaves) {
  if (leaves.empty()) return Sha256Hex("");
  return ToHex(Root(Decode(leaves), 0, leaves.size()));
}

std::vector<std::string> InclusionProof(const std::vector<std::string>& leaves, std::size_t index) {
  std::vector<std::string> proof;
  if (index < leaves.size()) Path(Decode(leaves), index, 0, leaves.size(), &proof);
  return proof;
}

bool VerifyInclusion(const std::string& leaf, std::size_t index, std::size_t size,
                     const std::vector<std::string>& proof, const std::string& root) {
  // RFC 9162 section 2.1.3.2, walking up from the leaf.
  auto hash = FromHex(leaf);
  auto expected = FromHex(root);
  if (!hash || !expected || index >= size) return false;
  std::size_t fn = index, sn = size - 1;
  for (const std::string& step : proof) {
    auto p = FromHex(step);
    if (!p || sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      *hash = Node(*p, *hash);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      *hash = Node(*hash, *p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && *hash == *expected;
}

}  // namespace psephos::server
