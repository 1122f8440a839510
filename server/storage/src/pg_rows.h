// Small helpers for the PostgreSQL statements (pg_storage.cc, pg_ideas.cc,
// pg_accounts.cc, ...): reading a row's fields and passing a batch as one array.
#pragma once

#include <pqxx/pqxx>

#include <cstdint>
#include <string>
#include <vector>

namespace psephos::server::pg {

// A text[] parameter: one round trip for a whole batch of codes or sheets.
inline std::string TextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const std::string& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

inline std::int64_t Int(const pqxx::field& f) { return f.as<std::int64_t>(); }
inline std::string Text(const pqxx::field& f) { return f.as<std::string>(); }
inline bool Bool(const pqxx::field& f) { return f.as<bool>(); }

}  // namespace psephos::server::pg
