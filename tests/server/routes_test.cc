// The route table (server/api/src/routes.cc): a known path with another method
// is 405 naming the methods it takes, an unknown one 404, and each route's
// caller is checked before its handler runs.
#include <doctest/doctest.h>

#include "../support/api_fixture.h"

namespace psephos::test {
namespace {

TEST_CASE("the route table: 405 names the methods of a known path, 404 for an unknown one") {
  Fixture f;
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  const Answer ballots = f.Call(http::verb::get, "/api/v1/processes/school/ballots", "", false);
  CHECK(ballots.status == 405);
  CHECK(ballots.body["error"]["code"] == "method_not_allowed");
  CHECK(ballots.body["error"]["message"] == "use POST");
  const Answer definition = f.Call(http::verb::delete_, "/api/v1/processes/school");
  CHECK(definition.status == 405);
  CHECK(definition.body["error"]["message"] == "use GET, PUT");
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/no-such-thing").status == 404);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/codes/b1/more").status == 404);
  CHECK(f.Call(http::verb::get, "/api/v2/processes").status == 404);
  // A process that does not exist: 404 on any of its routes, for anyone.
  CHECK(f.Call(http::verb::get, "/api/v1/processes/nowhere/ballot", "", false).status == 404);
  CHECK(f.Call(http::verb::post, "/api/v1/processes/nowhere/open").status == 404);
}

TEST_CASE("the route table: the public's routes take no token, the organizer's refuse without one") {
  Fixture f;
  REQUIRE(f.Call(http::verb::post, "/api/v1/processes", kSchool).status == 201);
  // A draft without an opening time is not public yet; the organizer sees its ballot.
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/ballot", "", false).status == 404);
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/ballot").status == 200);
  CHECK(f.Call(http::verb::get, "/api/v1/key", "", false).status == 200);
  for (const auto& [verb, target] : std::vector<std::pair<http::verb, std::string>>{
           {http::verb::get, "/api/v1/processes/school"},
           {http::verb::post, "/api/v1/processes/school/open"},
           {http::verb::get, "/api/v1/processes/school/turnout"},
           {http::verb::get, "/api/v1/processes/school/devices"},
           {http::verb::put, "/api/v1/processes/school/schedule"},
           {http::verb::get, "/api/v1/processes/school/log"},
           {http::verb::post, "/api/v1/processes"},
           {http::verb::get, "/api/v1/accounts"}}) {
    CAPTURE(target);
    const Answer a = f.Call(verb, target, "{}", false);
    CHECK(a.status == 401);
    CHECK(a.body["error"]["code"] == "unauthorized");
  }
  // A device route without a device: 401, whoever asks.
  CHECK(f.Call(http::verb::get, "/api/v1/processes/school/device").status == 401);
  // HEAD is answered as GET.
  CHECK(f.Call(http::verb::head, "/api/v1/processes/school").status == 200);
}

}  // namespace
}  // namespace psephos::test
