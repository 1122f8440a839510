// The voter side of the API (ballots, codes, the board) and the process-wide
// routes; the route table is routes.cc. Storage work goes to the DbWorker;
// replies are sent from its thread once the work is durable.
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
#include "psephos/server/exports.h"
#include "responses.h"
#include "routes.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server {
namespace {

using nlohmann::json;
using Status = ::psephos::Status;

// The turnout group of walk-ins' ballots, beside "(none)" (paper ballots, codes without a group).
const std::string kWalkInGroup = "(walk-in)";

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
      auto salt = storage.SettingOnce("wrong_attempts_salt", RandomHex(32));
      if (!salt.ok()) return loaded.set_value(salt.status());
      api->attempts_salt_ = std::move(salt).value();
      api->node_name_ = RandomHex(8);
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
  const auto wait = wrong_codes_.Wait(AttemptKey(LimiterKey(client)));
  if (!wait) return false;
  reply(TooManyAttempts(*wait));
  return true;
}

void Api::CountCodeFailure(const std::string& client) {
  WrongAttempt(AttemptKind::kCode, AttemptKey(LimiterKey(client)));
}

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

void Api::ListProcesses(const Organizer& who, Reply reply) {  // the processes the organizer has a role in
  json list = json::array();
  std::unique_lock lock(mutex_);
  for (const auto& [slug, p] : processes_) {
    const auto role = RoleIn(who, *p);
    if (!role) continue;
    list.push_back(Summary(*p));
    list.back()["role"] = OrganizerRoleName(*role);
  }
  lock.unlock();
  reply(JsonResponse(http::status::ok, {{"processes", list}}));
}

void Api::CreateRoute(Call& c) {
  auto body = c.Body();
  if (!body) return;
  auto definition = ParseDefinitionToSave(*body);
  if (!definition.ok()) return c.reply(DefinitionError(definition.status()));
  if (auto unknown = UnknownImage(*definition)) return c.reply(std::move(*unknown));
  CreateProcess(std::move(definition).value(), std::move(c.reply));
}

void Api::ImportRoute(Call& c) {
  const std::string slug = c.Query("slug");
  if (slug.empty()) return c.reply(ErrorResponse(http::status::bad_request, "missing_slug", "add ?slug=your-process"));
  std::optional<Response> error;
  auto definition = c.request[http::field::content_type].starts_with("application/json")
                        ? ImportPabulibSet(c.request, slug, &error)
                        : ProcessFromPabulib(c.request.body(), slug);
  if (error) return c.reply(std::move(*error));
  if (!definition.ok()) {
    return c.reply(ErrorResponse(http::status::unprocessable_entity, "invalid_definition", definition.status().message()));
  }
  CreateProcess(std::move(definition).value(), std::move(c.reply));
}

void Api::DefinitionRoute(Call& c) {
  std::unique_lock lock(mutex_);
  json j = Summary(*c.p);
  j["role"] = OrganizerRoleName(*c.role);
  j["definition"] = ProcessDefinitionJson(c.p->definition);
  lock.unlock();
  c.reply(JsonResponse(http::status::ok, j));
}

void Api::EditRoute(Call& c) {
  auto body = c.Body();
  if (!body) return;
  bool open = false;
  {
    std::lock_guard lock(mutex_);
    open = c.p->state == ProcessState::kOpen && !c.p->closing;
  }
  // While voting is open, a correction of texts and pictures (texts_api.cc).
  if (open) {
    // Who corrected, as listed publicly: the label given, else the account's name.
    std::string by = c.Query("by");
    if (by.empty() && c.who.account != 0) {
      std::lock_guard lock(mutex_);
      if (auto a = accounts_.find(c.who.account); a != accounts_.end()) by = a->second.name;
    }
    return Correct(c.p, *body, std::move(by), std::move(c.reply));
  }
  auto definition = ParseDefinitionToSave(*body);
  if (!definition.ok()) return c.reply(DefinitionError(definition.status()));
  if (auto unknown = UnknownImage(*definition)) return c.reply(std::move(*unknown));
  UpdateProcess(c.p, std::move(definition).value(), std::move(c.reply));
}

void Api::BallotRoute(Call& c) {
  const std::shared_ptr<LiveProcess>& p = c.p;
  std::unique_lock lock(mutex_);
  if (p->state == ProcessState::kDraft && !c.organizer()) {
    // A draft with an opening time: only its title and times, for "Voting opens on …".
    if (p->schedule.opens_at_ms == 0 || p->closing) return c.reply(NotFound());
    json j{{"slug", p->definition.slug},
           {"title", p->definition.title},
           {"state", ProcessPhaseName(Phase(*p))},
           {"schedule", ProcessScheduleJson(p->schedule)}};
    lock.unlock();
    return c.reply(JsonResponse(http::status::ok, j));
  }
  json j = PublicBallotJson(p->definition);
  j["state"] = ProcessPhaseName(Phase(*p));
  // Past its closing time (the scheduler a moment late): already closed for voters.
  if (p->state == ProcessState::kOpen && !Accepting(*p)) j["state"] = ProcessPhaseName(ProcessPhase::kClosing);
  j["schedule"] = ProcessScheduleJson(p->schedule);
  j["public_key"] = key_.PublicHex();
  lock.unlock();
  c.reply(JsonResponse(http::status::ok, j));
}

