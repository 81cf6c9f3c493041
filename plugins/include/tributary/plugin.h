/*
 * Tributary plugin ABI: the boundary between the worker and a connector plugin (a shared library
 * found under plugin.path). Pure C, only <stdint.h> and <stddef.h>, so a plugin may be written in
 * any language that can export a C function; C++ authors use the header-only SDK
 * (tributary/sdk/export.h) and never touch this file directly.
 *
 * Rules this file keeps (see plugins/README.md):
 *  - One exported symbol, tributary_plugin_entry (TRIBUTARY_PLUGIN_ENTRY_SYMBOL). It only returns
 *    a pointer to a constant table; no plugin code runs before the host checked the version.
 *  - The first three fields of tributary_plugin_api (abi_major, abi_minor, struct_size) keep their
 *    place in every ABI version. The host refuses a plugin whose abi_major differs from its own.
 *  - Both function tables only grow: new slots are appended, with abi_minor raised. A reader of a
 *    table never touches a slot at or beyond the table's struct_size; such slots count as NULL.
 *  - Handles are opaque. Buffers are pointer + length. Every pointer says who owns it:
 *      "borrowed (host)"   the host owns it; valid only for the duration of the call.
 *      "borrowed (plugin)" the plugin owns it; valid until the next call on the same handle (or the
 *                          handle's destroy), as the slot says.
 *      "static"            valid as long as the library is loaded.
 *  - Data (configs, records, offsets, schemas) crosses as one encoded buffer per call, in the
 *    Tributary plugin encoding described at the end of this file: a batch of records is one call.
 *  - Errors: a slot returns TRIBUTARY_OK (0) or a tributary_status_code, after describing the error
 *    with host->set_error(error, …). The host copies the message.
 *
 * Threading: the plugin-level slots (describe, connector_new, connector_validate, *_task_new) may
 * be called from several threads at once. A connector or sink task handle is used by one thread at
 * a time, in the order runtime/api/connector.h and sink_task.h describe. A source task follows
 * runtime/api/source_task.h: source_task_poll runs on a poll thread and may overlap
 * source_task_commit and source_task_commit_record (never another poll, start or stop).
 *
 * History:
 *   1.0  the first table.
 *   1.1  plugin: connector_validate, source_task_commit_record. host: sink_report_errant.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRIBUTARY_PLUGIN_ABI_MAJOR 1
#define TRIBUTARY_PLUGIN_ABI_MINOR 1
#define TRIBUTARY_PLUGIN_ENTRY_SYMBOL "tributary_plugin_entry"

/* The codes of runtime/api/status.h, in the same order. */
typedef enum tributary_status_code {
  TRIBUTARY_OK = 0,
  TRIBUTARY_INVALID_CONFIG = 1,
  TRIBUTARY_INVALID_ARGUMENT = 2,
  TRIBUTARY_DATA_ERROR = 3,
  TRIBUTARY_NOT_FOUND = 4,
  TRIBUTARY_ALREADY_EXISTS = 5,
  TRIBUTARY_IO_ERROR = 6,
  TRIBUTARY_TIMEOUT = 7,
  TRIBUTARY_UNAVAILABLE = 8,
  TRIBUTARY_CANCELLED = 9,
  TRIBUTARY_INTERNAL = 10
} tributary_status_code;

typedef enum tributary_log_level {
  TRIBUTARY_LOG_DEBUG = 0,
  TRIBUTARY_LOG_INFO = 1,
  TRIBUTARY_LOG_WARN = 2,
  TRIBUTARY_LOG_ERROR = 3
} tributary_log_level;

/* Opaque handles. Host-side ones are owned by the host and outlive every call that receives
 * them; plugin-side ones are created by *_new slots and released by the matching *_destroy. */
