// Fuzzes the readers of the plugin encoding: the loader decodes whatever a plugin hands it.
#include <cstddef>
#include <cstdint>

#include "tributary/sdk/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tributary;
  {
    std::vector<SourceRecord> records;
    sdk::Reader(data, size).SourceBatch(&records);
  }
  {
    std::vector<SinkRecord> records;
    sdk::Reader(data, size).SinkBatch(&records);
  }
  {
    std::vector<sdk::ConnectorDescriptor> descriptors;
    sdk::Reader(data, size).Descriptors(&descriptors);
  }
  {
    sdk::Reader reader(data, size);
    std::vector<ConfigMap> configs;
    TopicPartitionOffsets offsets;
    sdk::ValidationErrors errors;
    reader.ConfigList(&configs);
    sdk::Reader(data, size).Offsets(&offsets);
    sdk::Reader(data, size).Validation(&errors);
  }
  return 0;
}
