// Ideas before the vote, their review into ballot projects, and the cycle
// report (#19 items 2, 3 and 5; server/API.md "Ideas"). Every change of a
// process's ideas runs on the database thread, one at a time, and is checked
// there against what is in memory, so two changes never race.
#include <algorithm>

#include "psephos/server/api.h"
#include "psephos/server/images.h"
#include "psephos/server/secrets.h"
#include "responses.h"
#include "routes.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server {

using nlohmann::json;

namespace {

Response Invalid(const Status& status) {
  const std::string& m = status.message();
  json error{{"code", "invalid_idea"}, {"message", m}};
  if (const auto colon = m.find(": "); colon != std::string::npos && colon < 40) error["field"] = m.substr(0, colon);
  return JsonResponse(http::status::unprocessable_entity, json{{"error", std::move(error)}});
}

Response Conflict(const std::string& code, const std::string& message) {
  return ErrorResponse(http::status::conflict, code, message);
}

Response IdeaNotFound() { return ErrorResponse(http::status::not_found, "not_found", "no such idea"); }

Response UnknownCode() {
  return ErrorResponse(http::status::forbidden, "unknown_code", "this code cannot send ideas in this process");
}

Response NotStored(const Status& s) { return ErrorResponse(http::status::internal_server_error, "not_stored", s.message()); }

std::string CodeField(const json& body) { return StringField(body, "code"); }

}  // namespace

std::optional<std::pair<std::string, std::string>> Api::IdeaAuthor(const LiveProcess& p, const std::string& code) const {
  const std::string normalized = NormalizeVoterCode(code);
  if (normalized.empty()) return std::nullopt;
  std::string hash = VoterCodeHash(normalized);
  // An organizer's voter code (a kiosk's one-time code is for one ballot only).
  if (auto it = p.codes.find(hash); it != p.codes.end()) {
    if (it->second.device != 0 || it->second.walk_in) return std::nullopt;
    return std::make_pair(hash, it->second.group);
  }
  if (!p.ideas.settings.open_to_all) return std::nullopt;
  if (auto it = p.ideas.codes.find(hash); it != p.ideas.codes.end()) return std::make_pair(hash, it->second);
  return std::nullopt;
}

std::optional<Response> Api::IdeasRefusal(const LiveProcess& p) const {
  if (!p.ideas.settings.accepting) return Conflict("ideas_closed", "ideas are not being taken now");
  const PhaseDates& dates = p.phases.at(CyclePhase::kIdeas);
  if (dates.opens_at_ms == 0 && dates.closes_at_ms == 0) return std::nullopt;  // no dates: the switch alone
  const PhaseState state = PhaseStateOf(p, CyclePhase::kIdeas);
  if (state == PhaseState::kOpen) return std::nullopt;
  std::string message = state == PhaseState::kClosed ? "the ideas phase closed at " + UtcMinute(dates.closes_at_ms)
                        : dates.opens_at_ms != 0   ? "the ideas phase opens at " + UtcMinute(dates.opens_at_ms)
                                                   : "the ideas phase has not opened yet";
  json error{{"code", "ideas_closed"}, {"message", message + ": ideas are taken and supported while it is open"},
             {"phase", PhaseStateName(state)}};
  // The times too, for pages to say them in the reader's words.
  error["opens_at_ms"] = dates.opens_at_ms ? json(dates.opens_at_ms) : json();
  error["closes_at_ms"] = dates.closes_at_ms ? json(dates.closes_at_ms) : json();
  return JsonResponse(http::status::conflict, json{{"error", std::move(error)}});
}

void Api::ListIdeas(const std::shared_ptr<LiveProcess>& p, std::optional<OrganizerRole> role, Reply reply) {
  std::unique_lock lock(mutex_);
  // The public sees the ideas once the organizer has opened them; the committee, always.
  if (!role && !p->ideas.settings.accepting && p->ideas.ideas.empty()) {
    lock.unlock();
    return reply(ErrorResponse(http::status::not_found, "not_found", "this process takes no ideas"));
  }
  json ideas = IdeasJson(*p, role.has_value());
  lock.unlock();
  reply(JsonResponse(http::status::ok, ideas));
}

