#include "psephos/server/ballot_log.h"

#include "psephos/ballots/json_reader.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "psephos/server/hex.h"
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
  const std::optional<std::string> bytes = BytesOfHex(hex, std::tuple_size_v<Hash>);
  if (!bytes) return std::nullopt;
  Hash out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

std::string ToHex(const Hash& h) { return HexOf(h.data(), h.size()); }

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

// RFC 9162 section 2.1.4.1, SUBPROOF(m, D[begin:end], whole): `whole` says
// whether the m leaves are a whole subtree whose head the verifier already has.
void Subproof(const std::vector<Hash>& leaves, std::size_t m, std::size_t begin, std::size_t end, bool whole,
              std::vector<std::string>* proof) {
  if (m == end - begin) {
    if (!whole) proof->push_back(ToHex(Root(leaves, begin, end)));
    return;
  }
  const std::size_t k = Split(end - begin);
  if (m <= k) {
    Subproof(leaves, m, begin, begin + k, whole, proof);
    proof->push_back(ToHex(Root(leaves, begin + k, end)));
  } else {
    Subproof(leaves, m - k, begin + k, end, false, proof);
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

std::vector<std::string> ConsistencyProof(const std::vector<std::string>& leaves, std::size_t old_size) {
  std::vector<std::string> proof;
  if (old_size > 0 && old_size < leaves.size()) Subproof(Decode(leaves), old_size, 0, leaves.size(), true, &proof);
  return proof;
}

bool VerifyConsistency(std::size_t old_size, const std::string& old_root, std::size_t new_size,
                       const std::string& new_root, const std::vector<std::string>& proof) {
  auto first = FromHex(old_root);
  auto second = FromHex(new_root);
  if (!first || !second || old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && *first == *second;
  if (old_size == 0) return proof.empty() && old_root == Sha256Hex("");
  // RFC 9162 section 2.1.4.2, steps 1 to 7.
  std::vector<Hash> path;
  if ((old_size & (old_size - 1)) == 0) path.push_back(*first);  // the old tree is a whole subtree
  for (const std::string& step : proof) {
    auto p = FromHex(step);
    if (!p) return false;
    path.push_back(*p);
  }
  if (proof.empty()) return false;
  std::size_t fn = old_size - 1, sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      fr = Node(path[i], fr);
      sr = Node(path[i], sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = Node(sr, path[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == *first && sr == *second;
}

std::string LogHead::Extend(const std::vector<std::string>& leaves) {
  for (; size_ < leaves.size(); ++size_) {
    // Like adding one to a binary counter: equal-sized subtrees carry into one.
    Hash hash = FromHex(leaves[size_]).value_or(Hash{});
    for (std::size_t n = size_; (n & 1) == 1; n >>= 1) {
      hash = Node(subtrees_.back(), hash);
      subtrees_.pop_back();
    }
    subtrees_.push_back(hash);
  }
  if (subtrees_.empty()) return Sha256Hex("");
  // The smaller subtrees hang to the right of the larger ones.
  Hash root = subtrees_.back();
  for (std::size_t i = subtrees_.size() - 1; i-- > 0;) root = Node(subtrees_[i], root);
  return ToHex(root);
}

}  // namespace psephos::server
