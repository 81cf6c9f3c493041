// CollectorPayload 1-0-0: the record the Snowplow collector writes to its good stream and that
// Snowplow Enrich reads (iglu:com.snowplowanalytics.snowplow/CollectorPayload/thrift/1-0-0).
// Field ids and types are the wire contract and must never change; encoded with TBinaryProtocol.
namespace cpp tributary.connectors.snowplow.thrift

struct CollectorPayload {
  31337: string schema

  // Properties of the HTTP request that are always known.
  100: string ipAddress

  // Set by the collector for every payload.
  200: i64 timestamp
  210: string encoding
  220: string collector

  // Properties of the HTTP request that may be absent.
  300: optional string userAgent
  310: optional string refererUri
  320: optional string path
  330: optional string querystring
  340: optional string body
  350: optional list<string> headers
  360: optional string contentType

  // Set by the collector when known.
  400: optional string hostname
  410: optional string networkUserId
}
