#include "runtime/converters/builtin_converters.h"

#include "runtime/converters/byte_array_converter.h"
#include "runtime/converters/json_converter.h"
#include "runtime/converters/simple_header_converter.h"
#include "runtime/converters/string_converter.h"

namespace tributary::runtime {

namespace {
// The Connect release whose converter behaviour these match.
constexpr const char* kConverterVersion = "3.9.0";
}  // namespace

std::vector<ConverterPlugin> BuiltinConverters() {
  return {
      {JsonConverter::kClassName,
       {},
       kConverterVersion,
       [] { return std::unique_ptr<Converter>(new JsonConverter()); }},
      {StringConverter::kClassName,
       {},
       kConverterVersion,
       [] { return std::unique_ptr<Converter>(new StringConverter()); }},
      {ByteArrayConverter::kClassName,
       {},
       kConverterVersion,
       [] { return std::unique_ptr<Converter>(new ByteArrayConverter()); }},
  };
}

std::vector<HeaderConverterPlugin> BuiltinHeaderConverters() {
  return {
      {SimpleHeaderConverter::kClassName,
       {},
       kConverterVersion,
       [] { return std::unique_ptr<HeaderConverter>(new SimpleHeaderConverter()); }},
      {JsonConverter::kClassName,
       {},
       kConverterVersion,
       [] {
         return std::unique_ptr<HeaderConverter>(
             new ConverterHeaderAdapter(std::make_unique<JsonConverter>()));
       }},
      {StringConverter::kClassName,
       {},
       kConverterVersion,
       [] {
         return std::unique_ptr<HeaderConverter>(
             new ConverterHeaderAdapter(std::make_unique<StringConverter>()));
       }},
      {ByteArrayConverter::kClassName,
       {},
       kConverterVersion,
       [] {
         return std::unique_ptr<HeaderConverter>(
             new ConverterHeaderAdapter(std::make_unique<ByteArrayConverter>()));
       }},
  };
}

}  // namespace tributary::runtime
