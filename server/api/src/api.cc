// Routing, authorization and the voter side of the API. Storage work goes to
// the DbWorker; replies are sent from its thread once the work is durable.
#include "psephos/server/api.h"

#include "psephos/ballots/json_reader.h"

#include <algorithm>
#include <future>

#include <boost/asio/ip/address_v6.hpp>

#include "psephos/server/ballot_log.h"
#include "psephos/server/process_pabulib.h"
#include "psephos/server/bundle.h"
#include "psephos/server/disclosure.h"
#include "psephos/server/secrets.h"
#include "psephos/server/static_site.h"
#include "psephos/server/web_manifest.h"
#include "psephos/server/exports.h"
#include "responses.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server {
namespace {

using nlohmann::json;
using Status = ::psephos::Status;

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


// The turnout group of walk-ins' ballots, beside "(none)" (paper ballots, codes without a group).
const std::string kWalkInGroup = "(walk-in)";

Response NotFound() { return ErrorResponse(http::status::not_found, "not_found", "no such resource"); }

// Closed but without results: being counted, or the count failed (and is redone at the next start).
template <typename Live>
Response NotCounted(const Live& p) {
  if (p.tallying) return ErrorResponse(http::status::conflict, "tallying", "the ballots are being counted");
  return ErrorResponse(http::status::internal_server_error, "tally_failed", "the count failed: " + p.tally_error);
}

// {"title", "local_budgets": "heading" | "area", "files": {name: text} (in name order) or [{"name", "text"}]}.
Result<ProcessDefinition> ImportPabulibSet(const Request& request, const std::string& slug,
                                           std::optional<Response>* error) {
  auto body = JsonBody(request, error);
  if (!body) return Status::Invalid("");
  for (const auto& [key, value] : body->items()) {
    if (key != "title" && key != "local_budgets" && key != "files") return Status::Invalid(key + ": unknown field");
  }
  const json files_json = body->value("files", json());
  std::vector<PabulibFile> files;
  if (files_json.is_object()) {
    for (const auto& [name, text] : files_json.items()) {
      if (!text.is_string()) return Status::Invalid("files." + name + ": must be the file's text");
      files.push_back({name, text.get<std::string>()});
    }
  } else if (files_json.is_array()) {
    for (const json& f : files_json) {
      if (!f.is_object() || !f.value("name", json()).is_string() || !f.value("text", json()).is_string()) {
        return Status::Invalid("files: each must be {\"name\", \"text\"}");
      }
      files.push_back({f["name"].get<std::string>(), f["text"].get<std::string>()});
    }
  } else {
    return Status::Invalid("files: the .pb files, as {name: text}");
  }
  const json local = body->value("local_budgets", json("heading"));
  if (local != "heading" && local != "area") return Status::Invalid("local_budgets: heading or area");
  const json title = body->value("title", json(""));
  if (!title.is_string()) return Status::Invalid("title: must be a string");
  return ProcessFromPabulibSet(files, slug, title.get<std::string>(),
                               local == "area" ? LocalBudgets::kArea : LocalBudgets::kHeading);
}

}  // namespace

// An IPv6 client is limited by its /64: one subscriber usually holds all of it.
std::string LimiterKey(const std::string& client) {
  if (client.find(':') == std::string::npos || client.starts_with("device:")) return client;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address_v6(client, ec);
  if (ec) return client;
  auto bytes = address.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

Result<std::unique_ptr<Api>> Api::Create(DbWorker& worker, std::string admin_token_hash, SigningKey signing_key,
                                         ApiOptions options) {
  std::unique_ptr<Api> api(new Api(worker, std::move(admin_token_hash), std::move(signing_key), options));
  std::promise<Status> loaded;
  std::vector<std::tuple<std::shared_ptr<LiveProcess>, std::vector<std::string>, std::vector<std::string>>> recounts;
  worker.Post([&](Storage& storage) {
    api->shared_store_ = storage.SharedByNodes();
    if (api->shared_store_) {  // what is loaded below is at least this recent (FollowStore reads on)
      auto revisions = storage.LoadRevisions();
      if (!revisions.ok()) return loaded.set_value(revisions.status());
      api->revisions_ = std::move(revisions).value();
      auto leads = storage.LeadScheduler();
      if (!leads.ok()) return loaded.set_value(leads.status());
      api->leads_schedule_ = *leads;
    }
    auto records = storage.LoadProcesses();
    if (!records.ok()) return loaded.set_value(records.status());
    for (auto& record : *records) {
      auto live = std::make_shared<LiveProcess>();
      std::vector<StoredBallot> log;
      if (Status s = api->LoadLive(storage, record, *live, log); !s.ok()) return loaded.set_value(s);
      // A crash (or a stop) between writing the close and storing its results
      // leaves a closed process without results: it is counted again, from the
      // stored ballots, in the background once every process is loaded.
      if (live->results.is_null() && record.state != ProcessState::kDraft && record.state != ProcessState::kOpen) {
        std::vector<std::string> counted;
        for (auto& b : log) {
          if (!b.superseded) counted.push_back(std::move(b.ballot));
        }
        live->tallying = true;
        recounts.emplace_back(live, std::move(counted), api->CountedGroups(*live, log));
      }
      api->processes_[record.slug] = std::move(live);
    }
    if (Status s = api->LoadImages(storage); !s.ok()) return loaded.set_value(s);
    loaded.set_value(api->LoadAccounts(storage));
  });
  Status status = loaded.get_future().get();
  if (!status.ok()) return status;
  for (auto& [live, ballots, groups] : recounts) {
    api->StartCount(live, live->definition, std::move(ballots), std::move(groups), std::nullopt);
  }
  api->ActOnSchedule();  // a window that passed while the server was down
  api->scheduler_ = std::thread([a = api.get()] { a->RunScheduler(); });
  if (api->shared_store_) api->follower_ = std::thread([a = api.get()] { a->RunFollower(); });
  return api;
}

Api::~Api() {
  Stop();
  worker_.Drain();  // jobs this Api posted (storing results) run before it is gone
}

void Api::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  schedule_changed_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  if (follower_.joinable()) follower_.join();
  tally_.Stop();
  passwords_.Stop();
}