// /ideas/ID/supports (anyone with a code), /hide, /restore, /merge, /decision (the committee).
void Api::IdeaRoute(Call& c, const std::string& what) {
  const auto id = ParseId(c.params[1]);
  if (!id) return c.reply(IdeaNotFound());
  auto body = c.Body();
  if (!body) return;
  if (what == "supports") return SupportIdea(c.p, *id, *body, c.client, std::move(c.reply));
  ModerateIdea(c.p, *id, what, *body, std::move(c.reply));
}

json Api::IdeasJson(const LiveProcess& p, bool committee) const {
  json ideas = json::array();
  for (const auto& [id, state] : p.ideas.ideas) {
    if (!committee && state.record.status == IdeaStatus::kHidden) continue;
    ideas.push_back(IdeaJson(state, committee));
  }
  const PhaseDates& ideas_phase = p.phases.at(CyclePhase::kIdeas);
  json j{{"slug", p.definition.slug},
         {"title", p.definition.title},
         {"languages", p.definition.languages},
         {"translations", p.definition.translations},
         {"currency", p.definition.budgets.empty() ? "" : p.definition.budgets.front().currency},
         {"state", ProcessPhaseName(Phase(p))},
         {"settings", IdeaSettingsJson(p.ideas.settings)},
         {"taking", !IdeasRefusal(p).has_value()},
         {"phase", {{"state", PhaseStateName(PhaseStateOf(p, CyclePhase::kIdeas))},
                    {"opens_at_ms", ideas_phase.opens_at_ms ? json(ideas_phase.opens_at_ms) : json()},
                    {"closes_at_ms", ideas_phase.closes_at_ms ? json(ideas_phase.closes_at_ms) : json()}}},
         {"time_zone", p.schedule.time_zone},
         {"ideas", std::move(ideas)}};
  if (committee) {
    json budgets = json::array();
    for (const Budget& b : p.definition.budgets) budgets.push_back({{"id", b.id}, {"title", b.title}});
    j["budgets"] = std::move(budgets);
    j["groups"] = p.definition.groups;
    json by_group = json::object();
    for (const auto& [group, counts] : CountIdeasByGroup(p.ideas)) by_group[group] = GroupIdeaCountsJson(counts);
    // Groups that were given codes but sent nothing: the committee sees who is not heard.
    for (const auto& [group, count] : p.by_group) {
      if (group == "(walk-in)" || count.codes == 0) continue;
      const std::string key = group.empty() ? "(none)" : group;
      if (!by_group.contains(key)) by_group[key] = GroupIdeaCountsJson({});
      by_group[key]["voter_codes"] = count.codes;
    }
    for (auto& [group, counts] : by_group.items()) {
      for (const char* k : {"hidden", "feasible", "not_feasible", "on_ballot", "ballots", "funded", "delivered"}) {
        counts.erase(k);  // the report's; here only who speaks
      }
    }
    j["by_group"] = std::move(by_group);
  }
  return j;
}

