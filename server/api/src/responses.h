// Building JSON responses with stable error codes.
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/ballots/json_reader.h"
#include "psephos/ballots/validation.h"
#include "psephos/server/http.h"
#include "psephos/server/process.h"
#include "psephos/server/storage.h"

namespace psephos::server {

inline Response JsonResponse(http::status status, const nlohmann::json& body) {
  Response r{status, 11};
  r.set(http::field::content_type, "application/json; charset=utf-8");
  r.body() = body.dump();
  r.prepare_payload();
  return r;
}

inline Response TextResponse(http::status status, std::string body, const char* content_type) {
  Response r{status, 11};
  r.set(http::field::content_type, content_type);
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

// {"error": {"code", "message", "problems": [{"code", "message"}]}}
inline Response ErrorResponse(http::status status, const std::string& code, const std::string& message,
                              const std::vector<ballots::BallotProblem>& problems = {}) {
  nlohmann::json error{{"code", code}, {"message", message}};
  if (!problems.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : problems) list.push_back({{"code", p.code}, {"message", p.message}});
    error["problems"] = std::move(list);
  }
  Response r = JsonResponse(status, nlohmann::json{{"error", std::move(error)}});
  if (status == http::status::unauthorized) r.set(http::field::www_authenticate, "Bearer");
  return r;
}

// A refused definition: 422 invalid_definition, and "field" the path its
// message starts with ("budgets[0].projects[2].cost: ..."), for the form to
// show the message at that field.
inline Response DefinitionError(const Status& status) {
  const std::string& message = status.message();
  nlohmann::json error{{"code", "invalid_definition"}, {"message", message}};
  const auto colon = message.find(": ");
  if (colon != std::string::npos && colon > 0 &&
      std::all_of(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '[' || c == ']';
      })) {
    error["field"] = message.substr(0, colon);
  }
  return JsonResponse(http::status::unprocessable_entity, nlohmann::json{{"error", std::move(error)}});
}

// A definition an organizer saves (POST or PUT): parsed, then checked for slips.
inline Result<ProcessDefinition> ParseDefinitionToSave(const nlohmann::json& body) {
  auto definition = ParseProcessDefinition(body);
  if (!definition.ok()) return definition;
  if (Status s = CheckDefinitionAtSave(&*definition); !s.ok()) return s;
  return definition;
}

// Voting is not open: not yet (a draft), or no more.
inline Response VotingClosed(ProcessState state) {
  return ErrorResponse(http::status::conflict, "election_closed",
                       state == ProcessState::kDraft ? "voting has not opened yet" : "voting has closed");
}

// A client that sent too many wrong voter codes: it may try again in `wait`.
inline Response TooManyAttempts(std::chrono::seconds wait) {
  const auto seconds = std::max<std::int64_t>(1, wait.count());
  Response r = ErrorResponse(http::status::too_many_requests, "too_many_attempts",
                             "too many wrong codes from here; try again in " + std::to_string(seconds) +
                                 (seconds == 1 ? " second" : " seconds"));
  r.set(http::field::retry_after, std::to_string(seconds));
  return r;
}

// The credentials of an Authorization header in `scheme` ("Bearer", "Device"):
// schemes are case-insensitive (RFC 9110 §11.1), spaces after it are skipped.
inline Response NotFound() { return ErrorResponse(http::status::not_found, "not_found", "no such resource"); }

inline std::string_view AuthCredentials(const Request& request, std::string_view scheme) {
  std::string_view auth = request[http::field::authorization];
  if (auth.size() <= scheme.size() || (auth[scheme.size()] != ' ' && auth[scheme.size()] != '\t')) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(auth[i])) != std::tolower(static_cast<unsigned char>(scheme[i]))) {
      return {};
    }
  }
  auth.remove_prefix(scheme.size());
  while (!auth.empty() && (auth.front() == ' ' || auth.front() == '\t')) auth.remove_prefix(1);
  return auth;
}

// A positive id in a path ("12"); nullopt for anything else.
inline std::optional<std::int64_t> ParseId(std::string_view text) {
  std::int64_t value = 0;
  if (text.empty() || text.size() > 18 ||
      std::from_chars(text.data(), text.data() + text.size(), value).ptr != text.data() + text.size() || value < 1) {
    return std::nullopt;
  }
  return value;
}

// A string field of a JSON object; empty when absent or not a string.
inline std::string StringField(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The key a client is rate-limited by: its address, an IPv6 one by its /64 (api.cc).
std::string LimiterKey(const std::string& client);

// Parses a JSON body, insisting on the content type; sets `error` otherwise.
inline std::optional<nlohmann::json> JsonBody(const Request& request, std::optional<Response>* error) {
  const std::string_view type = request[http::field::content_type];
  if (type.substr(0, 16) != "application/json") {
    *error = ErrorResponse(http::status::unsupported_media_type, "unsupported_media_type",
                           "send JSON with Content-Type: application/json");
    return std::nullopt;
  }
  auto body = ballots::ParseJson(request.body());
  if (!body.ok()) {
    *error = ErrorResponse(http::status::bad_request, "malformed_json", "the body is not valid JSON: " + body.status().message());
    return std::nullopt;
  }
  if (!body->is_object()) {
    *error = ErrorResponse(http::status::bad_request, "malformed_json", "the body must be a JSON object");
    return std::nullopt;
  }
  return std::move(body).value();
}

}  // namespace psephos::server
