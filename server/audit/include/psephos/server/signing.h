// Ed25519 signatures over results bundles (OpenSSL).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "psephos/engine/status.h"

namespace psephos::server {

class SigningKey {
 public:
  static Result<SigningKey> Generate();
  // From the hex of the 32-byte private key, as PrivateHex() gives it.
  static Result<SigningKey> FromPrivateHex(std::string_view hex);

  std::string PrivateHex() const;
  std::string PublicHex() const;
  // Hex of the 64-byte signature of `message`.
  std::string Sign(std::string_view message) const;

 private:
  std::string private_key_;  // 32 raw bytes
  std::string public_key_;   // 32 raw bytes
};

// True when `signature_hex` is a valid Ed25519 signature of `message` by `public_hex`.
bool VerifySignature(std::string_view public_hex, std::string_view message, std::string_view signature_hex);

}  // namespace psephos::server