void Api::SubmitIdea(const std::shared_ptr<LiveProcess>& p, const json& body, const std::string& client, Reply reply) {
  if (RateLimited(client, reply)) return;
  IdeaSettings settings;
  {
    std::lock_guard lock(mutex_);
    settings = p->ideas.settings;
  }
  auto input = ParseIdeaInput(body, settings);
  if (!input.ok()) return reply(Invalid(input.status()));
  std::unique_lock look(mutex_);
  if (auto refused = IdeasRefusal(*p)) return reply(std::move(*refused));
  auto author = IdeaAuthor(*p, input->code);
  if (!author) {
    look.unlock();
    CountCodeFailure(client);
    return reply(UnknownCode());
  }
  if (!input->image.is_null()) {
    for (const json& file : input->image["files"]) {
      if (images_.count(file["sha256"].get<std::string>())) continue;
      return reply(Invalid(Status::Invalid("image: picture " + file["sha256"].get<std::string>() +
                                           " is not on this server (send it to …/ideas/images first)")));
    }
  }
  look.unlock();
  IdeaRecord record;
  record.title = input->title;
  record.description = input->description;
  record.category = input->category;
  record.place = input->place;
  record.image = input->image.is_null() ? "" : input->image.dump();
  record.author_hash = author->first;
  record.group = author->second;
  record.created_at_ms = Now();
  worker_.Post([this, p, record = std::move(record), reply = std::move(reply)](Storage& storage) mutable {
    std::unique_lock lock(mutex_);
    record.idea_code = !p->codes.count(record.author_hash);
    // Decided from this node's ideas; if the author sent one on another node
    // meanwhile, the store refuses: its ideas are read, and decided from again.
    for (int attempt = 0;; ++attempt) {
      if (auto refused = IdeasRefusal(*p)) return reply(std::move(*refused));
      if (p->ideas.ideas.size() >= kMaxIdeasPerProcess) {
        return reply(Conflict("too_many_ideas", "this process has taken all the ideas it can"));
      }
      std::size_t mine = 0;
      for (const auto& [id, state] : p->ideas.ideas) {
        if (state.record.author_hash != record.author_hash) continue;
        if (state.record.title == record.title) {
          return reply(Conflict("duplicate_idea", "this code has already sent an idea with this title (#" +
                                                      std::to_string(id) + ")"));
        }
        ++mine;
      }
      if (mine >= kMaxIdeasPerCode) {
        return reply(Conflict("too_many_ideas", "one code sends at most " + std::to_string(kMaxIdeasPerCode) + " ideas"));
      }
      lock.unlock();
      auto id = storage.AddIdea(p->id, record, mine);
      if (!id.ok()) return reply(NotStored(id.status()));
      if (!id->has_value()) {
        if (attempt == 3) return reply(NotStored(Status::Invalid("this code's ideas keep changing: try again")));
        auto stored = storage.LoadIdeas(p->id);
        if (!stored.ok()) return reply(NotStored(stored.status()));
        lock.lock();
        for (IdeaRecord& r : *stored) {
          if (r.author_hash == record.author_hash && !p->ideas.ideas.contains(r.id)) {
            p->ideas.ideas[r.id].record = std::move(r);  // its supports come with the next reload
          }
        }
        continue;
      }
      lock.lock();
      record.id = **id;
      IdeaState& state = p->ideas.ideas[record.id];
      state.record = std::move(record);
      json answer = IdeaJson(state, false);
      lock.unlock();
      return reply(JsonResponse(http::status::created, answer));
    }
  });
}

