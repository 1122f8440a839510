// Roles per process: the least role of each organizer route, the refusals,
// and the log of every organizer action (accounts_api.cc has the accounts).
#include <iostream>

#include "psephos/server/api.h"
#include "responses.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server {
namespace {

using nlohmann::json;

// At most `bytes` bytes of `text`, never cutting a UTF-8 character.
std::string Shorten(std::string text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  std::size_t end = bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text + "…";
}

// A line for the action log from the request's body: a definition by its
// title, anything else by its plain fields; never a password.
std::string ActionDetail(const Request& request) {
  const json body = json::parse(request.body(), nullptr, false);
  if (!body.is_object()) return {};
  if (body.contains("budgets")) return Shorten("title: " + StringField(body, "title"), 160);
  std::string detail;
  for (const auto& [key, value] : body.items()) {
    if (key.find("password") != std::string::npos || value.is_structured()) continue;
    if (!detail.empty()) detail += ", ";
    detail += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return Shorten(std::move(detail), 160);
}

}  // namespace

std::optional<OrganizerRole> Api::RoleIn(const Organizer& who, const LiveProcess& p) {
  if (who.admin) return OrganizerRole::kOwner;
  if (who.account == 0) return std::nullopt;
  auto it = p.organizers.find(who.account);
  if (it == p.organizers.end()) return std::nullopt;
  return it->second;
}

Response Api::OrganizerRefusal(const Organizer& who) {
  if (who.refused == "csrf_failed") {
    return ErrorResponse(http::status::forbidden, "csrf_failed",
                         "a change from a signed-in browser needs its X-CSRF-Token header and this site as origin");
  }
  if (who.refused == "session_expired") {
    return ErrorResponse(http::status::unauthorized, "session_expired", "the session has ended; sign in again");
  }
  if (!who.signed_in()) {
    return ErrorResponse(http::status::unauthorized, "unauthorized", "this needs the organizer's token or a sign-in");
  }
  return ErrorResponse(http::status::forbidden, "forbidden", "your role in this process does not allow this");
}

Reply Api::Logged(const Organizer& who, const Request& request, std::string process, Reply reply) {
  ActionRecord action;
  action.account = who.account;
  action.who = who.who;
  action.process = std::move(process);
  const std::string target(request.target());
  action.action = std::string(request.method_string()) + " " + target.substr(0, target.find('?')).substr(7);  // after /api/v1
  action.detail = ActionDetail(request);
  return [this, action = std::move(action), reply = std::move(reply)](Response r) mutable {
    if (r.result_int() >= 300) return reply(std::move(r));
    if (action.process.empty()) {  // a new process: its slug is in the answer
      const json answer = json::parse(r.body(), nullptr, false);
      if (answer.is_object()) action.process = StringField(answer, "slug");
    }
    action.at_ms = NowMs();
    auto answer = std::make_shared<Response>(std::move(r));
    // Answered once the log entry is on disk, so no acknowledged action goes unlogged.
    const bool posted = worker_.Post([action, answer, reply](Storage& storage) {
      if (auto id = storage.AppendAction(action); !id.ok()) {
        std::cerr << "psephos-server: the action log: " << id.status().message() << std::endl;
      }
      reply(std::move(*answer));
    });
    if (!posted) reply(std::move(*answer));
  };
}

}  // namespace psephos::server