ProcessPhase Api::Phase(const LiveProcess& p) {
  if (p.closing) return ProcessPhase::kClosing;
  switch (p.state) {
    case ProcessState::kDraft: return ProcessPhase::kDraft;
    case ProcessState::kOpen: return ProcessPhase::kOpen;
    case ProcessState::kClosed: return p.tallying ? ProcessPhase::kTallying : ProcessPhase::kClosed;
    case ProcessState::kPublished: return ProcessPhase::kPublished;
  }
  return ProcessPhase::kClosed;
}

bool Api::IsAdmin(const Request& request) const {
  const std::string_view token = AuthCredentials(request, "Bearer");
  return !token.empty() && ConstantTimeEquals(Sha256Hex(token), admin_token_hash_);
}

bool Api::RateLimited(const std::string& client, Reply& reply) {
  const auto wait = wrong_codes_.Wait(LimiterKey(client));
  if (!wait) return false;
  reply(TooManyAttempts(*wait));
  return true;
}

void Api::CountCodeFailure(const std::string& client) { wrong_codes_.Failed(LimiterKey(client)); }

std::shared_ptr<Api::LiveProcess> Api::Find(const std::string& slug) {
  std::lock_guard lock(mutex_);
  auto it = processes_.find(slug);
  return it == processes_.end() ? nullptr : it->second;
}

void Api::CountBallot(LiveProcess& p, const std::string& group, const std::string& area, std::uint32_t budgets,
                      Channel channel, int sign) {
  p.ballots += sign;
  p.by_group[group].ballots += sign;
  if (!p.definition.areas.empty()) p.by_area[area].ballots += sign;
  p.by_channel[ChannelName(channel)] += sign;
  for (std::size_t i = 0; i < p.definition.budgets.size(); ++i) {
    if (budgets & (1u << i)) p.by_budget[p.definition.budgets[i].id] += sign;
  }
}

const std::string& Api::TurnoutGroup(const CodeState& code) { return code.walk_in ? kWalkInGroup : code.group; }

std::vector<std::string> Api::CountedGroups(const LiveProcess& p, const std::vector<StoredBallot>& ballots) {
  std::vector<std::string> out;
  std::unique_lock lock(mutex_, std::defer_lock);
  for (std::size_t i = 0; i < ballots.size(); ++i) {
    // A city's ballots a few hundred at a time: voters wait for mutex_ meanwhile.
    if (i % 512 == 0) {
      if (lock.owns_lock()) lock.unlock();
      lock.lock();
    }
    const StoredBallot& b = ballots[i];
    if (b.superseded) continue;
    auto code = p.codes.find(b.code_hash);
    out.push_back(code != p.codes.end() && code->second.walk_in ? kWalkInGroup : b.group);
  }
  return out;
}

Api::CodeState Api::StoredCodeState(const VoterCodeRecord& code) {
  CodeState state;
  state.group = code.group;
  state.area = code.area;
  state.status = code.spent ? CodeStatus::kSpent : CodeStatus::kUnused;
  state.checked_in = code.checked_in.has_value();
  state.device = code.device;
  state.checkin_device = code.checkin_device;
  state.walk_in = code.walk_in;
  state.session_at_ms = code.session_at_ms;
  return state;
}