void Api::UploadIdeaPhoto(const std::shared_ptr<LiveProcess>& p, const Request& request, const std::string& client,
                          Reply reply) {
  if (RateLimited(client, reply)) return;
  const std::string code(AuthCredentials(request, "Code"));
  {
    std::unique_lock lock(mutex_);
    if (auto refused = IdeasRefusal(*p)) return reply(std::move(*refused));
    auto author = IdeaAuthor(*p, code);
    if (!author) {
      lock.unlock();
      CountCodeFailure(client);
      return reply(UnknownCode());
    }
    // Counted before decoding, so parallel uploads cannot pass the limit.
    int& photos = p->ideas.photos[author->first];
    if (photos >= kMaxPhotosPerCode) {
      return reply(ErrorResponse(http::status::too_many_requests, "too_many_photos",
                                 "one code sends at most " + std::to_string(kMaxPhotosPerCode) + " pictures"));
    }
    ++photos;
  }
  // The organizers' picture pipeline (images.cc): upright, resized, no metadata.
  ImageLimits limits;
  limits.max_bytes = options_.max_image_bytes;
  ImageResult result = ProcessImage(request.body(), limits);
  if (!result.refusal.code.empty()) {
    const http::status status = result.refusal.code == "image_too_large" ? http::status::payload_too_large
                                : result.refusal.code == "not_an_image" ? http::status::unsupported_media_type
                                                                        : http::status::unprocessable_entity;
    return reply(ErrorResponse(status, result.refusal.code, result.refusal.message));
  }
  std::vector<ImageRecord> records;
  for (const ImageFile& f : result.image.files) records.push_back({f.sha256, f.width, f.height, f.jpeg});
  json answer{{"image", ImageJson(result.image)}};
  worker_.Post([this, records = std::move(records), answer = std::move(answer), reply = std::move(reply)](Storage& storage) {
    if (Status s = storage.PutImages(records); !s.ok()) return reply(NotStored(s));
    {
      std::lock_guard lock(mutex_);
      for (const ImageRecord& r : records) images_.emplace(r.sha256, std::make_shared<const ImageRecord>(r));
    }
    reply(JsonResponse(http::status::created, answer));
  });
}

void Api::SupportIdea(const std::shared_ptr<LiveProcess>& p, std::int64_t idea, const json& body,
                      const std::string& client, Reply reply) {
  if (RateLimited(client, reply)) return;
  for (const auto& [key, value] : body.items()) {
    if (key != "code") return reply(ErrorResponse(http::status::bad_request, "unknown_field", key + ": unknown field"));
  }
  std::unique_lock look(mutex_);
  auto author = IdeaAuthor(*p, CodeField(body));
  if (!author) {
    look.unlock();
    CountCodeFailure(client);
    return reply(UnknownCode());
  }
  look.unlock();
  IdeaSupportRecord support{idea, author->first, author->second, Now()};
  worker_.Post([this, p, support, reply = std::move(reply)](Storage& storage) {
    std::unique_lock lock(mutex_);
    if (auto refused = IdeasRefusal(*p)) return reply(std::move(*refused));
    auto it = p->ideas.ideas.find(support.idea);
    if (it == p->ideas.ideas.end() || it->second.record.status == IdeaStatus::kHidden) return reply(IdeaNotFound());
    const IdeaRecord& record = it->second.record;
    if (record.status == IdeaStatus::kMerged) {
      return reply(Conflict("merged", "this idea was merged into idea #" + std::to_string(record.merged_into) +
                                          "; support that one"));
    }
    if (record.status == IdeaStatus::kNotFeasible) {
      return reply(Conflict("not_feasible", "the committee found this idea not feasible"));
    }
    if (record.author_hash == support.code_hash) return reply(Conflict("own_idea", "this is your own idea"));
    if (it->second.supporters.count(support.code_hash)) {
      return reply(Conflict("already_supported", "this code supports this idea already"));
    }
    lock.unlock();
    auto added = storage.AddIdeaSupport(p->id, support);
    if (!added.ok()) return reply(NotStored(added.status()));
    if (!*added) return reply(Conflict("already_supported", "this code supports this idea already"));
    lock.lock();
    auto& supporters = p->ideas.ideas[support.idea].supporters;
    supporters.emplace(support.code_hash, support.group);
    json answer{{"idea", support.idea}, {"supports", supporters.size()}};
    lock.unlock();
    reply(JsonResponse(http::status::created, answer));
  });
}

void Api::MyIdeas(const std::shared_ptr<LiveProcess>& p, const json& body, const std::string& client, Reply reply) {
  if (RateLimited(client, reply)) return;
  std::unique_lock lock(mutex_);
  auto author = IdeaAuthor(*p, CodeField(body));
  if (!author) {
    lock.unlock();
    CountCodeFailure(client);
    return reply(UnknownCode());
  }
  json own = json::array(), supported = json::array();
  for (const auto& [id, state] : p->ideas.ideas) {
    if (state.record.author_hash == author->first) own.push_back(id);
    if (state.supporters.count(author->first)) supported.push_back(id);
  }
  reply(JsonResponse(http::status::ok, {{"valid", true}, {"own", own}, {"supported", supported}}));
}

