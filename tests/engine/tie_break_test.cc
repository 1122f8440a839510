#include <doctest/doctest.h>

#include "../support/election_builder.h"
#include "psephos/engine/tie_break.h"

using namespace psephos;
using engine::TieBreak;

TEST_CASE("id tie-break compares project ids as strings, like pabutools") {
  auto e = test::MakeElection({{"104", 10}, {"1001", 10}, {"20", 10}}, 30, {});
  auto tb = TieBreak::ById(e);
  CHECK(tb.Prefers(1, 0));  // "1001" < "104"
  CHECK(tb.Prefers(0, 2));  // "104" < "20"
  CHECK(tb.rank(1) == 0);
  CHECK(tb.name() == "id");
}

TEST_CASE("cost tie-break: cheaper first, then more supporters, then id") {
  auto e = test::MakeElection({{"a", 30}, {"b", 10}, {"c", 10}, {"d", 10}}, 100,
                              {{0, 1}, {2}, {2}, {3}, {3}});
  auto tb = TieBreak::ByCost(e);
  // b, c, d cost 10; c and d have 2 supporters, b has 1; c < d by id.
  CHECK(tb.rank(2) == 0);
  CHECK(tb.rank(3) == 1);
  CHECK(tb.rank(1) == 2);
  CHECK(tb.rank(0) == 3);
}

TEST_CASE("explicit tie-break order must list every project exactly once") {
  auto e = test::MakeElection({{"a", 1}, {"b", 1}, {"c", 1}}, 3, {});
  auto ok = TieBreak::Explicit(e, {"c", "a", "b"});
  REQUIRE(ok.ok());
  CHECK(ok->Prefers(2, 0));
  CHECK(ok->Prefers(0, 1));

  auto unknown = TieBreak::Explicit(e, {"c", "a", "x"});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("entry 3: unknown project id 'x'") != std::string::npos);

  auto twice = TieBreak::Explicit(e, {"c", "a", "c", "b"});
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().message().find("'c' is listed twice") != std::string::npos);

  auto missing = TieBreak::Explicit(e, {"c"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("missing: a, b") != std::string::npos);
}
