#include "connectors/snowplow/collector_payload.h"

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <exception>
#include <memory>
#include <sstream>

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace tributary::connectors::snowplow {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TBinaryProtocolT;
using apache::thrift::transport::TMemoryBuffer;

Bytes SerializeThrift(const CollectorPayload& payload) {
  // Sized up front (the strings plus room for field headers), so it does not grow while written;
  // the protocol calls the memory buffer without a virtual call per field.
  size_t size = 512 + payload.schema.size() + payload.querystring.size() + payload.body.size() +
                payload.userAgent.size() + payload.refererUri.size() + payload.path.size();
  for (const std::string& header : payload.headers) size += 4 + header.size();
  auto buffer = std::make_shared<TMemoryBuffer>(static_cast<uint32_t>(size));
  TBinaryProtocolT<TMemoryBuffer> protocol(buffer);
  // Writing to a memory buffer only throws on allocation failure.
  payload.write(&protocol);
  uint8_t* bytes = nullptr;
  uint32_t length = 0;
  buffer->getBuffer(&bytes, &length);
  return Bytes(bytes, bytes + length);
}

Result<CollectorPayload> DeserializeThrift(std::string_view bytes) {
  try {
    auto buffer = std::make_shared<TMemoryBuffer>(
        reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
        static_cast<uint32_t>(bytes.size()), TMemoryBuffer::OBSERVE);
    TBinaryProtocol protocol(buffer);
    // Bound what a corrupt length prefix may make the decoder allocate.
    protocol.setStringSizeLimit(static_cast<int32_t>(bytes.size()));
    protocol.setContainerSizeLimit(static_cast<int32_t>(bytes.size()));
    CollectorPayload payload;
    payload.read(&protocol);
    return payload;
  } catch (const std::exception& e) {
    return Status::DataError(std::string("not a Thrift CollectorPayload: ") + e.what());
  }
}

std::string PayloadToJson(const CollectorPayload& p) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  auto str = [&](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  str("schema", p.schema);
  str("ipAddress", p.ipAddress);
  w.Key("timestamp");
  w.Int64(p.timestamp);
  str("encoding", p.encoding);
  str("collector", p.collector);
  if (p.__isset.userAgent) str("userAgent", p.userAgent);
  if (p.__isset.refererUri) str("refererUri", p.refererUri);
  if (p.__isset.path) str("path", p.path);
  if (p.__isset.querystring) str("querystring", p.querystring);
  if (p.__isset.body) str("body", p.body);
  if (p.__isset.headers) {
    w.Key("headers");
    w.StartArray();
    for (const auto& h : p.headers) w.String(h.data(), static_cast<rapidjson::SizeType>(h.size()));
    w.EndArray();
  }
  if (p.__isset.contentType) str("contentType", p.contentType);
  if (p.__isset.hostname) str("hostname", p.hostname);
  if (p.__isset.networkUserId) str("networkUserId", p.networkUserId);
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

std::string PayloadToString(const CollectorPayload& payload) {
  std::ostringstream out;
  payload.printTo(out);
  return out.str();
}

}  // namespace tributary::connectors::snowplow
