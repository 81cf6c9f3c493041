#pragma once

// Text renderings that match what the Java Connect runtime writes, so that bytes produced here are
// the bytes a Java worker would produce: Double.toString, Float.toString, BigDecimal.toString,
// java.util.Base64, and the replacement of malformed UTF-8 done by new String(bytes, UTF_8).
// Internal to runtime/converters.

#include <optional>
#include <string>
#include <string_view>

#include "runtime/api/data.h"

namespace tributary::runtime {

// A short name of a value kind for error messages ("int32", "struct", …).
const char* ValueKindText(ValueKind kind);

// Java's Double.toString: "1.0", "0.001", "1.0E7", "1.5E-4", "NaN", "Infinity", "-0.0".
std::string JavaDoubleToString(double value);
// Java's Float.toString, using the shortest digits that identify the float.
std::string JavaFloatToString(float value);
// Java's BigDecimal.toString: plain notation unless the scale is negative or the number is tiny
// ("1.2E+3" for unscaled 12, scale -2; "1E-7" for unscaled 1, scale 7).
std::string JavaBigDecimalToString(const DecimalValue& value);

// Standard base64 with padding (java.util.Base64.getEncoder()).
std::string Base64Encode(std::string_view bytes);
// Decodes standard base64; padding may be omitted. nullopt on any other character or bad length.
std::optional<std::string> Base64Decode(std::string_view text);

// `text` with every malformed UTF-8 sequence replaced by U+FFFD, as Java does when decoding.
// Returns the input unchanged (no copy beyond the return) when it is valid.
std::string SanitizeUtf8(std::string_view text);

}  // namespace tributary::runtime
