// Api::Handle: finds the request's route in one table, checks who calls, and
// hands it to the route's handler. Handlers live beside their area (api.cc
// voters, admin_api.cc organizers, inperson_api.cc devices, results_api.cc …).
#include "routes.h"

#include <algorithm>

#include "psephos/server/static_site.h"
#include "psephos/server/web_manifest.h"
#include "responses.h"

namespace psephos::server {
namespace {

using nlohmann::json;
using R = OrganizerRole;
using V = http::verb;

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string QueryParameter(std::string_view target, std::string_view name) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.substr(0, name.size()) == name && pair.size() > name.size() && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// Whether `parts` (below /api/v1) fit `pattern`; with `params`, the {…} segments go there.
bool Matches(std::string_view pattern, const std::vector<std::string>& parts,
             std::vector<std::string>* params = nullptr) {
  std::size_t i = 0;
  while (!pattern.empty()) {
    const std::size_t slash = pattern.find('/');
    const std::string_view segment = pattern.substr(0, slash);
    pattern = slash == std::string_view::npos ? std::string_view() : pattern.substr(slash + 1);
    if (i == parts.size()) return false;
    if (segment.starts_with('{')) {
      if (params) params->push_back(parts[i]);
    } else if (segment != parts[i]) {
      return false;
    }
    ++i;
  }
  return i == parts.size();
}

std::string VerbList(const std::vector<V>& verbs) {
  std::string out;
  for (V v : verbs) {
    if (!out.empty()) out += ", ";
    out += std::string(http::to_string(v));
  }
  return out;
}

}  // namespace

std::optional<json> Api::Call::Body() {
  std::optional<Response> error;
  auto body = JsonBody(request, &error);
  if (!body) reply(std::move(*error));
  return body;
}

std::string Api::Call::Query(std::string_view name) const { return QueryParameter(request.target(), name); }

const std::vector<Api::Route>& Api::Routes() {
  // Lambdas here are inside a member: they reach the Api's private handlers.
  static const std::vector<Route> routes = {
      // Anyone.
      {V::get, "key", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) {
         c.reply(JsonResponse(http::status::ok, {{"algorithm", "ed25519"}, {"public_key", a.key_.PublicHex()}}));
       }},
      {V::get, "manifest", Caller::kAnyone, {}, {}, false, [](Api&, Call& c) {
         c.reply(JsonResponse(http::status::ok, {{"manifest", WebManifest()}, {"sha256", ManifestHash(WebManifest())}}));
       }},
      {V::get, "votes", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) {  // the landing page's list
         std::unique_lock lock(a.mutex_);
         json votes = a.PublicVotes();
         lock.unlock();
         c.reply(JsonResponse(http::status::ok, {{"votes", std::move(votes)}}));
       }},
      {V::post, "images", Caller::kUploader, {}, {}, false, [](Api& a, Call& c) { a.UploadImage(c.request, std::move(c.reply)); }},
      {V::get, "images/{file}", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.ServeImage(c.params[0], std::move(c.reply)); }},

      // Organizer accounts and sessions (accounts_api.cc).
      {V::post, "session", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.SignInRoute(c); }},
      {V::get, "session", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.SessionInfo(c); }},
      {V::delete_, "session", Caller::kAccount, {}, {}, false, [](Api& a, Call& c) { a.SignOut(c.request, std::move(c.reply)); }},
      {V::post, "session/password", Caller::kAccount, {}, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.ChangePassword(c.who, c.request, *body, c.client, a.Logged(c.who, c.request, "", std::move(c.reply)));
       }},
      {V::get, "accounts/log", Caller::kAdmin, {}, {}, false, [](Api& a, Call& c) { a.ReadLog("", c.request, std::move(c.reply)); }},
      {V::get, "accounts", Caller::kAdmin, {}, {}, false, [](Api& a, Call& c) { a.ListAccounts(std::move(c.reply)); }},
      {V::post, "accounts", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) {  // AddAccount says who may
         if (auto body = c.Body()) a.AddAccount(c.who, *body, a.Logged(c.who, c.request, "", std::move(c.reply)));
       }},

      // Processes (admin_api.cc).
      {V::get, "processes", Caller::kSignedIn, {}, {}, false, [](Api& a, Call& c) { a.ListProcesses(c.who, std::move(c.reply)); }},
      {V::post, "processes", Caller::kAdmin, {}, {}, false, [](Api& a, Call& c) { a.CreateRoute(c); }},
      {V::post, "processes/import", Caller::kAdmin, {}, {}, false, [](Api& a, Call& c) { a.ImportRoute(c); }},
      {V::get, "processes/{p}", Caller::kOrganizer, R::kObserver, {}, false, [](Api& a, Call& c) { a.DefinitionRoute(c); }},
      {V::put, "processes/{p}", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) { a.EditRoute(c); }},

      // Voters and the public (api.cc, results_api.cc).
      {V::get, "processes/{p}/ballot", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.BallotRoute(c); }},
      {V::post, "processes/{p}/ballots", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.SubmitBallot(c.p, *body, c.client, std::move(c.reply));
       }},
      {V::post, "processes/{p}/codes/check", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.CheckCode(c.p, *body, c.client, std::move(c.reply));
       }},
      {V::get, "processes/{p}/board", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.Board(c.p, "", std::move(c.reply)); }},
      {V::get, "processes/{p}/board/consistency", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) {
         a.Consistency(c.p, c.Query("from"), c.Query("to"), std::move(c.reply));
       }},
      {V::get, "processes/{p}/board/receipts/{receipt}", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) {
         a.Board(c.p, c.params[1], std::move(c.reply));
       }},
      {V::get, "processes/{p}/changes", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.Changes(c.p, c.organizer(), std::move(c.reply)); }},
      {V::get, "processes/{p}/bundle", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.BundleRoute(c); }},
      {V::get, "processes/{p}/results", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.ResultsRoute(c); }},
      {V::get, "processes/{p}/results.csv", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.CsvRoute(c, true); }},
      {V::get, "processes/{p}/turnout.csv", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.CsvRoute(c, false); }},

      // The cycle's timeline and the funded projects' progress (cycle_api.cc, implementation_api.cc).
      {V::get, "processes/{p}/phases", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.ReadPhases(c.p, c.organizer(), std::move(c.reply)); }},
      {V::put, "processes/{p}/phases", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.SetPhases(c.p, *body, std::move(c.reply));
       }},
      {V::post, "processes/{p}/phases/{phase}/open", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) { a.MovePhaseRoute(c, true); }},
      {V::post, "processes/{p}/phases/{phase}/close", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) { a.MovePhaseRoute(c, false); }},
      {V::get, "processes/{p}/implementation", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.ReadImplementation(c, ""); }},
      {V::get, "processes/{p}/implementation.csv", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.ReadImplementation(c, "csv"); }},
      {V::get, "processes/{p}/implementation/{budget}/{project}", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.ReadImplementation(c, "project"); }},
      {V::post, "processes/{p}/implementation/{budget}/{project}/milestones", Caller::kOrganizer, R::kEditor, {}, false,
       [](Api& a, Call& c) { a.SaveMilestone(c, std::nullopt); }},
      {V::put, "processes/{p}/implementation/{budget}/{project}/milestones/{id}", Caller::kOrganizer, R::kEditor, {}, false,
       [](Api& a, Call& c) { a.SaveMilestone(c, c.params[3]); }},

      // In person: devices, kiosks, clerks, paper (inperson_api.cc).
      {V::get, "processes/{p}/device", Caller::kDevice, {}, {}, false, [](Api& a, Call& c) { a.DeviceInfo(c); }},
      {V::post, "processes/{p}/kiosk/session", Caller::kDevice, {}, DeviceRole::kKiosk, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.StartKioskSession(c.p, c.device, *body, c.client, std::move(c.reply));
       }},
      {V::post, "processes/{p}/checkin", Caller::kDeviceOrOrganizer, R::kEditor, DeviceRole::kClerk, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.CheckIn(c.p, c.device, *body, c.client, std::move(c.reply));
       }},
      {V::get, "processes/{p}/paper/sheets/{serial}", Caller::kDeviceOrOrganizer, R::kObserver, DeviceRole::kClerk, false,
       [](Api& a, Call& c) { a.SheetInfo(c.p, c.params[1], std::move(c.reply)); }},
      {V::post, "processes/{p}/paper/entries", Caller::kDeviceOrOrganizer, R::kEditor, DeviceRole::kClerk, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.AddPaperEntry(c.p, c.device, *body, "", std::move(c.reply));
       }},
      {V::post, "processes/{p}/devices", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.AddDevice(c.p, *body, std::move(c.reply));
       }},
      {V::get, "processes/{p}/devices", Caller::kOrganizer, R::kObserver, {}, false, [](Api& a, Call& c) { a.ListDevices(c.p, std::move(c.reply)); }},
      {V::post, "processes/{p}/devices/{id}/revoke", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) { a.DeviceRoute(c, "revoke"); }},
      {V::post, "processes/{p}/devices/{id}/limits", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) { a.DeviceRoute(c, "limits"); }},
      {V::post, "processes/{p}/devices/{id}/void", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) { a.DeviceRoute(c, "void"); }},
      {V::get, "processes/{p}/devices/{id}/walk-ins", Caller::kOrganizer, R::kObserver, {}, false, [](Api& a, Call& c) { a.DeviceRoute(c, "walk-ins"); }},
      {V::post, "processes/{p}/paper/batches", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.AddPaperBatch(c.p, *body, std::move(c.reply));
       }},
      {V::get, "processes/{p}/paper/batches/{batch}", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) {
         a.PaperBatchSheets(c.p, c.params[1], std::move(c.reply));
       }},
      {V::get, "processes/{p}/paper/sheets", Caller::kOrganizer, R::kObserver, {}, false, [](Api& a, Call& c) {
         std::unique_lock lock(a.mutex_);
         json sheets = a.PaperSheets(*c.p, c.Query("state"));
         lock.unlock();
         c.reply(JsonResponse(http::status::ok, sheets));
       }},
      {V::post, "processes/{p}/paper/sheets/{serial}/resolve", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.AddPaperEntry(c.p, 0, *body, c.params[1], std::move(c.reply));
       }},

      // Ideas: the public's (sending, supporting) and the committee's (ideas_api.cc).
      {V::get, "processes/{p}/ideas", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.ListIdeas(c.p, c.role, std::move(c.reply)); }},
      {V::post, "processes/{p}/ideas", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.SubmitIdea(c.p, *body, c.client, std::move(c.reply));
       }},
      {V::post, "processes/{p}/ideas/images", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) {
         a.UploadIdeaPhoto(c.p, c.request, c.client, std::move(c.reply));
       }},
      {V::post, "processes/{p}/ideas/me", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.MyIdeas(c.p, *body, c.client, std::move(c.reply));
       }},
      {V::put, "processes/{p}/ideas/settings", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.SetIdeaSettings(c.p, *body, std::move(c.reply));
       }},
      {V::post, "processes/{p}/ideas/codes", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.AddIdeaCodes(c.p, *body, std::move(c.reply));
       }},
      {V::post, "processes/{p}/ideas/projects", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.ProjectFromIdeas(c.p, *body, std::move(c.reply));
       }},
      {V::post, "processes/{p}/ideas/{id}/supports", Caller::kAnyone, {}, {}, false, [](Api& a, Call& c) { a.IdeaRoute(c, "supports"); }},
      {V::post, "processes/{p}/ideas/{id}/hide", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) { a.IdeaRoute(c, "hide"); }},
      {V::post, "processes/{p}/ideas/{id}/restore", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) { a.IdeaRoute(c, "restore"); }},
      {V::post, "processes/{p}/ideas/{id}/merge", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) { a.IdeaRoute(c, "merge"); }},
      {V::post, "processes/{p}/ideas/{id}/decision", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) { a.IdeaRoute(c, "decision"); }},

      // The organizer's (admin_api.cc, accounts_api.cc, ideas_report.cc, schedule_api.cc).
      {V::get, "processes/{p}/report", Caller::kOrganizer, R::kObserver, {}, false, [](Api& a, Call& c) { a.CycleReport(c.p, false, std::move(c.reply)); }},
      {V::get, "processes/{p}/report.csv", Caller::kOrganizer, R::kObserver, {}, false, [](Api& a, Call& c) { a.CycleReport(c.p, true, std::move(c.reply)); }},
      {V::get, "processes/{p}/log", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) {
         a.ReadLog(c.p->definition.slug, c.request, std::move(c.reply));
       }},
      {V::get, "processes/{p}/organizers", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) { a.ListOrganizers(c.p, std::move(c.reply)); }},
      {V::post, "processes/{p}/organizers", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.AddOrganizer(c.p, *body, std::move(c.reply));
       }},
      {V::delete_, "processes/{p}/organizers/{account}", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) {
         a.RemoveOrganizer(c.p, c.params[1], std::move(c.reply));
       }},
      {V::post, "processes/{p}/codes", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.AddCodes(c.p, *body, std::move(c.reply));
       }},
      {V::get, "processes/{p}/codes/{batch}", Caller::kOrganizer, R::kEditor, {}, true, [](Api& a, Call& c) {
         a.DownloadCodes(c.p, c.params[1], std::move(c.reply));
       }},
      {V::delete_, "processes/{p}/codes/{batch}", Caller::kOrganizer, R::kEditor, {}, false, [](Api& a, Call& c) {
         a.ForgetCodes(c.p, c.params[1], std::move(c.reply));
       }},
      {V::get, "processes/{p}/budgets/{file}", Caller::kOrganizer, R::kObserver, {}, false, [](Api& a, Call& c) {
         const std::string& file = c.params[1];
         if (!file.ends_with(".pb")) return c.reply(ErrorResponse(http::status::not_found, "not_found", "no such resource"));
         a.ExportBudget(c.p, file.substr(0, file.size() - 3), std::move(c.reply));
       }},
      {V::put, "processes/{p}/schedule", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) {
         if (auto body = c.Body()) a.SetSchedule(c.p, *body, std::move(c.reply));
       }},
      {V::get, "processes/{p}/turnout", Caller::kOrganizer, R::kObserver, {}, false, [](Api& a, Call& c) { a.TurnoutRoute(c); }},
      {V::post, "processes/{p}/open", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) { a.StateRoute(c, "open"); }},
      {V::post, "processes/{p}/close", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) { a.StateRoute(c, "close"); }},
      {V::post, "processes/{p}/publish", Caller::kOrganizer, R::kOwner, {}, false, [](Api& a, Call& c) { a.StateRoute(c, "publish"); }},
  };
  return routes;
}