void Api::ModerateIdea(const std::shared_ptr<LiveProcess>& p, std::int64_t idea, const std::string& what,
                       const json& body, Reply reply) {
  // Checked before it is queued: the body's shape.
  IdeaDecision decision;
  std::string reason;
  std::int64_t into = 0;
  if (what == "hide") {
    auto r = ParseReason(body, true);
    if (!r.ok()) return reply(Invalid(r.status()));
    reason = std::move(r).value();
  } else if (what == "merge") {
    const json target = body.value("into", json());
    if (!target.is_number_integer() || target.get<std::int64_t>() < 1) {
      return reply(Invalid(Status::Invalid("into: the id of the idea this one duplicates")));
    }
    into = target.get<std::int64_t>();
  } else if (what == "decision") {
    auto d = ParseIdeaDecision(body);
    if (!d.ok()) return reply(Invalid(d.status()));
    decision = std::move(d).value();
  }
  worker_.Post([this, p, idea, what, decision, reason, into, reply = std::move(reply)](Storage& storage) {
    std::unique_lock lock(mutex_);
    auto& ideas = p->ideas.ideas;
    auto it = ideas.find(idea);
    if (it == ideas.end()) return reply(IdeaNotFound());
    IdeaRecord changed = it->second.record;
    if (!changed.project.empty()) {
      return reply(Conflict("on_ballot", "this idea is on the ballot as " + changed.project + " already"));
    }
    if (changed.status == IdeaStatus::kMerged) {
      return reply(Conflict("merged", "this idea was merged into #" + std::to_string(changed.merged_into)));
    }
    std::vector<IdeaSupportRecord> moved;
    if (what == "hide") {
      changed.status = IdeaStatus::kHidden;
      changed.reason = reason;
    } else if (what == "restore") {
      if (changed.status != IdeaStatus::kHidden) return reply(Conflict("not_hidden", "this idea is not hidden"));
      changed.status = IdeaStatus::kSubmitted;
      changed.reason.clear();
    } else if (what == "decision") {
      if (changed.status == IdeaStatus::kHidden) return reply(Conflict("hidden", "restore the idea first"));
      changed.status = decision.feasible ? IdeaStatus::kFeasible : IdeaStatus::kNotFeasible;
      changed.reason = decision.reason;
      changed.cost = decision.cost;
    } else {  // merge: the duplicate's author and supporters support the idea it duplicates
      auto target = ideas.find(into);
      if (into == idea || target == ideas.end() || !p->ideas.Visible(target->second.record)) {
        return reply(Conflict("invalid_merge", "ideas merge into another idea that is shown (submitted or feasible)"));
      }
      const IdeaState& keep = target->second;
      const std::int64_t now = Now();
      const auto add = [&](const std::string& hash, const std::string& group) {
        if (hash == keep.record.author_hash || keep.supporters.count(hash)) return;
        if (std::any_of(moved.begin(), moved.end(), [&](const auto& m) { return m.code_hash == hash; })) return;
        moved.push_back({into, hash, group, now});
      };
      add(changed.author_hash, changed.group);
      for (const auto& [hash, group] : it->second.supporters) add(hash, group);
      changed.status = IdeaStatus::kMerged;
      changed.merged_into = into;
    }
    lock.unlock();
    Status s = what == "merge" ? storage.MergeIdea(p->id, changed, moved) : storage.UpdateIdeas(p->id, {changed});
    if (!s.ok()) return reply(NotStored(s));
    lock.lock();
    for (const IdeaSupportRecord& m : moved) ideas[into].supporters.emplace(m.code_hash, m.group);
    IdeaState& state = ideas[idea];
    state.record = std::move(changed);
    json answer = IdeaJson(state, true);
    lock.unlock();
    reply(JsonResponse(http::status::ok, answer));
  });
}

