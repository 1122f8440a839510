// TLS for the server: a certificate and key from files, or a self-signed pair
// made on first run.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "psephos/engine/status.h"

namespace psephos::server {

// Writes a new self-signed certificate (EC P-256, SHA-256, valid 825 days, the
// given host names and 127.0.0.1/::1 as subject alternative names) and its key
// (mode 0600) unless both files exist already.
Status EnsureSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                   const std::string& host_name);

// A server context that accepts TLS 1.2 and 1.3 only, with forward-secret
// AEAD ciphers, using the given PEM certificate chain and private key.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(const std::string& cert_path,
                                                                        const std::string& key_path);

}  // namespace psephos::server
