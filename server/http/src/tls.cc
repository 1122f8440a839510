// Self-signed certificates and the server's TLS context, on the OpenSSL 3 API.

#include "psephos/server/tls.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace psephos::server {
namespace {

namespace fs = std::filesystem;
namespace ssl = boost::asio::ssl;

constexpr long kValidDays = 825;  // the longest browsers accept for server certificates
constexpr long kBackdateSeconds = 3600;  // tolerate clients whose clocks run a little slow

const char kServerCiphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

// The earliest error on OpenSSL's queue (the root cause; later entries wrap
// it), then an empty queue for whoever comes next.
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

Status Fail(const std::string& what) { return Status::Invalid(what + ": " + OpenSslError()); }

// Host names go into the certificate verbatim: accept only DNS-name characters.
bool IsDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '*';
    if (!ok) return false;
  }
  return true;
}

bool IsIpAddress(const std::string& text) {
  ASN1_OCTET_STRING* ip = a2i_IPADDRESS(text.c_str());
  ERR_clear_error();
  ASN1_OCTET_STRING_free(ip);
  return ip != nullptr;
}

bool PushName(GENERAL_NAMES* names, int type, ASN1_STRING* value) {
  if (value == nullptr) return false;
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (name == nullptr) {
    ASN1_STRING_free(value);
    return false;
  }
  GENERAL_NAME_set0_value(name, type, value);
  if (sk_GENERAL_NAME_push(names, name) == 0) {
    GENERAL_NAME_free(name);
    return false;
  }
  return true;
}

bool PushDns(GENERAL_NAMES* names, const std::string& dns) {
  ASN1_IA5STRING* value = ASN1_IA5STRING_new();
  if (value != nullptr && ASN1_STRING_set(value, dns.data(), static_cast<int>(dns.size())) == 0) {
    ASN1_STRING_free(value);
    return false;
  }
  return PushName(names, GEN_DNS, value);
}

// subjectAltName: the host (as a DNS name or an IP address), localhost,
// 127.0.0.1 and ::1, built as GENERAL_NAMEs so no name is parsed as config.
Status AddSubjectAltNames(X509* cert, const std::string& host) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return Fail("cannot build subjectAltName");
  bool ok = true;
  if (!host.empty() && host != "localhost" && host != "127.0.0.1" && host != "::1") {
    if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str())) {
      ok = PushName(names.get(), GEN_IPADD, ip);
    } else {
      ERR_clear_error();  // not an address: a DNS name
      ok = PushDns(names.get(), host);
    }
  }
  ok = ok && PushDns(names.get(), "localhost");
  ok = ok && PushName(names.get(), GEN_IPADD, a2i_IPADDRESS("127.0.0.1"));
  ok = ok && PushName(names.get(), GEN_IPADD, a2i_IPADDRESS("::1"));
  if (!ok || X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
    return Fail("cannot add subjectAltName");
  return Status::Ok();
}

Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return Fail(std::string("cannot add certificate extension ") + value);
  return Status::Ok();
}

// A random positive 128-bit serial number, as CAs use to make serials unguessable.
Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return Fail("cannot draw a serial number");
  bytes[0] |= 0x01;  // never zero
  BignumPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr)
    return Fail("cannot set the serial number");
  return Status::Ok();
}

Result<X509Ptr> MakeCertificate(EVP_PKEY* key, const std::string& host) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return Fail("cannot create certificate");
  if (Status s = SetRandomSerial(cert.get()); !s.ok()) return s;
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(kValidDays), 0, nullptr) == nullptr)
    return Fail("cannot set the validity period");
  // A common name is limited to 64 characters; the alternative names are what clients check.
  const std::string cn = host.empty() ? "localhost" : host.size() <= 64 ? host : "psephos";
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key) != 1)
    return Fail("cannot set the certificate names");
  if (Status s = AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"); !s.ok()) return s;
  if (Status s = AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature"); !s.ok()) return s;
  if (Status s = AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"); !s.ok()) return s;
  if (Status s = AddExtension(cert.get(), NID_subject_key_identifier, "hash"); !s.ok()) return s;
  if (Status s = AddSubjectAltNames(cert.get(), host); !s.ok()) return s;
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return Fail("cannot sign the certificate");
  return cert;
}

// Writes `bio`'s contents to a new file (it must not exist) with exactly `mode`.
Status WriteNewFile(const std::string& path, BIO* bio, mode_t mode) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Status::Invalid("cannot create " + path + ": " + std::strerror(errno));
  // open() applies the umask; the certificate must stay world-readable, the key private.
  bool ok = ::fchmod(fd, mode) == 0;
  for (long done = 0; ok && done < size;) {
    const ssize_t n = ::write(fd, data + done, static_cast<size_t>(size - done));
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += n;
  }
  const int saved_errno = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return Status::Invalid("cannot write " + path + ": " + std::strerror(saved_errno));
  }
  return Status::Ok();
}

