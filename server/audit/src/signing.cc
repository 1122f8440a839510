#include "psephos/server/signing.h"

#include <openssl/evp.h>

#include <optional>

#include "psephos/server/hex.h"
#include "psephos/server/secrets.h"

namespace psephos::server {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Pkey PrivateKey(const std::string& raw) {
  return Pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                           reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
}

std::string RawPublic(EVP_PKEY* key) {
  std::string out(32, '\0');
  std::size_t length = out.size();
  EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &length);
  out.resize(length);
  return out;
}

}  // namespace

Result<SigningKey> SigningKey::Generate() {
  return FromPrivateHex(RandomHex(32));
}

Result<SigningKey> SigningKey::FromPrivateHex(std::string_view hex) {
  auto raw = BytesOfHex(hex, 32);
  if (!raw) return Status::Invalid("signing key: not 32 bytes of hex");
  Pkey key = PrivateKey(*raw);
  if (!key) return Status::Invalid("signing key: OpenSSL refused it");
  SigningKey out;
  out.private_key_ = *raw;
  out.public_key_ = RawPublic(key.get());
  return out;
}

std::string SigningKey::PrivateHex() const { return HexOf(private_key_); }
std::string SigningKey::PublicHex() const { return HexOf(public_key_); }

std::string SigningKey::Sign(std::string_view message) const {
  Pkey key = PrivateKey(private_key_);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string signature(64, '\0');
  std::size_t length = signature.size();
  EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key.get());
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                 reinterpret_cast<const unsigned char*>(message.data()), message.size());
  EVP_MD_CTX_free(ctx);
  signature.resize(length);
  return HexOf(signature);
}

bool VerifySignature(std::string_view public_hex, std::string_view message, std::string_view signature_hex) {
  auto public_raw = BytesOfHex(public_hex, 32);
  auto signature = BytesOfHex(signature_hex, 64);
  if (!public_raw || !signature) return false;
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                       reinterpret_cast<const unsigned char*>(public_raw->data()), 32));
  if (!key) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key.get()) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
                                   reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace psephos::server