typedef struct tributary_error tributary_error;                             /* host */
typedef struct tributary_connector_context tributary_connector_context;     /* host */
typedef struct tributary_source_task_context tributary_source_task_context; /* host */
typedef struct tributary_sink_task_context tributary_sink_task_context;     /* host */
typedef struct tributary_plugin_state tributary_plugin_state;               /* plugin */
typedef struct tributary_connector tributary_connector;                     /* plugin */
typedef struct tributary_source_task tributary_source_task;                 /* plugin */
typedef struct tributary_sink_task tributary_sink_task;                     /* plugin */

/* Where Kafka stored a produced record (runtime/api/record.h RecordMetadata). */
typedef struct tributary_record_metadata {
  const char* topic; /* borrowed (host) */
  size_t topic_size;
  int32_t partition;
  int64_t offset;
  int32_t has_timestamp;
  int64_t timestamp;
} tributary_record_metadata;

/* What the host offers the plugin. Handed to init; valid until shutdown returns. */
typedef struct tributary_host_api {
  uint32_t struct_size; /* sizeof as the host built it; slots at or beyond it do not exist */
  uint32_t abi_major;
  uint32_t abi_minor;

  /* Describes the error of the current call. `message` is borrowed (plugin) for the call; the host
   * copies it. `retriable` != 0 lets the worker retry with backoff. */
  void (*set_error)(tributary_error* error, int32_t code, int32_t retriable, const char* message,
                    size_t message_size);
  /* Writes a line to the worker's log. `message` is borrowed (plugin) for the call. */
  void (*log)(int32_t level, const char* message, size_t message_size);

  /* ConnectorContext. Thread-safe. */
  void (*connector_request_task_reconfiguration)(tributary_connector_context* context);
  void (*connector_raise_error)(tributary_connector_context* context, int32_t code,
                                const char* message, size_t message_size);

  /* OffsetStorageReader. `partition` is an encoded source map, borrowed (plugin) for the call.
   * Returns 1 and sets *offset (an encoded source map, borrowed (host) until the next call on
   * `context` from the same thread) when an offset is stored, 0 when none is, or a negative value
   * when reading failed (the host logged why; Connect's reader then answers null). */
  int32_t (*source_offset)(tributary_source_task_context* context, const uint8_t* partition,
                           size_t partition_size, const uint8_t** offset, size_t* offset_size);

  /* SinkTaskContext. `topic` and the encoded partition lists are borrowed (plugin) for the call. */
  void (*sink_offset)(tributary_sink_task_context* context, const char* topic, size_t topic_size,
                      int32_t partition, int64_t offset);
  void (*sink_timeout)(tributary_sink_task_context* context, int64_t timeout_ms);
  /* Sets *partitions to an encoded partition list, borrowed (host) until the next call on
   * `context`. */
  void (*sink_assignment)(tributary_sink_task_context* context, const uint8_t** partitions,
                          size_t* partitions_size);
  void (*sink_pause)(tributary_sink_task_context* context, const uint8_t* partitions,
                     size_t partitions_size);
  void (*sink_resume)(tributary_sink_task_context* context, const uint8_t* partitions,
                      size_t partitions_size);
  void (*sink_request_commit)(tributary_sink_task_context* context);

  /* ---- 1.1 ---- */
  /* ErrantRecordReporter: `record` is one encoded sink record (a sink batch of one), borrowed
   * (plugin); `code`, `retriable` and `message` describe why the task cannot write it. Returns
   * TRIBUTARY_OK when the worker took the record over; otherwise the task should fail (with the
   * returned code; the host logged the details). */
  int32_t (*sink_report_errant)(tributary_sink_task_context* context, const uint8_t* record,
                                size_t record_size, int32_t code, int32_t retriable,
                                const char* message, size_t message_size);
} tributary_host_api;