void Api::Handle(Request request, const std::string& client, Reply reply) {
  const std::string target(request.target());
  const std::string path = target.substr(0, target.find('?'));
  if (path == "/healthz" && request.method() == V::get) return reply(JsonResponse(http::status::ok, {{"status", "ok"}}));
  if (!path.starts_with("/api/")) return reply(ServeStaticSite(request));  // the web pages
  std::vector<std::string> parts = Split(path);
  if (parts.size() < 3 || parts[1] != "v1") return reply(NotFound());
  parts.erase(parts.begin(), parts.begin() + 2);
  const V verb = request.method() == V::head ? V::get : request.method();

  // The route: the path fits its pattern and the method is its own (else 405 with the methods that are).
  const auto& routes = Routes();
  const auto route = std::find_if(routes.begin(), routes.end(),
                                  [&](const Route& r) { return r.verb == verb && Matches(r.pattern, parts); });
  if (route == routes.end()) {
    std::vector<V> allowed;
    for (const Route& r : routes) {
      if (Matches(r.pattern, parts) && std::find(allowed.begin(), allowed.end(), r.verb) == allowed.end()) {
        allowed.push_back(r.verb);
      }
    }
    if (allowed.empty()) return reply(NotFound());
    Response r = ErrorResponse(http::status::method_not_allowed, "method_not_allowed", "use " + VerbList(allowed));
    r.set(http::field::allow, VerbList(allowed));
    return reply(std::move(r));
  }

  std::vector<std::string> params;
  Matches(route->pattern, parts, &params);
  Call call{request, client, std::move(reply), std::move(params), nullptr, Authenticate(request), std::nullopt, 0, std::nullopt};
  const bool process_route = route->pattern.starts_with("processes/{p}");
  if (process_route) {
    call.p = Find(call.params[0]);
    if (!call.p) return call.reply(NotFound());
    std::lock_guard lock(mutex_);
    call.role = RoleIn(call.who, *call.p);
    call.device = DeviceOf(*call.p, request);
    if (call.device != 0) call.device_role = call.p->devices[call.device].role;
  }
  const bool may = call.role && route->least && *call.role >= *route->least;
  const bool device_fits = call.device != 0 && (!route->device_role || call.device_role == route->device_role);
  switch (route->caller) {
    case Caller::kAnyone:
      break;
    case Caller::kOrganizer:
      if (!may) return call.reply(OrganizerRefusal(call.who));
      break;
    case Caller::kDeviceOrOrganizer:
      if (device_fits) break;
      call.device = 0;  // an organizer's own action, not a device's
      if (may) break;
      // An organizer whose role is too small, without a device: 403 as any organizer route.
      if (call.role && AuthCredentials(request, "Device").empty()) return call.reply(OrganizerRefusal(call.who));
      return call.reply(ErrorResponse(http::status::unauthorized, "unauthorized", "this needs a signed-in device or the organizer"));
    case Caller::kDevice:
      if (!device_fits) {
        return call.reply(ErrorResponse(http::status::unauthorized, "unauthorized", "this needs a signed-in device or the organizer"));
      }
      break;
    case Caller::kSignedIn:
      if (!call.who.signed_in()) return call.reply(OrganizerRefusal(call.who));
      break;
    case Caller::kAccount:
      if (call.who.account == 0) return call.reply(OrganizerRefusal(call.who));
      break;
    case Caller::kAdmin:
      if (!call.who.admin) return call.reply(OrganizerRefusal(call.who));
      break;
    case Caller::kUploader:
      if (!MayUpload(call.who)) {
        return call.reply(ErrorResponse(http::status::unauthorized, "unauthorized", "this needs the organizer's token"));
      }
      break;
  }
  // Every organizer change that succeeds is logged before it is answered (and plain codes' downloads).
  const bool as_organizer = may && call.device == 0;
  if (as_organizer && (verb != V::get || route->logged_read)) {
    call.reply = Logged(call.who, request, call.p->definition.slug, std::move(call.reply));
  } else if (route->caller == Caller::kAdmin && verb != V::get) {
    call.reply = Logged(call.who, request, "", std::move(call.reply));
  }
  route->handle(*this, call);
}

}  // namespace psephos::server
