// The public ballot log: every accepted ballot in order of arrival, as a
// Merkle tree (RFC 6962 hashing). It holds no voter code and no link to a
// voter; a voter's receipt is the hash of their ballot's entry.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace psephos::server {

// The entry a receipt names: {"ballot": ..., "process": slug, "salt": hex},
// compact JSON with sorted keys. The salt makes receipts unguessable.
std::string LogEntry(const std::string& process_slug, const std::string& ballot_json, const std::string& salt);

// Hex SHA-256(0x00 || entry): the receipt.
std::string LeafHash(std::string_view entry);

// Hex Merkle tree head over leaf hashes (hex) in log order; SHA-256 of nothing
// for an empty log.
std::string MerkleRoot(const std::vector<std::string>& leaves);

// The audit path proving leaf `index` is in the tree of `leaves` (hex hashes).
std::vector<std::string> InclusionProof(const std::vector<std::string>& leaves, std::size_t index);

// Checks an audit path against a head.
bool VerifyInclusion(const std::string& leaf, std::size_t index, std::size_t size,
                     const std::vector<std::string>& proof, const std::string& root);

// RFC 9162 section 2.1.4: the hashes proving that the tree of the first
// `old_size` leaves is a prefix of the tree of all `leaves` (the log only grew).
// Empty when old_size is 0 or not below leaves.size().
std::vector<std::string> ConsistencyProof(const std::vector<std::string>& leaves, std::size_t old_size);

// Checks a consistency proof (RFC 9162 section 2.1.4.2) between the head of
// `old_size` leaves and that of `new_size` leaves. Equal sizes need equal
// heads and no proof; size 0 is the empty log, a prefix of any log.
bool VerifyConsistency(std::size_t old_size, const std::string& old_root, std::size_t new_size,
                       const std::string& new_root, const std::vector<std::string>& proof);

// The head of a log that only grows, kept up to date in O(log n) per leaf: the
// heads of the whole subtrees covering the leaves so far (one per set bit of
// the size, largest first). Asking for the head of a log of n leaves after
// each ballot then costs O(log n), not O(n).
class LogHead {
 public:
  // Takes in the leaves of `leaves` beyond the ones already in (the log must
  // be the same one, longer), and returns the hex head of all of them.
  std::string Extend(const std::vector<std::string>& leaves);
  std::size_t size() const { return size_; }

 private:
  std::vector<std::array<unsigned char, 32>> subtrees_;
  std::size_t size_ = 0;
};

}  // namespace psephos::server