/* What the plugin offers the host: returned by the entry point, static. */
typedef struct tributary_plugin_api {
  /* These three fields keep their place in every ABI version. */
  uint32_t abi_major; /* TRIBUTARY_PLUGIN_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;
  uint64_t struct_size; /* sizeof(tributary_plugin_api) as the plugin was built */

  const char* name;    /* static; the library's name for logs */
  const char* version; /* static */

  /* Called once, after the version check. `host` is valid until shutdown returns. Returns the
   * plugin's state, or NULL after set_error: the host then skips the library. */
  tributary_plugin_state* (*init)(const tributary_host_api* host, tributary_error* error);
  /* Called once when the host no longer uses the library; every handle was destroyed before. */
  void (*shutdown)(tributary_plugin_state* state);
  /* The connectors this library provides: an encoded descriptor list, borrowed (plugin) until
   * shutdown. */
  int32_t (*describe)(tributary_plugin_state* state, const uint8_t** descriptors,
                      size_t* descriptors_size, tributary_error* error);

  /* Connector `index` (position in the descriptor list). `context` outlives the handle. */
  tributary_connector* (*connector_new)(tributary_plugin_state* state, uint32_t index,
                                        tributary_connector_context* context,
                                        tributary_error* error);
  void (*connector_destroy)(tributary_connector* connector);
  /* `config`: an encoded config map, borrowed (host). */
  int32_t (*connector_start)(tributary_connector* connector, const uint8_t* config,
                             size_t config_size, tributary_error* error);
  /* Sets *configs to an encoded list of config maps, borrowed (plugin) until the next call. */
  int32_t (*connector_task_configs)(tributary_connector* connector, int32_t max_tasks,
                                    const uint8_t** configs, size_t* configs_size,
                                    tributary_error* error);
  void (*connector_stop)(tributary_connector* connector);

  /* A new, unstarted task of connector `index`'s kind. */
  tributary_source_task* (*source_task_new)(tributary_plugin_state* state, uint32_t index,
                                            tributary_error* error);
  void (*source_task_destroy)(tributary_source_task* task);
  /* `context` outlives the task; `config` is borrowed (host). */
  int32_t (*source_task_start)(tributary_source_task* task, tributary_source_task_context* context,
                               const uint8_t* config, size_t config_size, tributary_error* error);
  /* Sets *records to an encoded source batch (possibly of zero records), borrowed (plugin) until
   * the next call on `task`. */
  int32_t (*source_task_poll)(tributary_source_task* task, const uint8_t** records,
                              size_t* records_size, tributary_error* error);
  int32_t (*source_task_commit)(tributary_source_task* task, tributary_error* error);
  void (*source_task_stop)(tributary_source_task* task);

  tributary_sink_task* (*sink_task_new)(tributary_plugin_state* state, uint32_t index,
                                        tributary_error* error);
  void (*sink_task_destroy)(tributary_sink_task* task);
  int32_t (*sink_task_start)(tributary_sink_task* task, tributary_sink_task_context* context,
                             const uint8_t* config, size_t config_size, tributary_error* error);
  /* `partitions`: an encoded partition list, borrowed (host). */
  int32_t (*sink_task_open)(tributary_sink_task* task, const uint8_t* partitions,
                            size_t partitions_size, tributary_error* error);
  /* `records`: an encoded sink batch, borrowed (host). */
  int32_t (*sink_task_put)(tributary_sink_task* task, const uint8_t* records, size_t records_size,
                           tributary_error* error);
  /* `offsets`: encoded partition offsets, borrowed (host). Sets *committable to the offsets safe
   * to commit, borrowed (plugin) until the next call on `task`. */
  int32_t (*sink_task_pre_commit)(tributary_sink_task* task, const uint8_t* offsets,
                                  size_t offsets_size, const uint8_t** committable,
                                  size_t* committable_size, tributary_error* error);
  int32_t (*sink_task_close)(tributary_sink_task* task, const uint8_t* partitions,
                             size_t partitions_size, tributary_error* error);
  void (*sink_task_stop)(tributary_sink_task* task);

  /* ---- 1.1 ---- */
  /* Per-key validation of connector `index`'s config without starting it: sets *errors to an
   * encoded validation result, borrowed (plugin) until the next call on this thread. NULL: the host
   * validates against the descriptor's config definition (types and required keys). */
  int32_t (*connector_validate)(tributary_plugin_state* state, uint32_t index,
                                const uint8_t* config, size_t config_size, const uint8_t** errors,
                                size_t* errors_size, tributary_error* error);
  /* SourceTask::CommitRecord, called only for connectors whose descriptor sets
   * TRIBUTARY_CONNECTOR_WANTS_COMMIT_RECORD. `record`: one encoded source record (a source batch of
   * one), borrowed (host); `metadata` is NULL when the record was dropped. */
  int32_t (*source_task_commit_record)(tributary_source_task* task, const uint8_t* record,
                                       size_t record_size,
                                       const tributary_record_metadata* metadata,
                                       tributary_error* error);
} tributary_plugin_api;

