// The route table of /api/v1 (routes.cc): each route is a method, a path
// pattern, who may call it and its handler, so a route and its rights are
// read in one line, and server/API.md's tables can be checked against it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/server/api.h"

namespace psephos::server {

// Who may call a route. Organizer roles are per process (Route::least).
enum class Caller {
  kAnyone,              // voters, the public; an organizer of the process may see more (Call::role)
  kOrganizer,           // an organizer of the process with at least Route::least
  kDeviceOrOrganizer,   // a signed-in device of Route::device_role, or as kOrganizer
  kDevice,              // a signed-in device of Route::device_role only
  kSignedIn,            // the token or any signed-in account
  kAccount,             // a signed-in account (its own session)
  kAdmin,               // the token or the first account: processes, accounts
  kUploader,            // the token, or an editor of any process (pictures are not per process)
};

// One request on its way: what the table matched and who is calling.
struct Api::Call {
  Request& request;
  const std::string& client;
  Reply reply;
  std::vector<std::string> params;    // the {…} segments of the pattern, in order
  std::shared_ptr<LiveProcess> p;     // for processes/{p}/…
  Organizer who;
  std::optional<OrganizerRole> role;  // the caller's in p
  std::int64_t device = 0;            // the signed-in device that calls, 0 for none
  std::optional<DeviceRole> device_role;  // the calling device's

  // The JSON body, or nullopt once the error has been replied.
  std::optional<nlohmann::json> Body();
  // The value of ?name=… in the target ("" when absent).
  std::string Query(std::string_view name) const;
  bool organizer() const { return role.has_value(); }
};

struct Api::Route {
  http::verb verb;              // GET routes answer HEAD too
  std::string_view pattern;     // below /api/v1/: "processes/{p}/codes/{batch}"
  Caller caller;
  std::optional<OrganizerRole> least;             // kOrganizer, kDeviceOrOrganizer
  std::optional<DeviceRole> device_role;          // kDevice, kDeviceOrOrganizer; nullopt: any device
  bool logged_read = false;                       // a GET that is written to the action log (plain codes)
  void (*handle)(Api&, Call&);
};

}  // namespace psephos::server