// Results, bundle and results.csv: the public's once published, the organizers' once closed.
std::optional<Response> Api::ResultsRefusal(const LiveProcess& p, bool organizer) const {
  const bool visible = p.state == ProcessState::kPublished || (organizer && p.state == ProcessState::kClosed);
  if (!visible) return ErrorResponse(http::status::conflict, "results_not_published", "results are not published yet");
  if (p.results.is_null()) return NotCounted(p);
  return std::nullopt;
}

void Api::BundleRoute(Call& c) {
  std::unique_lock lock(mutex_);
  if (auto refusal = ResultsRefusal(*c.p, c.organizer())) {
    lock.unlock();
    return c.reply(std::move(*refusal));
  }
  lock.unlock();
  Bundle(c.p, std::move(c.reply));
}

void Api::ResultsRoute(Call& c) {
  const LiveProcess& p = *c.p;
  const bool organizer = c.organizer();
  std::unique_lock lock(mutex_);
  std::optional<Response> answer = ResultsRefusal(p, organizer);
  if (!answer) {
    // The public sees no group, area or channel below k; the organizer, exact numbers.
    const std::int64_t k = p.definition.min_group_size;
    json j{{"slug", p.definition.slug}, {"state", ProcessStateName(p.state)},
           {"turnout", organizer ? Turnout(p) : PublicTurnout(Turnout(p), k)},
           {"budgets", organizer ? p.results : PublicResults(p.results, k)}};
    answer = JsonResponse(http::status::ok, j);
  }
  lock.unlock();
  c.reply(std::move(*answer));
}

// Spreadsheets: what the results and turnout pages show, as CSV.
void Api::CsvRoute(Call& c, bool results) {
  const LiveProcess& p = *c.p;
  const bool organizer = c.organizer();
  std::unique_lock lock(mutex_);
  const bool published = p.state == ProcessState::kPublished;
  // Turnout: the organizer's at any time; the public's once published. Results: as /results.
  const bool visible = results ? (published || (organizer && p.state == ProcessState::kClosed)) && !p.results.is_null()
                               : organizer || published;
  if (!visible) {
    lock.unlock();
    return c.reply(ErrorResponse(http::status::conflict, "results_not_published", "results are not published yet"));
  }
  const std::int64_t k = p.definition.min_group_size;
  std::string csv = results ? ResultsCsv(p.definition, organizer ? p.results : PublicResults(p.results, k))
                            : TurnoutCsv(organizer ? Turnout(p) : PublicTurnout(Turnout(p), k));
  const std::string name = p.definition.slug + (results ? "-results.csv" : "-turnout.csv");
  lock.unlock();
  Response r = TextResponse(http::status::ok, std::move(csv), "text/csv; charset=utf-8");
  r.set(http::field::content_disposition, "attachment; filename=\"" + name + "\"");
  c.reply(std::move(r));
}

void Api::TurnoutRoute(Call& c) {
  auto answer = [this, p = c.p, reply = c.reply]() mutable {
    std::unique_lock lock(mutex_);
    json turnout = Turnout(*p);
    lock.unlock();
    reply(JsonResponse(http::status::ok, turnout));
  };
  if (shared_store_) return SyncLog(c.p, answer, c.reply);  // with the other nodes' ballots
  answer();
}

void Api::StateRoute(Call& c, const std::string& action) {
  // RFC 7240: "Prefer: respond-async" has the close answer 202 once it is on disk, not once counted.
  const bool wait = c.request[http::field::prefer].find("respond-async") == std::string_view::npos;
  ChangeState(c.p, action, wait, std::move(c.reply));
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
    if (key != "code" && key != "ballots" && key != "submission") {
      return reply(ErrorResponse(http::status::bad_request, "unknown_field", key + ": unknown field"));
    }
  }
  // The voting page's random id of this ballot, the same on every retry (API.md).
  std::string submission_hash;
  if (body.contains("submission")) {
    const json& id = body["submission"];
    if (!id.is_string() || id.get_ref<const std::string&>().size() != 32 ||
        id.get_ref<const std::string&>().find_first_not_of("0123456789abcdef") != std::string::npos) {
      return reply(ErrorResponse(http::status::bad_request, "invalid_submission",
                                 "submission: 32 lowercase hex digits, the same for every try of one ballot"));
    }
    submission_hash = Sha256Hex(id.get_ref<const std::string&>());
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
  // Spent, with a submission id: the store tells a retry of its ballot (kAlreadyStored) from a second ballot.
  if (state.status == CodeStatus::kSpent && (!p->definition.latest_ballot_counts || state.checked_in) &&
      (submission_hash.empty() || state.checked_in)) {
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
  ballot.submission_hash = std::move(submission_hash);
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
      if (result.ok() && *result == AppendResult::kAlreadyStored) {  // its receipt went with the lost answer
        return reply(JsonResponse(http::status::ok, {{"stored", true}, {"already_stored", true}}));
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
