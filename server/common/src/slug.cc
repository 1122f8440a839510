#include "psephos/server/slug.h"

namespace psephos::server {

bool IsValidSlug(std::string_view slug) {
  if (slug.empty() || slug.size() > 64 || slug.front() == '-') return false;
  for (char c : slug) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace psephos::server
