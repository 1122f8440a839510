// A process's slug: the name of a vote in its addresses (/vote/S, /api/v1/processes/S).
#pragma once

#include <string_view>

namespace psephos::server {

// 1 to 64 lowercase letters (a-z), digits and dashes, not starting with a dash:
// "roosevelt-2026". The one rule for definitions, pages and the crash log.
bool IsValidSlug(std::string_view slug);

}  // namespace psephos::server