void Api::ProjectFromIdeas(const std::shared_ptr<LiveProcess>& p, const json& body, Reply reply) {
  for (const auto& [key, value] : body.items()) {
    static const std::set<std::string> kKeys = {"budget", "ideas", "id", "name", "description", "cost"};
    if (!kKeys.count(key)) return reply(Invalid(Status::Invalid(key + ": unknown field")));
  }
  const json ids = body.value("ideas", json());
  if (!ids.is_array() || ids.empty() || ids.size() > 100 ||
      !std::all_of(ids.begin(), ids.end(), [](const json& i) { return i.is_number_integer() && i.get<std::int64_t>() > 0; })) {
    return reply(Invalid(Status::Invalid("ideas: the ids of 1 to 100 feasible ideas")));
  }
  const std::string budget_id = StringField(body, "budget");
  worker_.Post([this, p, body, ids, budget_id, reply = std::move(reply)](Storage& storage) {
    std::unique_lock lock(mutex_);
    if (p->state != ProcessState::kDraft || p->closing) {
      return reply(Conflict("not_draft", "projects are added to the ballot while the process is a draft"));
    }
    json definition = ProcessDefinitionJson(p->definition);
    json* budget = nullptr;
    for (json& b : definition["budgets"]) {
      if (b["id"] == budget_id) budget = &b;
    }
    if (!budget) return reply(Invalid(Status::Invalid("budget: no budget \"" + budget_id + "\" in this process")));
    std::vector<IdeaRecord> changed;
    std::int64_t cost = 0;
    for (const json& i : ids) {
      auto it = p->ideas.ideas.find(i.get<std::int64_t>());
      if (it == p->ideas.ideas.end()) return reply(Invalid(Status::Invalid("ideas: no idea #" + i.dump())));
      const IdeaRecord& r = it->second.record;
      if (!r.project.empty()) return reply(Conflict("on_ballot", "idea #" + i.dump() + " is on the ballot as " + r.project));
      if (r.status != IdeaStatus::kFeasible) {
        return reply(Conflict("not_feasible", "idea #" + i.dump() + " has no decision \"feasible\" with a cost yet"));
      }
      if (std::any_of(changed.begin(), changed.end(), [&](const IdeaRecord& c) { return c.id == r.id; })) {
        return reply(Invalid(Status::Invalid("ideas: #" + i.dump() + " is listed twice")));
      }
      changed.push_back(r);
      cost += r.cost;
    }
    const IdeaRecord& first = changed.front();
    json project{{"id", body.contains("id") ? body["id"] : json("idea-" + std::to_string(first.id))},
                 {"name", body.contains("name") ? body["name"] : json(first.title)},
                 {"description", body.contains("description") ? body["description"] : json(first.description)},
                 {"cost", body.contains("cost") ? body["cost"] : json(cost)},
                 {"ideas", ids}};
    if (!first.category.empty()) project["category"] = first.category;
    if (!first.place.empty()) project["location"] = first.place;
    if (!first.image.empty()) project["image"] = json::parse(first.image, nullptr, false);
    (*budget)["projects"].push_back(project);
    auto parsed = ParseDefinitionToSave(definition);
    if (!parsed.ok()) return reply(DefinitionError(parsed.status()));
    const std::string label = budget_id + "/" + project["id"].get<std::string>();
    for (IdeaRecord& r : changed) r.project = label;
    const std::string stored = ProcessDefinitionJson(*parsed).dump();
    lock.unlock();
    if (Status s = storage.AddIdeaProject(p->id, stored, changed); !s.ok()) return reply(NotStored(s));
    lock.lock();
    p->definition = std::move(parsed).value();
    json answer{{"project", label}, {"definition", ProcessDefinitionJson(p->definition)}, {"ideas", json::array()}};
    for (IdeaRecord& r : changed) {
      IdeaState& state = p->ideas.ideas[r.id];
      state.record = std::move(r);
      answer["ideas"].push_back(IdeaJson(state, true));
    }
    lock.unlock();
    reply(JsonResponse(http::status::created, answer));
  });
}