void Api::CountCode(LiveProcess& p, const CodeState& code, bool spent) {
  if (code.device != 0) return;  // a kiosk's one-time code: its voter is counted by their ballot
  Count& group = p.by_group[code.group];
  ++group.codes;
  group.voted += spent ? 1 : 0;
  if (!p.definition.areas.empty()) {
    Count& area = p.by_area[code.area];
    ++area.codes;
    area.voted += spent ? 1 : 0;
  }
}

json Api::Turnout(const LiveProcess& p) const {
  const auto counts = [](const std::map<std::string, Count>& by) {
    json out = json::object();
    for (const auto& [key, c] : by) {
      out[key.empty() ? "(none)" : key] = {{"codes", c.codes}, {"voted", c.voted}, {"ballots", c.ballots}};
    }
    return out;
  };
  std::int64_t codes = 0, voted = 0;
  for (const auto& [group, c] : p.by_group) {
    codes += c.codes;
    voted += c.voted;
  }
  json budgets = json::object(), headings = json::object(), channels = json::object();
  for (const Budget& b : p.definition.budgets) {
    auto it = p.by_budget.find(b.id);
    const std::int64_t n = it == p.by_budget.end() ? 0 : it->second;
    budgets[b.id] = n;
    if (!b.heading.empty()) headings[b.heading] = headings.value(b.heading, std::int64_t{0}) + n;
  }
  for (Channel c : kChannels) {
    auto it = p.by_channel.find(ChannelName(c));
    channels[ChannelName(c)] = it == p.by_channel.end() ? 0 : it->second;
  }
  auto walk_ins = p.by_group.find(kWalkInGroup);
  json t = {{"codes", codes},          {"voted", voted},         {"ballots", p.ballots},
            {"by_group", counts(p.by_group)}, {"by_budget", budgets}, {"by_channel", channels},
            {"walk_ins", walk_ins == p.by_group.end() ? 0 : walk_ins->second.ballots}};
  if (!p.definition.areas.empty()) t["by_area"] = counts(p.by_area);
  if (!p.definition.headings.empty()) t["by_heading"] = headings;
  return t;
}

json Api::Summary(const LiveProcess& p) const {
  json j = {{"slug", p.definition.slug},
            {"title", p.definition.title},
            {"state", ProcessPhaseName(Phase(p))},
            {"turnout", Turnout(p)}};
  if (!p.tally_error.empty()) j["tally_error"] = p.tally_error;
  j["schedule"] = ProcessScheduleJson(p.schedule);
  return j;
}

