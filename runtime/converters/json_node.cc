#include "runtime/converters/json_node.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace tributary::runtime {

namespace {

// SAX handler building JsonNode trees. Only the innermost open container is ever appended to,
// so pointers to the open containers stay valid while children are added.
class TreeBuilder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TreeBuilder> {
 public:
  explicit TreeBuilder(const rapidjson::MemoryStream* stream) : stream_(stream) {}

  bool Null() { return Add(JsonNode::Type::kNull) != nullptr; }
  bool Bool(bool b) {
    JsonNode* node = Add(JsonNode::Type::kBoolean);
    if (node != nullptr) node->boolean = b;
    return node != nullptr;
  }
  bool RawNumber(const char* str, rapidjson::SizeType len, bool) {
    JsonNode* node = Add(JsonNode::Type::kNumber);
    if (node != nullptr) node->text.assign(str, len);
    return node != nullptr;
  }
  bool String(const char* str, rapidjson::SizeType len, bool) {
    JsonNode* node = Add(JsonNode::Type::kString);
    if (node != nullptr) node->text.assign(str, len);
    return node != nullptr;
  }
  bool Key(const char* str, rapidjson::SizeType len, bool) {
    pending_key_.assign(str, len);
    return true;
  }
  bool StartObject() { return Open(JsonNode::Type::kObject); }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool StartArray() { return Open(JsonNode::Type::kArray); }
  bool EndArray(rapidjson::SizeType) { return Close(); }

  JsonNode& root() { return root_; }
  bool too_deep() const { return too_deep_; }

 private:
  JsonNode* Add(JsonNode::Type type) {
    JsonNode* node;
    if (stack_.empty()) {
      if (has_root_) return nullptr;
      has_root_ = true;
      node = &root_;
    } else {
      JsonNode* parent = stack_.back();
      if (parent->type == JsonNode::Type::kObject) parent->keys.push_back(std::move(pending_key_));
      parent->elements.emplace_back();
      node = &parent->elements.back();
    }
    node->type = type;
    return node;
  }
  bool Open(JsonNode::Type type) {
    if (static_cast<int>(stack_.size()) >= kMaxJsonDepth) {
      too_deep_ = true;
      return false;
    }
    JsonNode* node = Add(type);
    if (node == nullptr) return false;
    // The iterative parser calls the handler before it consumes the bracket.
    node->raw_begin = stream_->Tell();
    stack_.push_back(node);
    return true;
  }
  bool Close() {
    stack_.back()->raw_end = stream_->Tell() + 1;
    stack_.pop_back();
    return true;
  }

  const rapidjson::MemoryStream* stream_;
  JsonNode root_;
  bool has_root_ = false;
  bool too_deep_ = false;
  std::vector<JsonNode*> stack_;
  std::string pending_key_;
};

}  // namespace

const JsonNode* JsonNode::Get(std::string_view key) const {
  if (type != Type::kObject) return nullptr;
  for (size_t i = keys.size(); i-- > 0;) {
    if (keys[i] == key) return &elements[i];
  }
  return nullptr;
}

bool JsonNode::IsIntegral() const {
  return type == Type::kNumber && text.find_first_of(".eE") == std::string::npos;
}

const char* JsonNodeTypeName(JsonNode::Type type) {
  switch (type) {
    case JsonNode::Type::kNull:
      return "NULL";
    case JsonNode::Type::kBoolean:
      return "BOOLEAN";
    case JsonNode::Type::kNumber:
      return "NUMBER";
    case JsonNode::Type::kString:
      return "STRING";
    case JsonNode::Type::kArray:
      return "ARRAY";
    case JsonNode::Type::kObject:
      return "OBJECT";
  }
  return "UNKNOWN";
}

Result<JsonNode> ParseJson(std::string_view input) {
  rapidjson::MemoryStream stream(input.data(), input.size());
  TreeBuilder builder(&stream);
  rapidjson::Reader reader;
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag;
  rapidjson::ParseResult ok = reader.Parse<kFlags>(stream, builder);
  if (!ok) {
    std::string reason = builder.too_deep()
                             ? "nesting depth exceeds " + std::to_string(kMaxJsonDepth)
                             : rapidjson::GetParseError_En(ok.Code());
    return Status::DataError(reason + " (at byte " + std::to_string(ok.Offset()) + ")");
  }
  // rapidjson's stream reads a NUL byte as the end of the input: anything from one on is left.
  if (stream.Tell() < input.size()) {
    return Status::DataError(
        std::string(rapidjson::GetParseError_En(rapidjson::kParseErrorDocumentRootNotSingular)) +
        " (at byte " + std::to_string(stream.Tell()) + ")");
  }
  return std::move(builder.root());
}

}  // namespace tributary::runtime