void Api::AddIdeaCodes(const std::shared_ptr<LiveProcess>& p, const json& body, Reply reply) {
  const json count = body.value("count", json());
  if (!count.is_number_integer() || count.get<std::int64_t>() < 1 || count.get<std::int64_t>() > kMaxIdeaCodesPerBatch) {
    return reply(Invalid(Status::Invalid("count: a whole number from 1 to " + std::to_string(kMaxIdeaCodesPerBatch))));
  }
  const std::string group = StringField(body, "group");
  {
    std::lock_guard lock(mutex_);
    const auto& groups = p->definition.groups;
    if (!groups.empty() && std::find(groups.begin(), groups.end(), group) == groups.end()) {
      return reply(Invalid(Status::Invalid("group: \"" + group + "\" is not one of this process's groups")));
    }
  }
  const std::int64_t n = count.get<std::int64_t>();
  worker_.Post([this, p, n, group, reply = std::move(reply)](Storage& storage) {
    std::vector<std::string> codes, hashes;
    for (std::int64_t i = 0; i < n; ++i) {
      codes.push_back(NewVoterCode());
      hashes.push_back(VoterCodeHash(NormalizeVoterCode(codes.back())));
    }
    if (Status s = storage.AddIdeaCodes(p->id, group, hashes); !s.ok()) return reply(NotStored(s));
    {
      std::lock_guard lock(mutex_);
      for (std::string& h : hashes) p->ideas.codes.emplace(std::move(h), group);
    }
    // The plain codes, once: only their hashes are kept.
    reply(JsonResponse(http::status::created, {{"group", group}, {"codes", codes}}));
  });
}

void Api::SetIdeaSettings(const std::shared_ptr<LiveProcess>& p, const json& body, Reply reply) {
  auto settings = ParseIdeaSettings(body);
  if (!settings.ok()) return reply(Invalid(settings.status()));
  worker_.Post([this, p, settings = std::move(settings).value(), reply = std::move(reply)](Storage& storage) {
    const json stored = IdeaSettingsJson(settings);
    if (Status s = storage.PutSetting("ideas:" + std::to_string(p->id), stored.dump()); !s.ok()) {
      return reply(NotStored(s));
    }
    {
      std::lock_guard lock(mutex_);
      p->ideas.settings = settings;
    }
    reply(JsonResponse(http::status::ok, stored));
  });
}

Status Api::LoadIdeas(Storage& storage, LiveProcess& p) {
  auto settings = storage.GetSetting("ideas:" + std::to_string(p.id));
  if (!settings.ok()) return settings.status();
  if (*settings) {
    auto parsed = ParseIdeaSettings(json::parse(**settings, nullptr, false));
    if (!parsed.ok()) return Status::Invalid("stored idea settings of " + p.definition.slug + ": " + parsed.status().message());
    p.ideas.settings = std::move(parsed).value();
  }
  auto ideas = storage.LoadIdeas(p.id);
  if (!ideas.ok()) return ideas.status();
  for (IdeaRecord& r : *ideas) {
    const std::int64_t id = r.id;
    p.ideas.ideas[id].record = std::move(r);
  }
  auto supports = storage.LoadIdeaSupports(p.id);
  if (!supports.ok()) return supports.status();
  for (IdeaSupportRecord& s : *supports) p.ideas.ideas[s.idea].supporters.emplace(std::move(s.code_hash), std::move(s.group));
  auto codes = storage.LoadIdeaCodes(p.id);
  if (!codes.ok()) return codes.status();
  for (IdeaCodeRecord& c : *codes) p.ideas.codes.emplace(std::move(c.code_hash), std::move(c.group));
  return Status::Ok();
}

}  // namespace psephos::server