void Api::Handle(Request request, const std::string& client, Reply reply) {
  const std::string target(request.target());
  const std::string path = target.substr(0, target.find('?'));
  if (!path.starts_with("/api/") && path != "/healthz") return reply(ServeStaticSite(request));  // the web pages
  const auto parts = Split(path);
  const http::verb verb = request.method();
  std::optional<Response> error;

  if (path == "/healthz" && verb == http::verb::get) {
    return reply(JsonResponse(http::status::ok, {{"status", "ok"}}));
  }
  if (path == "/api/v1/key" && verb == http::verb::get) {
    return reply(JsonResponse(http::status::ok, {{"algorithm", "ed25519"}, {"public_key", key_.PublicHex()}}));
  }
  if (path == "/api/v1/manifest" && verb == http::verb::get) {
    return reply(JsonResponse(http::status::ok, {{"manifest", WebManifest()}, {"sha256", ManifestHash(WebManifest())}}));
  }
  if (parts.size() >= 3 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "images") {
    // Uploads: the token, or an account that may edit some process (pictures are not per process).
    bool may_upload = false;
    if (verb != http::verb::get && verb != http::verb::head) {
      const Organizer who = Authenticate(request);
      may_upload = who.admin;
      std::lock_guard lock(mutex_);
      for (auto it = processes_.begin(); !may_upload && who.signed_in() && it != processes_.end(); ++it) {
        const auto role = RoleIn(who, *it->second);
        may_upload = role && *role >= OrganizerRole::kEditor;
      }
    }
    return HandleImages(request, parts, may_upload, std::move(reply));  // texts_api.cc
  }
  if (path == "/api/v1/votes" && verb == http::verb::get) {  // the landing page's list
    std::lock_guard lock(mutex_);
    return reply(JsonResponse(http::status::ok, {{"votes", PublicVotes()}}));
  }
  if (parts.size() >= 3 && parts[0] == "api" && parts[1] == "v1" && (parts[2] == "session" || parts[2] == "accounts")) {
    return HandleAccounts(request, parts, client, std::move(reply));
  }
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "processes") {
    return reply(NotFound());
  }
  // The token, or a signed-in account (accounts_api.cc). `admin`: the token or
  // the first account here; once the process is known, any role in it.
  const Organizer who = Authenticate(request);
  bool admin = who.admin;
  auto need_admin = [&]() {
    if (admin) return false;
    reply(OrganizerRefusal(who));
    return true;
  };

  if (parts.size() == 3) {  // the collection
    if (verb == http::verb::get) {  // the processes the organizer has a role in
      if (!who.signed_in()) return reply(OrganizerRefusal(who));
      json list = json::array();
      std::lock_guard lock(mutex_);
      for (const auto& [slug, p] : processes_) {
        const auto role = RoleIn(who, *p);
        if (!role) continue;
        list.push_back(Summary(*p));
        list.back()["role"] = OrganizerRoleName(*role);
      }
      return reply(JsonResponse(http::status::ok, {{"processes", list}}));
    }
    if (need_admin()) return;
    if (verb != http::verb::post) return reply(ErrorResponse(http::status::method_not_allowed, "method_not_allowed", "use GET or POST"));
    reply = Logged(who, request, "", std::move(reply));
    auto body = JsonBody(request, &error);
    if (!body) return reply(std::move(*error));
    auto definition = ParseDefinitionToSave(*body);
    if (!definition.ok()) return reply(DefinitionError(definition.status()));
    if (auto unknown = UnknownImage(*definition)) return reply(std::move(*unknown));
    return CreateProcess(std::move(definition).value(), std::move(reply));
  }
  if (parts.size() == 4 && parts[3] == "import") {
    if (need_admin()) return;
    if (verb != http::verb::post) return reply(ErrorResponse(http::status::method_not_allowed, "method_not_allowed", "use POST"));
    reply = Logged(who, request, "", std::move(reply));
    const std::string slug = QueryParameter(target, "slug");
    if (slug.empty()) return reply(ErrorResponse(http::status::bad_request, "missing_slug", "add ?slug=your-process"));
    auto definition = request[http::field::content_type].starts_with("application/json")
                          ? ImportPabulibSet(request, slug, &error)
                          : ProcessFromPabulib(request.body(), slug);
    if (error) return reply(std::move(*error));
    if (!definition.ok()) {
      return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_definition", definition.status().message()));
    }
    return CreateProcess(std::move(definition).value(), std::move(reply));
  }

  auto p = Find(parts[3]);
  if (!p) return reply(NotFound());
  const std::string action = parts.size() >= 5 ? parts[4] : "";
  // Each organizer route has a least role (LeastRole, the table in server/API.md).
  const auto least = LeastRole(verb, parts);
  std::optional<OrganizerRole> role;
  {
    std::lock_guard lock(mutex_);
    role = RoleIn(who, *p);
  }
  admin = role.has_value();  // any organizer of the process sees drafts and closed results
  const bool may = role && least && *role >= *least;
  const bool changes = verb != http::verb::get && verb != http::verb::head;
  if (may && (changes || action == "codes")) reply = Logged(who, request, p->definition.slug, std::move(reply));

  // Voter routes: no token.
  if (action == "ballot" && parts.size() == 5 && verb == http::verb::get) {
    std::lock_guard lock(mutex_);
    if (p->state == ProcessState::kDraft && !admin) {
      // A draft with an opening time: only its title and times, for "Voting opens on …".
      if (p->schedule.opens_at_ms == 0 || p->closing) return reply(NotFound());
      return reply(JsonResponse(http::status::ok, {{"slug", p->definition.slug},
                                                   {"title", p->definition.title},
                                                   {"state", ProcessPhaseName(Phase(*p))},
                                                   {"schedule", ProcessScheduleJson(p->schedule)}}));
    }
    json j = PublicBallotJson(p->definition);
    j["state"] = ProcessPhaseName(Phase(*p));
    // Past its closing time (the scheduler a moment late): already closed for voters.
    if (p->state == ProcessState::kOpen && !Accepting(*p)) j["state"] = ProcessPhaseName(ProcessPhase::kClosing);
    j["schedule"] = ProcessScheduleJson(p->schedule);
    j["public_key"] = key_.PublicHex();
    return reply(JsonResponse(http::status::ok, j));
  }
  if (action == "ballots" && parts.size() == 5 && verb == http::verb::post) {
    auto body = JsonBody(request, &error);
    if (!body) return reply(std::move(*error));
    return SubmitBallot(p, *body, client, std::move(reply));
  }
  if (action == "codes" && parts.size() == 6 && parts[5] == "check" && verb == http::verb::post) {
    auto body = JsonBody(request, &error);
    if (!body) return reply(std::move(*error));
    return CheckCode(p, *body, client, std::move(reply));
  }
  if (action == "board" && parts.size() == 6 && parts[5] == "consistency" && verb == http::verb::get) {
    return Consistency(p, QueryParameter(target, "from"), QueryParameter(target, "to"), std::move(reply));
  }
  if (action == "board" && (parts.size() == 5 || (parts.size() == 7 && parts[5] == "receipts")) &&
      verb == http::verb::get) {
    return Board(p, parts.size() == 7 ? parts[6] : "", std::move(reply));
  }
  if (action == "changes" && parts.size() == 5 && verb == http::verb::get) return Changes(p, admin, std::move(reply));
  if (action == "bundle" && parts.size() == 5 && verb == http::verb::get) {
    std::unique_lock lock(mutex_);
    const bool visible = p->state == ProcessState::kPublished || (admin && p->state == ProcessState::kClosed);
    if (!visible) {
      return reply(ErrorResponse(http::status::conflict, "results_not_published", "results are not published yet"));
    }
    if (p->results.is_null()) return reply(NotCounted(*p));
    lock.unlock();
    return Bundle(p, std::move(reply));
  }
  if (action == "results" && parts.size() == 5 && verb == http::verb::get) {
    std::lock_guard lock(mutex_);
    const bool visible = p->state == ProcessState::kPublished || (admin && p->state == ProcessState::kClosed);
    if (!visible) {
      return reply(ErrorResponse(http::status::conflict, "results_not_published", "results are not published yet"));
    }
    if (p->results.is_null()) return reply(NotCounted(*p));
    // The public sees no group, area or channel below k; the organizer, exact numbers.
    const std::int64_t k = p->definition.min_group_size;
    json j{{"slug", p->definition.slug}, {"state", ProcessStateName(p->state)},
           {"turnout", admin ? Turnout(*p) : PublicTurnout(Turnout(*p), k)},
           {"budgets", admin ? p->results : PublicResults(p->results, k)}};
    return reply(JsonResponse(http::status::ok, j));
  }

  // Spreadsheets: what the results and turnout pages show, as CSV.
  if ((action == "results.csv" || action == "turnout.csv") && parts.size() == 5 && verb == http::verb::get) {
    std::lock_guard lock(mutex_);
    const bool published = p->state == ProcessState::kPublished;
    const bool results = action == "results.csv";
    // Turnout: the organizer's at any time; the public's once published. Results: as /results.
    const bool visible = results ? (published || (admin && p->state == ProcessState::kClosed)) && !p->results.is_null()
                                 : admin || published;
    if (!visible) {
      return reply(ErrorResponse(http::status::conflict, "results_not_published", "results are not published yet"));
    }
    const std::int64_t k = p->definition.min_group_size;
    std::string csv = results ? ResultsCsv(p->definition, admin ? p->results : PublicResults(p->results, k))
                              : TurnoutCsv(admin ? Turnout(*p) : PublicTurnout(Turnout(*p), k));
    Response r = TextResponse(http::status::ok, std::move(csv), "text/csv; charset=utf-8");
    r.set(http::field::content_disposition, "attachment; filename=\"" + p->definition.slug + "-" + action + "\"");
    return reply(std::move(r));
  }

  // The cycle's timeline and the funded projects' progress: the public reads, organizers write.
  if (action == "phases" || action == "implementation" || action == "implementation.csv") {
    if (changes && !may) return reply(OrganizerRefusal(who));
    if (action == "phases") return HandlePhases(p, request, parts, admin, std::move(reply));
    return HandleImplementation(p, request, parts, admin, std::move(reply));
  }

  if (action == "devices" || action == "device" || action == "kiosk" || action == "checkin" || action == "paper") {
    if (role && least && !may && AuthCredentials(request, "Device").empty()) return reply(OrganizerRefusal(who));
    return HandleInPerson(p, request, parts, may, client, std::move(reply));
  }

  // Ideas: the public's (sending, supporting) and the committee's (ideas_api.cc).
  if (action == "ideas") {
    if (least && !may) return reply(OrganizerRefusal(who));
    return HandleIdeas(p, request, parts, role, client, std::move(reply));
  }

  // Organizer routes, each for its least role.
  if (!role || (least && *role < *least)) return reply(OrganizerRefusal(who));
  if ((action == "report" || action == "report.csv") && parts.size() == 5 && verb == http::verb::get) {
    return CycleReport(p, action == "report.csv", std::move(reply));  // ideas_report.cc
  }
  if (action == "organizers" || action == "log") return HandleOrganizers(p, who, request, parts, std::move(reply));
  if (parts.size() == 4) {
    if (verb == http::verb::get) {
      std::lock_guard lock(mutex_);
      json j = Summary(*p);
      j["role"] = OrganizerRoleName(*role);
      j["definition"] = ProcessDefinitionJson(p->definition);
      return reply(JsonResponse(http::status::ok, j));
    }
    if (verb == http::verb::put) {
      auto body = JsonBody(request, &error);
      if (!body) return reply(std::move(*error));
      bool open = false;
      {
        std::lock_guard lock(mutex_);
        open = p->state == ProcessState::kOpen && !p->closing;
      }
      // While voting is open, a correction of texts and pictures (texts_api.cc).
      if (open) {
        // Who corrected, as listed publicly: the label given, else the account's name.
        std::string by = QueryParameter(target, "by");
        if (by.empty() && who.account != 0) {
          std::lock_guard lock(mutex_);
          if (auto a = accounts_.find(who.account); a != accounts_.end()) by = a->second.name;
        }
        return Correct(p, *body, std::move(by), std::move(reply));
      }
      auto definition = ParseDefinitionToSave(*body);
      if (!definition.ok()) return reply(DefinitionError(definition.status()));
      if (auto unknown = UnknownImage(*definition)) return reply(std::move(*unknown));
      return UpdateProcess(p, std::move(definition).value(), std::move(reply));
    }
    return reply(ErrorResponse(http::status::method_not_allowed, "method_not_allowed", "use GET or PUT"));
  }
  if (action == "codes" && parts.size() == 5 && verb == http::verb::post) {
    auto body = JsonBody(request, &error);
    if (!body) return reply(std::move(*error));
    return AddCodes(p, *body, std::move(reply));
  }
  if (action == "codes" && parts.size() == 6 && verb == http::verb::get) {
    return DownloadCodes(p, parts[5], std::move(reply));
  }
  if (action == "codes" && parts.size() == 6 && verb == http::verb::delete_) {
    return ForgetCodes(p, parts[5], std::move(reply));
  }
  if (action == "budgets" && parts.size() == 6 && parts[5].ends_with(".pb") && verb == http::verb::get) {
    return ExportBudget(p, parts[5].substr(0, parts[5].size() - 3), std::move(reply));
  }
  if (action == "schedule" && parts.size() == 5 && verb == http::verb::put) {
    auto body = JsonBody(request, &error);
    if (!body) return reply(std::move(*error));
    return SetSchedule(p, *body, std::move(reply));
  }
  if (action == "turnout" && parts.size() == 5 && verb == http::verb::get) {
    auto answer = [this, p, reply]() mutable {
      std::lock_guard lock(mutex_);
      reply(JsonResponse(http::status::ok, Turnout(*p)));
    };
    if (shared_store_) return SyncLog(p, answer, reply);  // with the other nodes' ballots
    return answer();
  }
  if ((action == "open" || action == "close" || action == "publish") && parts.size() == 5 &&
      verb == http::verb::post) {
    // RFC 7240: "Prefer: respond-async" has the close answer 202 once it is on disk, not once counted.
    const bool wait = request[http::field::prefer].find("respond-async") == std::string_view::npos;
    return ChangeState(p, action, wait, std::move(reply));
  }
  reply(NotFound());
}

