#pragma once

// Translates Kafka Connect / Java client settings into librdkafka configuration properties, so a
// worker.properties written for Confluent Cloud or any Java client works as it is.

#include <map>
#include <string>
#include <vector>

#include "runtime/api/config_def.h"
#include "runtime/api/status.h"

namespace tributary::runtime {

enum class ClientRole { kProducer, kConsumer, kAdmin };

struct ClientConfig {
  // librdkafka property names and values, ready for rd_kafka_conf_set.
  std::map<std::string, std::string> properties;
  // Keys (as the user wrote them, with their prefix) dropped because librdkafka has no
  // equivalent (JVM-only settings such as serializers, max.block.ms, interceptor.classes). The
  // caller logs them.
  std::vector<std::string> ignored;
  // Java's max.poll.records (librdkafka has no such setting): the most records one poll hands a
  // sink task's put(). 0 when not set (Connect's default, 500, applies).
  int max_poll_records = 0;
};

// Builds the properties for a client of `role`, layering (later wins):
//  1. the worker's top-level bootstrap.servers, client.id, security.protocol, sasl.*, ssl.*;
//  2. the worker's "producer." / "consumer." / "admin." settings;
//  3. the connector's "producer.override." / "consumer.override." / "admin.override." settings.
// bootstrap.servers "embedded" or empty is left out: the caller sets the embedded broker's
// address. The merged Java-style map is then translated by TranslateClientConfig.
Result<ClientConfig> BuildClientConfig(ClientRole role, const ConfigMap& worker,
                                       const ConfigMap& connector = {});

// Translates one Java-style client map (no prefixes) for librdkafka:
//  - sasl.jaas.config with PlainLoginModule or ScramLoginModule becomes sasl.username and
//    sasl.password (values quoted with " or ', backslash escapes honoured); Krb5LoginModule's
//    keyTab/principal become sasl.kerberos.keytab/principal; OAuthBearerLoginModule and others
//    are InvalidConfig ("not supported yet"). Explicit sasl.username/sasl.password win.
//  - sasl.mechanism is set to PLAIN for PlainLoginModule when absent; a mechanism that does not
//    fit the login module is InvalidConfig.
//  - ssl.truststore.location (PEM) becomes ssl.ca.location; JKS/PKCS12 truststores are
//    InvalidConfig (librdkafka reads PEM only). ssl.keystore.location of type PKCS12 is kept;
//    PEM becomes ssl.certificate.location + ssl.key.location. Inline PEM keys
//    (ssl.truststore.certificates, ssl.keystore.certificate.chain, ssl.keystore.key) become
//    ssl.ca.pem, ssl.certificate.pem, ssl.key.pem.
//  - ssl.endpoint.identification.algorithm "https" stays, empty becomes "none".
//  - Java names that differ are renamed (max.request.size -> message.max.bytes,
//    fetch.max.wait.ms -> fetch.wait.max.ms, send/receive.buffer.bytes -> socket.*,
//    auto.offset.reset=none -> error, partition.assignment.strategy class names -> librdkafka
//    names). Keys librdkafka knows pass through unchanged.
//  - max.poll.records goes to ClientConfig::max_poll_records.
//  - Everything else is dropped and listed in `ignored`.
// Error messages name the key but never contain secrets.
Result<ClientConfig> TranslateClientConfig(const ConfigMap& java_style);

// "key=value, key=value" with the values of secret-looking keys (password, secret, jaas,
// private keys) shown as [hidden]; for logging.
std::string Redacted(const std::map<std::string, std::string>& properties);

}  // namespace tributary::runtime