/* The one exported symbol. Returns a static table; must not run any other plugin code. */
typedef const tributary_plugin_api* (*tributary_plugin_entry_fn)(void);

/* Descriptor flags. */
#define TRIBUTARY_CONNECTOR_WANTS_COMMIT_RECORD 1u

/*
 * The Tributary plugin encoding. Host and plugin share a process, so integers are in native byte
 * order and native size as named: u8, u32, i32, i64, f32, f64. A string is u32 length + bytes (no
 * terminator). A reader must check every length against the buffer and reject what does not fit.
 *
 *   config map      u32 n, n × (string key, string value)
 *   config list     u32 n, n × config map
 *   partition list  u32 n, n × (string topic, i32 partition)
 *   offsets         u32 n, n × (string topic, i32 partition, i64 offset)
 *   validation      u32 n, n × (string key, u32 m, m × string message)
 *   descriptors     u32 n, n × descriptor
 *   descriptor      string class_name, u32 n, n × string alias, u8 type (0 source, 1 sink),
 *                   string version, u32 flags, config def
 *   config def      u32 n, n × (string name, u8 type (ConfigType order: BOOLEAN, STRING, INT,
 *                   SHORT, LONG, DOUBLE, LIST, CLASS, PASSWORD), u8 default kind (0 required,
 *                   1 value, 2 null), string default, u8 importance (HIGH, MEDIUM, LOW),
 *                   string doc, string group, string display_name, string valid_values)
 *   schema          u8 type (runtime/api/data.h SchemaType order), u8 flags (1 optional,
 *                   2 name, 4 version, 8 doc, 16 default), [string name], [i32 version],
 *                   [string doc], u32 n, n × (string key, string value) parameters,
 *                   STRUCT: u32 n, n × (string field name, schema);  ARRAY: schema;
 *                   MAP: schema key, schema value;  [value default, with inline schemas]
 *   schema ref      u32: index into the batch's schema table, 0xFFFFFFFF no schema,
 *                   0xFFFFFFFE a schema follows inline
 *   value           u8 kind (runtime/api/data.h ValueKind order) then: BOOLEAN u8; INT8..INT64
 *                   i8/i16/i32/i64; FLOAT32 f32; FLOAT64 f64; STRING/BYTES string;
 *                   ARRAY u32 n, n × value; MAP u32 n, n × (value, value);
 *                   STRUCT schema ref, u32 n, n × value (one per field);
 *                   DECIMAL string unscaled digits, i32 scale
 *   source map      u32 n, n × (string key, value)
 *   headers         u32 n, n × (string key, schema ref, value)
 *   record          string topic, u8 has partition, [i32 partition], schema ref key, value key,
 *                   schema ref value schema, value, u8 has timestamp, [i64 timestamp], headers
 *   source batch    u32 schema count, schemas, u32 n, n × (record, source map partition,
 *                   source map offset)
 *   sink batch      u32 schema count, schemas, u32 n, n × (record, i64 kafka offset,
 *                   u8 timestamp type (NO_TIMESTAMP, CREATE_TIME, LOG_APPEND_TIME))
 */

#ifdef __cplusplus
} /* extern "C" */
#endif