void Api::CheckCode(const std::shared_ptr<LiveProcess>& p, const json& body, const std::string& client,
                    Reply reply, bool looked_up) {
  if (!looked_up && RateLimited(client, reply)) return;
  const std::string code = NormalizeVoterCode(body.value("code", json()).is_string() ? body["code"].get<std::string>() : "");
  if (!code.empty() && !looked_up && shared_store_) {  // whether another node made or spent it
    return ReadCodeFromStore(p, VoterCodeHash(code), [this, p, body, client, reply]() mutable {
      CheckCode(p, body, client, std::move(reply), /*looked_up=*/true);
    }, reply);
  }
  std::unique_lock lock(mutex_);
  auto it = code.empty() ? p->codes.end() : p->codes.find(VoterCodeHash(code));
  if (it == p->codes.end()) {
    lock.unlock();
    CountCodeFailure(client);
    return reply(ErrorResponse(http::status::not_found, "unknown_code", "this code is not valid for this vote"));
  }
  const CodeState& code_state = it->second;
  const bool used = code_state.status != CodeStatus::kUnused;
  json budgets = json::array();
  for (const Budget* b : p->definition.EligibleBudgets(code_state.area)) budgets.push_back(b->id);
  reply(JsonResponse(http::status::ok,
                     {{"valid", true},
                      {"used", used},
                      {"can_vote", Accepting(*p) &&
                                       (!used || (p->definition.latest_ballot_counts && !code_state.checked_in))},
                      {"state", ProcessPhaseName(Phase(*p))},
                      {"area", code_state.area},
                      {"budgets", std::move(budgets)}}));
}

