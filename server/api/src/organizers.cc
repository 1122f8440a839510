#include "psephos/server/organizers.h"

#include <argon2.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "psephos/server/secrets.h"

namespace psephos::server {

const char* OrganizerRoleName(OrganizerRole role) {
  switch (role) {
    case OrganizerRole::kObserver: return "observer";
    case OrganizerRole::kEditor: return "editor";
    case OrganizerRole::kOwner: return "owner";
  }
  return "?";
}

std::optional<OrganizerRole> ParseOrganizerRole(std::string_view name) {
  for (auto r : {OrganizerRole::kObserver, OrganizerRole::kEditor, OrganizerRole::kOwner}) {
    if (name == OrganizerRoleName(r)) return r;
  }
  return std::nullopt;
}

Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost) {
  // 128 random bits as 32 hex characters: Argon2 takes any bytes as salt.
  const std::string salt = RandomHex(16);
  constexpr std::size_t kHashBytes = 32;
  std::string encoded(argon2_encodedlen(cost.passes, cost.memory_kib, cost.lanes, static_cast<std::uint32_t>(salt.size()),
                                        kHashBytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(cost.passes, cost.memory_kib, cost.lanes, password.data(), password.size(),
                                       salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Status::Invalid(std::string("hashing the password failed: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(const std::string& encoded, std::string_view password) {
  if (!encoded.starts_with("$argon2id$")) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Characters, not bytes: UTF-8 continuation bytes are not counted.
std::size_t Characters(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Among the most common passwords in published breach lists that are long
// enough to pass the length rule: the first ones an attacker tries.
constexpr std::array<std::string_view, 24> kCommon = {
    "123456789012", "1234567890123", "12345678901234", "123456123456", "111111111111", "000000000000",
    "passwordpassword", "password1234", "password12345", "password123456", "qwertyuiopasdfgh", "qwertyuiop123",
    "qwerty123456", "1q2w3e4r5t6y", "1qaz2wsx3edc", "iloveyou1234", "abc123abc123", "abcdefghijkl",
    "letmein12345", "welcome12345", "administrator", "changeme1234", "football1234", "psephospsephos",
};

}  // namespace

Status CheckNewPassword(std::string_view password, std::string_view email, std::string_view name) {
  if (password.size() > kMaxPasswordBytes) {
    return Status::Invalid("password: at most " + std::to_string(kMaxPasswordBytes) + " bytes");
  }
  if (Characters(password) < kMinPasswordLength) {
    return Status::Invalid("password: at least " + std::to_string(kMinPasswordLength) + " characters");
  }
  const std::string lower = Lower(password);
  if (std::find(kCommon.begin(), kCommon.end(), lower) != kCommon.end() ||
      std::all_of(password.begin(), password.end(), [&](char c) { return c == password.front(); })) {
    return Status::Invalid("password: one of the most common passwords; choose another");
  }
  if (lower == Lower(email) || lower == Lower(name) || lower == Lower(email.substr(0, email.find('@')))) {
    return Status::Invalid("password: must not be the account's email or name");
  }
  return Status::Ok();
}

std::string NormalizeEmail(std::string_view email) {
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.front()))) email.remove_prefix(1);
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.back()))) email.remove_suffix(1);
  const std::size_t at = email.find('@');
  if (email.size() > 254 || at == 0 || at == std::string_view::npos || at + 1 >= email.size() ||
      email.find('@', at + 1) != std::string_view::npos ||
      std::any_of(email.begin(), email.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
    return {};
  }
  return Lower(email);
}

}  // namespace psephos::server
