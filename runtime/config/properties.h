#pragma once

// Java .properties files, read exactly as java.util.Properties.load reads them, so that worker and
// connector files written for Kafka Connect (`connect-standalone.sh worker.properties
// c.properties`) load unchanged.

#include <string>
#include <string_view>

#include "runtime/api/config_def.h"
#include "runtime/api/status.h"

namespace tributary::runtime {

// Parses properties text. Rules (java.util.Properties.load):
//  - lines end at "\n", "\r" or "\r\n"; leading blanks (space, tab, form feed) are skipped;
//    blank lines and lines whose first non-blank character is '#' or '!' are ignored;
//  - a line ending in an odd number of backslashes continues on the next line; the backslash,
//    the line break and the next line's leading blanks are dropped (comment lines never continue);
//  - the key ends at the first unescaped '=', ':' or blank; blanks around the separator and at
//    most one '='/':' are skipped; the rest of the line is the value (trailing blanks kept);
//  - escapes in keys and values: \t \n \r \f, \uXXXX (written as UTF-8; surrogate pairs are
//    combined), and a backslash before any other character stands for that character.
// Bytes other than escapes are kept as they are (the text is taken to be UTF-8, where Java's
// InputStream overload assumes ISO-8859-1). A later duplicate key replaces an earlier one.
// Returns InvalidConfig "<source_name>:<line>: <reason>" for a malformed \u escape.
Result<ConfigMap> ParseProperties(std::string_view text,
                                  std::string_view source_name = "<properties>");

// Reads and parses a properties file. IoError naming `path` when the file cannot be read.
Result<ConfigMap> LoadPropertiesFile(const std::string& path);

}  // namespace tributary::runtime
