// Organizer accounts: their roles in a process, and their passwords.
// Passwords are hashed with Argon2id from libargon2 (Debian's package of the
// Password Hashing Competition winner's reference code), never a hash of our own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "psephos/engine/status.h"

namespace psephos::server {

// What an organizer may do in one process, each role including the ones before.
enum class OrganizerRole {
  kObserver = 1,  // reads: the definition, turnout, results (a steering committee member)
  kEditor = 2,    // also edits the definition, makes codes, signs devices in
  kOwner = 3,     // also opens, closes and publishes, names the organizers, reads the action log
};
const char* OrganizerRoleName(OrganizerRole role);
std::optional<OrganizerRole> ParseOrganizerRole(std::string_view name);

// Argon2id's costs: OWASP's minimum (19 MiB, 2 passes), about 30 ms a hash.
struct PasswordCost {
  std::uint32_t passes = 2;
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t lanes = 1;
};

// The standard encoded string "$argon2id$v=19$m=…,t=…,p=…$salt$hash": the
// parameters travel with the hash, so older hashes still verify after a change.
Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost = {});
// libargon2 compares the hashes in constant time. False for a malformed `encoded`.
bool VerifyPassword(const std::string& encoded, std::string_view password);

// A new password: at least kMinPasswordLength characters, at most
// kMaxPasswordBytes bytes, not one of the very common ones, not the account's
// own email or name, not one character repeated.
inline constexpr std::size_t kMinPasswordLength = 12;
inline constexpr std::size_t kMaxPasswordBytes = 512;
Status CheckNewPassword(std::string_view password, std::string_view email, std::string_view name);

// An email made canonical (trimmed, lowercase); empty when it cannot be one.
std::string NormalizeEmail(std::string_view email);

}  // namespace psephos::server