void Api::SubmitBallot(const std::shared_ptr<LiveProcess>& p, const json& body, const std::string& client,
                       Reply reply, bool looked_up) {
  if (!looked_up && RateLimited(client, reply)) return;
  if (!body.contains("code") || !body["code"].is_string()) {
    return reply(ErrorResponse(http::status::bad_request, "missing_code", "the ballot needs the voter's \"code\""));
  }
  for (const auto& [key, value] : body.items()) {
    if (key != "code" && key != "ballots") {
      return reply(ErrorResponse(http::status::bad_request, "unknown_field", key + ": unknown field"));
    }
  }
  const std::string code = NormalizeVoterCode(body["code"].get<std::string>());
  const std::string hash = code.empty() ? std::string() : VoterCodeHash(code);

  std::unique_lock lock(mutex_);
  if (!Accepting(*p)) {
    if (p->state == ProcessState::kOpen) schedule_changed_.notify_all();  // past its closing time: close now
    return reply(VotingClosed(p->state == ProcessState::kOpen ? ProcessState::kClosed : p->state));
  }
  auto it = hash.empty() ? p->codes.end() : p->codes.find(hash);
  if (it == p->codes.end() && !hash.empty() && !looked_up && shared_store_) {
    lock.unlock();
    return ReadCodeFromStore(p, hash, [this, p, body, client, reply]() mutable {
      SubmitBallot(p, body, client, std::move(reply), /*looked_up=*/true);
    }, reply);
  }
  if (it == p->codes.end()) {
    lock.unlock();
    CountCodeFailure(client);
    return reply(ErrorResponse(http::status::forbidden, "unknown_code", "this code is not valid for this vote"));
  }
  CodeState& state = it->second;
  if (state.status == CodeStatus::kPending) {
    return reply(ErrorResponse(http::status::conflict, "code_in_use",
                               "a ballot with this code is being recorded right now"));
  }
  if (state.status == CodeStatus::kSpent && (!p->definition.latest_ballot_counts || state.checked_in)) {
    return reply(ErrorResponse(http::status::conflict, "used_code",
                               state.checked_in ? "this code was used to vote in person" : "this code has already voted"));
  }
  std::vector<ballots::BallotProblem> problems;
  const Channel channel = state.device != 0 ? Channel::kKiosk : Channel::kOnline;
  BallotFacts facts;
  std::string canonical = CheckProcessBallot(p->definition, body, &problems, state.area, channel, &facts);
  if (!problems.empty()) {
    return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_ballot",
                               "the ballot breaks the rules of this vote", problems));
  }
  const CodeStatus before = state.status;
  state.status = CodeStatus::kPending;  // a second submission now waits its turn
  BallotToStore ballot;
  ballot.process = p->id;
  ballot.code_hash = hash;
  ballot.group = state.group;
  ballot.area = state.area;
  ballot.salt = RandomHex(16);
  ballot.receipt = LeafHash(LogEntry(p->definition.slug, canonical, ballot.salt));
  ballot.ballot = std::move(canonical);
  ballot.created_at_ms = NowMs();
  ballot.replaces_earlier = p->definition.latest_ballot_counts;
  lock.unlock();

  const std::string receipt = ballot.receipt;
  // Private receipts: the voter's device keeps the entry (ballot and salt), the
  // only place that links the receipt to the ballot (server/AUDIT.md).
  // A kiosk is not the voter's device: it gets the receipt only.
  const std::string opening = p->definition.receipts == ReceiptMode::kPrivate && channel == Channel::kOnline
                                  ? LogEntry(p->definition.slug, ballot.ballot, ballot.salt)
                                  : std::string();
  worker_.AppendBallot(std::move(ballot), [this, p, hash, before, receipt, opening, facts, reply = std::move(reply)](
                                              Result<AppendResult> result) {
    std::unique_lock done_lock(mutex_);
    CodeState& code_state = p->codes[hash];
    if (!result.ok() || *result != AppendResult::kStored) {
      code_state.status = before;
      done_lock.unlock();
      if (result.ok() && *result == AppendResult::kCodeSpent) {
        return reply(ErrorResponse(http::status::conflict, "used_code", "this code has already voted"));
      }
      if (result.ok() && *result == AppendResult::kProcessClosed) {  // closed meanwhile, on another node
        RefreshFromStore(p);
        return reply(VotingClosed(ProcessState::kClosed));
      }
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored",
                                 "the ballot could not be stored; please try again"));
    }
    code_state.status = CodeStatus::kSpent;
    if (before == CodeStatus::kUnused) {
      if (code_state.device == 0) {
        ++p->by_group[code_state.group].voted;
        if (!p->definition.areas.empty()) ++p->by_area[code_state.area].voted;
      } else {
        auto& open = p->devices[code_state.device].open_codes;
        std::erase(open, hash);
      }
    } else if (code_state.counted) {  // revoting: the earlier ballot no longer counts
      CountBallot(*p, TurnoutGroup(code_state), code_state.area, code_state.budgets, code_state.channel, -1);
    }
    CountBallot(*p, TurnoutGroup(code_state), code_state.area, facts.budgets, facts.channel, 1);
    code_state.budgets = facts.budgets;
    code_state.channel = facts.channel;
    code_state.counted = true;
    if (!shared_store_) {
      p->log.push_back(receipt);  // callbacks run in commit order: the log's order
      p->head.clear();
    } else {  // other nodes add to the log too: it is read from the store (SyncLog)
      p->counted_here.insert(receipt);
    }
    done_lock.unlock();
    json answer{{"receipt", receipt}, {"stored", true}};
    if (!opening.empty()) answer["entry"] = opening;
    reply(JsonResponse(http::status::created, answer));
  });
}

