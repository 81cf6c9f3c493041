#pragma once

// The TLS identity of a server (the Snowplow collector's https port, the REST API's https://
// listeners) from Kafka's PEM keystore: one file holding the private key and the certificate
// chain, as `ssl.keystore.type=PEM` / `ssl.keystore.location` / `ssl.key.password` describe it.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "runtime/api/status.h"

namespace tributary::connectors {

struct PemKeystore {
  std::string keystore_location;
  std::string keystore_type = "PEM";  // only PEM (any case) is supported
  std::string key_password;           // empty: the key is not encrypted
};

// A TLS 1.2+ server context with the keystore's chain and key. InvalidConfig naming the file and
// the setting at fault when the type is not PEM or the file cannot be read, parsed or decrypted.
// An empty keystore_location is the caller's to report (it knows which keys the user sets).
Result<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const PemKeystore& keystore);

}  // namespace tributary::connectors