Status CreateParent(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) return Status::Ok();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return Status::Invalid("cannot create directory " + parent.string() + ": " + ec.message());
  return Status::Ok();
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

}  // namespace

Status EnsureSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                   const std::string& host_name) {
  const bool have_cert = Exists(cert_path);
  const bool have_key = Exists(key_path);
  if (have_cert && have_key) return Status::Ok();
  // Never pair a stray key with a new certificate or the reverse: ask the operator.
  if (have_cert)
    return Status::Invalid("certificate " + cert_path + " exists but its key " + key_path +
                           " does not; remove the certificate or provide the key");
  if (have_key)
    return Status::Invalid("private key " + key_path + " exists but its certificate " + cert_path +
                           " does not; remove the key or provide the certificate");
  if (!host_name.empty() && !IsDnsName(host_name) && !IsIpAddress(host_name))
    return Status::Invalid("invalid host name for the certificate: '" + host_name + "'");

  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Fail("cannot generate an EC P-256 key");
  auto cert = MakeCertificate(key.get(), host_name);
  if (!cert.ok()) return cert.status();

  BioPtr key_pem(BIO_new(BIO_s_mem()));
  BioPtr cert_pem(BIO_new(BIO_s_mem()));
  if (!key_pem || !cert_pem ||
      PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cert_pem.get(), cert->get()) != 1)
    return Fail("cannot encode the certificate and key");

  if (Status s = CreateParent(key_path); !s.ok()) return s;
  if (Status s = CreateParent(cert_path); !s.ok()) return s;
  // The key first: a certificate on disk then always has its key beside it.
  if (Status s = WriteNewFile(key_path, key_pem.get(), 0600); !s.ok()) return s;
  if (Status s = WriteNewFile(cert_path, cert_pem.get(), 0644); !s.ok()) {
    ::unlink(key_path.c_str());
    return s;
  }
  return Status::Ok();
}

Result<std::unique_ptr<ssl::context>> MakeServerTlsContext(const std::string& cert_path,
                                                           const std::string& key_path) {
  ERR_clear_error();
  std::unique_ptr<ssl::context> context;
  try {
    context = std::make_unique<ssl::context>(ssl::context::tls_server);
  } catch (const boost::system::system_error& e) {
    return Status::Invalid(std::string("cannot create a TLS context: ") + e.what());
  }
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                           ssl::context::no_compression,
                       ec);
  if (ec) return Status::Invalid("cannot set TLS options: " + ec.message());
  SSL_CTX* ctx = context->native_handle();
  // Options only switch protocols off; the minimum version also binds
  // whatever a system-wide OpenSSL configuration enables.
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return Fail("cannot require TLS 1.2");
  // TLS 1.3 suites are all AEAD with forward secrecy; TLS 1.2 gets ECDHE + AEAD only.
  if (SSL_CTX_set_cipher_list(ctx, kServerCiphers) != 1) return Fail("cannot set the TLS 1.2 ciphers");
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An idle keep-alive connection gives its read and write buffers (about
  // 34 KB) back until its next record: idle connections are most of them.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

  if (!Exists(cert_path)) return Status::Invalid("cannot load certificate " + cert_path + ": no such file");
  if (!Exists(key_path)) return Status::Invalid("cannot load private key " + key_path + ": no such file");
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_path.c_str()) != 1)
    return Fail("cannot load certificate " + cert_path);
  // OpenSSL 3 refuses a key that does not match the certificate already here.
  if (SSL_CTX_use_PrivateKey_file(ctx, key_path.c_str(), SSL_FILETYPE_PEM) != 1)
    return Fail("cannot load private key " + key_path + " for certificate " + cert_path);
  if (SSL_CTX_check_private_key(ctx) != 1)
    return Fail("private key " + key_path + " does not match certificate " + cert_path);
  return context;
}

}  // namespace psephos::server