void Api::ReadCodeFromStore(const std::shared_ptr<LiveProcess>& p, const std::string& hash,
                            std::function<void()> then, const Reply& reply) {
  const bool posted = worker_.Post([this, p, hash, then = std::move(then), reply](Storage& storage) {
    auto found = storage.FindCode(p->id, hash);
    if (!found.ok()) {
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", found.status().message()));
    }
    if (*found) {
      std::lock_guard lock(mutex_);
      const VoterCodeRecord& stored = **found;
      auto [at, made_elsewhere] = p->codes.try_emplace(hash, StoredCodeState(stored));
      const bool voted = stored.spent && stored.checked_in != CheckInKind::kVoid;
      if (made_elsewhere && stored.device == 0) CountCode(*p, at->second, voted);
      // Spent on another node: this node's memory catches up (a ballot of its own in flight stays pending).
      if (!made_elsewhere && stored.spent && at->second.status == CodeStatus::kUnused) {
        at->second.status = CodeStatus::kSpent;
        at->second.checked_in = stored.checked_in.has_value();
        if (stored.device == 0 && stored.checked_in != CheckInKind::kVoid) {  // voted, as CountCode counts a spent code
          ++p->by_group[at->second.group].voted;
          if (!p->definition.areas.empty()) ++p->by_area[at->second.area].voted;
        }
      }
    }
    then();
  });
  if (!posted) reply(ErrorResponse(http::status::service_unavailable, "stopping", "the server is stopping"));
}

