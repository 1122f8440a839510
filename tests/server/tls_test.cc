// Self-signed certificates on disk and the server's TLS context.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../support/temp_dir.h"
#include "psephos/server/tls.h"

using namespace psephos;
using server::EnsureSelfSignedCertificate;
using server::MakeServerTlsContext;

namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using CertPtr = std::unique_ptr<X509, X509Free>;

CertPtr ReadCert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  CertPtr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("tls: a self-signed certificate with the expected names, key and extensions") {
  test::TempDir dir;
  const std::string cert_path = dir.file("a/b/cert.pem"), key_path = dir.file("a/keys/key.pem");
  // Even under a strict umask the certificate stays readable to all, the key to us.
  const mode_t old_umask = ::umask(077);
  Status s = EnsureSelfSignedCertificate(cert_path, key_path, "vote.example.org");
  ::umask(old_umask);
  REQUIRE(s.ok());
  CHECK(Mode(key_path) == 0600);
  CHECK(Mode(cert_path) == 0644);

  CertPtr cert = ReadCert(cert_path);
  REQUIRE(cert);
  CHECK(X509_get_version(cert.get()) == X509_VERSION_3);
  CHECK(X509_check_host(cert.get(), "vote.example.org", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(cert.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(cert.get(), "other.example.org", 0, 0, nullptr) == 0);
  CHECK(X509_check_ip_asc(cert.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "::1", 0) == 1);
  CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
  CHECK(EVP_PKEY_get_base_id(X509_get0_pubkey(cert.get())) == EVP_PKEY_EC);
  CHECK(X509_check_ca(cert.get()) == 0);
  CHECK((X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER) != 0);
  CHECK((X509_get_key_usage(cert.get()) & KU_DIGITAL_SIGNATURE) != 0);
  CHECK(X509_verify(cert.get(), X509_get0_pubkey(cert.get())) == 1);  // self-signed
  // About 825 days of validity, starting about now.
  int days = 0, seconds = 0;
  REQUIRE(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert.get())) == 1);
  CHECK(days >= 824);
  CHECK(days <= 825);
  CHECK(X509_cmp_current_time(X509_get0_notBefore(cert.get())) < 0);
}

TEST_CASE("tls: an IP address as host name goes in as an IP alternative name") {
  test::TempDir dir;
  REQUIRE(EnsureSelfSignedCertificate(dir.file("c.pem"), dir.file("k.pem"), "192.0.2.7").ok());
  CertPtr cert = ReadCert(dir.file("c.pem"));
  REQUIRE(cert);
  CHECK(X509_check_ip_asc(cert.get(), "192.0.2.7", 0) == 1);
  CHECK(X509_check_host(cert.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK_FALSE(EnsureSelfSignedCertificate(dir.file("c2.pem"), dir.file("k2.pem"), "bad host,DNS:x").ok());
}

TEST_CASE("tls: EnsureSelfSignedCertificate leaves an existing pair alone") {
  test::TempDir dir;
  const std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");
  REQUIRE(EnsureSelfSignedCertificate(cert, key, "localhost").ok());
  const std::string cert_text = ReadFile(cert), key_text = ReadFile(key);
  REQUIRE(EnsureSelfSignedCertificate(cert, key, "localhost").ok());
  CHECK(ReadFile(cert) == cert_text);
  CHECK(ReadFile(key) == key_text);

  // Serial numbers are random: a second pair differs.
  REQUIRE(EnsureSelfSignedCertificate(dir.file("cert2.pem"), dir.file("key2.pem"), "localhost").ok());
  CertPtr a = ReadCert(cert), b = ReadCert(dir.file("cert2.pem"));
  REQUIRE(a);
  REQUIRE(b);
  CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.get()), X509_get0_serialNumber(b.get())) != 0);
}

TEST_CASE("tls: EnsureSelfSignedCertificate refuses to complete half a pair") {
  test::TempDir dir;
  const std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");
  REQUIRE(EnsureSelfSignedCertificate(cert, key, "localhost").ok());

  SUBCASE("certificate without key") {
    std::filesystem::remove(key);
    Status s = EnsureSelfSignedCertificate(cert, key, "localhost");
    REQUIRE_FALSE(s.ok());
    CHECK(Contains(s.message(), cert));
    CHECK(Contains(s.message(), key));
    CHECK_FALSE(std::filesystem::exists(key));
  }
  SUBCASE("key without certificate") {
    std::filesystem::remove(cert);
    Status s = EnsureSelfSignedCertificate(cert, key, "localhost");
    REQUIRE_FALSE(s.ok());
    CHECK(Contains(s.message(), key));
    CHECK_FALSE(std::filesystem::exists(cert));
  }
}

TEST_CASE("tls: MakeServerTlsContext loads a matching pair, TLS 1.2 at least") {
  test::TempDir dir;
  REQUIRE(EnsureSelfSignedCertificate(dir.file("cert.pem"), dir.file("key.pem"), "localhost").ok());
  auto context = MakeServerTlsContext(dir.file("cert.pem"), dir.file("key.pem"));
  REQUIRE(context.ok());
  SSL_CTX* ctx = (*context)->native_handle();
  CHECK(SSL_CTX_get_min_proto_version(ctx) == TLS1_2_VERSION);
  CHECK((SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION) != 0);
}

TEST_CASE("tls: MakeServerTlsContext reports missing, broken and mismatched files") {
  test::TempDir dir;
  const std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");
  REQUIRE(EnsureSelfSignedCertificate(cert, key, "localhost").ok());
  REQUIRE(EnsureSelfSignedCertificate(dir.file("cert2.pem"), dir.file("key2.pem"), "localhost").ok());

  SUBCASE("missing certificate") {
    auto r = MakeServerTlsContext(dir.file("nope.pem"), key);
    REQUIRE_FALSE(r.ok());
    CHECK(Contains(r.status().message(), dir.file("nope.pem")));
  }
  SUBCASE("missing key") {
    auto r = MakeServerTlsContext(cert, dir.file("nope.pem"));
    REQUIRE_FALSE(r.ok());
    CHECK(Contains(r.status().message(), dir.file("nope.pem")));
  }
  SUBCASE("a certificate file that is not PEM") {
    std::ofstream(dir.file("junk.pem")) << "not a certificate\n";
    auto r = MakeServerTlsContext(dir.file("junk.pem"), key);
    REQUIRE_FALSE(r.ok());
    CHECK(Contains(r.status().message(), dir.file("junk.pem")));
  }
  SUBCASE("a key from another pair") {
    auto r = MakeServerTlsContext(cert, dir.file("key2.pem"));
    REQUIRE_FALSE(r.ok());
    CHECK(Contains(r.status().message(), dir.file("key2.pem")));
    CHECK(Contains(r.status().message(), "mismatch"));
  }
}
