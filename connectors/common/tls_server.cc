#include "connectors/common/tls_server.h"

#include <cctype>

namespace tributary::connectors {

namespace ssl = boost::asio::ssl;

Result<std::unique_ptr<ssl::context>> MakeServerTlsContext(const PemKeystore& keystore) {
  std::string type = keystore.keystore_type;
  for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (type != "PEM") {
    return Status::InvalidConfig("ssl.keystore.type " + keystore.keystore_type +
                                 " is not supported for a server certificate: use PEM");
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  // Always set: without a callback OpenSSL would prompt on the terminal for an encrypted key.
  context->set_password_callback(
      [password = keystore.key_password](std::size_t, ssl::context::password_purpose) {
        return password;
      },
      ec);
  if (!ec) context->use_certificate_chain_file(keystore.keystore_location, ec);
  if (ec) {
    return Status::InvalidConfig("Cannot load the certificate chain from the keystore " +
                                 keystore.keystore_location + ": " + ec.message());
  }
  context->use_private_key_file(keystore.keystore_location, ssl::context::pem, ec);
  if (ec) {
    return Status::InvalidConfig("Cannot load the private key from the keystore " +
                                 keystore.keystore_location +
                                 " (wrong or missing ssl.key.password?): " + ec.message());
  }
  return context;
}

}  // namespace tributary::connectors