void Api::SyncLog(const std::shared_ptr<LiveProcess>& p, std::function<void()> then, const Reply& reply) {
  const bool posted = worker_.Post([this, p, then = std::move(then), reply](Storage& storage) {
    // One job at a time on this thread: no other sync moves log_last_id meanwhile.
    std::int64_t after = [&] {
      std::lock_guard lock(mutex_);
      return p->log_last_id;
    }();
    for (;;) {
      auto slice = storage.LoadLogSlice(p->id, after, kLogSyncSlice);
      if (!slice.ok()) return reply(ErrorResponse(http::status::internal_server_error, "storage", slice.status().message()));
      if (slice->empty()) break;
      std::lock_guard lock(mutex_);
      for (const StoredBallot& b : *slice) {
        p->log.push_back(b.receipt);
        if (p->counted_here.erase(b.receipt) == 0) CountStoredElsewhere(*p, b);
      }
      after = p->log_last_id = slice->back().id;
      p->head.clear();
      if (slice->size() < kLogSyncSlice) break;
    }
    then();
  });
  if (!posted) reply(ErrorResponse(http::status::service_unavailable, "stopping", "the server is stopping"));
}

void Api::CountStoredElsewhere(LiveProcess& p, const StoredBallot& b) {
  const BallotFacts facts = StoredBallotFacts(p.definition, ballots::ParseJson(b.ballot).value_or(json()));
  auto code = p.codes.find(b.code_hash);
  if (code == p.codes.end()) {  // a code this node never loaded (paper, or made elsewhere and not used here)
    CountBallot(p, b.group, b.area, facts.budgets, facts.channel, 1);
    return;
  }
  CodeState& c = code->second;
  if (c.counted) {  // a new ballot of the code: the earlier no longer counts
    CountBallot(p, TurnoutGroup(c), c.area, c.budgets, c.channel, -1);
  } else if (c.status == CodeStatus::kUnused && c.device == 0) {
    c.status = CodeStatus::kSpent;
    ++p.by_group[c.group].voted;
    if (!p.definition.areas.empty()) ++p.by_area[c.area].voted;
  }
  CountBallot(p, TurnoutGroup(c), c.area, facts.budgets, facts.channel, 1);
  c.budgets = facts.budgets;
  c.channel = facts.channel;
  c.counted = true;
}

void Api::RefreshFromStore(const std::shared_ptr<LiveProcess>& p) {
  worker_.Post([this, p](Storage& storage) {
    auto records = storage.LoadProcesses();
    if (!records.ok()) return;
    for (const ProcessRecord& record : *records) {
      if (record.id != p->id) continue;
      std::lock_guard lock(mutex_);
      if (p->closing || p->tallying) return;  // this node's own close is under way
      p->state = record.state;
      p->results = record.results.empty() ? json() : ballots::ParseJson(record.results).value_or(json());
      p->bundle.reset();
    }
  });
}

}  // namespace psephos::server
