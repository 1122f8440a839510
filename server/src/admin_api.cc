// The organizer side of the API: processes, voter codes, opening and closing.
#include <algorithm>
#include <charconv>

#include "psephos/server/api.h"
#include "psephos/server/secrets.h"
#include "responses.h"
#include "wall_clock.h"

namespace psephos::server {

using nlohmann::json;

void Api::CreateProcess(ProcessDefinition definition, Reply reply) {
  const std::string slug = definition.slug;
  // Serialized before the slug is reserved, so nothing can leave a reservation behind.
  const std::string stored = ProcessDefinitionJson(definition).dump();
  auto live = std::make_shared<LiveProcess>();
  live->definition = std::move(definition);
  {
    std::lock_guard lock(mutex_);
    if (processes_.count(slug)) {
      return reply(ErrorResponse(http::status::conflict, "slug_taken", "a process named " + slug + " exists"));
    }
    live->closing = true;  // reserved: nobody votes until it is stored and opened
    processes_[slug] = live;
  }
  worker_.Post([this, live, slug, stored, reply = std::move(reply)](Storage& storage) {
    auto id = storage.CreateProcess(slug, stored);
    std::unique_lock lock(mutex_);
    if (!id.ok()) {
      processes_.erase(slug);
      lock.unlock();
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", id.status().message()));
    }
    live->id = *id;
    live->closing = false;
    json summary = Summary(*live);
    lock.unlock();
    reply(JsonResponse(http::status::created, summary));
  });
}

void Api::UpdateProcess(const std::shared_ptr<LiveProcess>& p, ProcessDefinition definition, Reply reply) {
  {
    std::lock_guard lock(mutex_);
    if (definition.slug != p->definition.slug) {
      return reply(ErrorResponse(http::status::unprocessable_entity, "slug_changed", "the slug cannot change"));
    }
    if (p->state != ProcessState::kDraft || p->closing) {
      return reply(ErrorResponse(http::status::conflict, "not_draft", "only a draft can be edited"));
    }
  }
  const std::string stored = ProcessDefinitionJson(definition).dump();
  worker_.Post([this, p, definition = std::move(definition), stored, reply = std::move(reply)](Storage& storage) mutable {
    Status status = storage.UpdateDefinition(p->id, stored);
    if (!status.ok()) return reply(ErrorResponse(http::status::internal_server_error, "not_stored", status.message()));
    std::unique_lock lock(mutex_);
    p->definition = std::move(definition);
    json summary = Summary(*p);
    lock.unlock();
    reply(JsonResponse(http::status::ok, summary));
  });
}

void Api::AddCodes(const std::shared_ptr<LiveProcess>& p, const json& body, Reply reply) {
  const json count = body.value("count", json());
  if (!count.is_number_integer() || count.get<std::int64_t>() < 1 ||
      count.get<std::int64_t>() > options_.max_codes_per_batch) {
    return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_count",
                               "count: a whole number from 1 to " + std::to_string(options_.max_codes_per_batch)));
  }
  const json group_json = body.value("group", json(""));
  if (!group_json.is_string()) {
    return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_group", "group: must be a string"));
  }
  const std::string group = group_json.get<std::string>();
  const json area_json = body.value("area", json(""));
  if (!area_json.is_string()) {
    return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_area", "area: must be a string"));
  }
  const std::string area = area_json.get<std::string>();
  {
    std::lock_guard lock(mutex_);
    const auto& groups = p->definition.groups;
    if (!groups.empty() && std::find(groups.begin(), groups.end(), group) == groups.end()) {
      return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_group",
                                 "group: \"" + group + "\" is not one of this process's groups"));
    }
    if (!area.empty() && !p->definition.HasArea(area)) {
      return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_area",
                                 "area: \"" + area + "\" is not one of this process's areas"));
    }
    if (p->state == ProcessState::kClosed || p->state == ProcessState::kPublished || p->closing) {
      return reply(ErrorResponse(http::status::conflict, "election_closed", "voting has closed"));
    }
  }
  const auto n = count.get<std::int64_t>();
  // Code generation hashes and draws randomness: keep it off the network threads.
  const std::int64_t kept_for_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.code_csv_kept_for).count();
  worker_.Post([this, p, n, group, area, kept_for_ms, reply = std::move(reply)](Storage& storage) {
    NewCodes codes = NewVoterCodes(n, group, area);
    auto batch = storage.AddCodeBatch(p->id, group, area, codes.hashes, codes.csv);
    if (!batch.ok()) return reply(ErrorResponse(http::status::internal_server_error, "not_stored", batch.status().message()));
    {
      std::lock_guard lock(mutex_);
      for (auto& h : codes.hashes) {
        CodeState state;
        state.group = group;
        state.area = area;
        CountCode(*p, state, false);
        p->codes.emplace(std::move(h), std::move(state));
      }
    }
    const std::string download =
        "/api/v1/processes/" + p->definition.slug + "/codes/" + std::to_string(*batch) + ".csv";
    reply(JsonResponse(http::status::created, {{"batch", *batch},
                                               {"count", n},
                                               {"group", group},
                                               {"area", area},
                                               {"download", download},
                                               {"kept_until_ms", NowMs() + kept_for_ms}}));
  });
}

namespace {

// "12.csv" -> 12; nullopt for anything else.
std::optional<std::int64_t> CodeBatchNumber(const std::string& name) {
  std::int64_t batch = 0;
  const std::string_view digits = std::string_view(name).substr(0, name.size() >= 4 ? name.size() - 4 : 0);
  if (name.size() < 5 || name.substr(name.size() - 4) != ".csv" ||
      std::from_chars(digits.data(), digits.data() + digits.size(), batch).ptr != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return batch;
}

Response CodesForgotten() {
  return ErrorResponse(http::status::gone, "codes_forgotten",
                       "the server no longer keeps these codes: they were confirmed as saved, or expired");
}

}  // namespace

void Api::ForgetCodes(const std::shared_ptr<LiveProcess>& p, const std::string& name, Reply reply) {
  const auto batch = CodeBatchNumber(name);
  if (!batch) return reply(ErrorResponse(http::status::not_found, "not_found", "no such code batch"));
  worker_.Post([p, batch = *batch, reply = std::move(reply)](Storage& storage) {
    auto forgotten = storage.ForgetCodeBatchCsv(p->id, batch);
    if (!forgotten.ok()) return reply(ErrorResponse(http::status::internal_server_error, "storage", forgotten.status().message()));
    if (!*forgotten) return reply(CodesForgotten());
    reply(JsonResponse(http::status::ok, {{"batch", batch}, {"forgotten", true}}));
  });
}

void Api::DownloadCodes(const std::shared_ptr<LiveProcess>& p, const std::string& name, Reply reply) {
  const auto batch = CodeBatchNumber(name);
  if (!batch) return reply(ErrorResponse(http::status::not_found, "not_found", "no such code batch"));
  const std::int64_t expired_before =
      NowMs() - std::chrono::duration_cast<std::chrono::milliseconds>(options_.code_csv_kept_for).count();
  worker_.Post([p, batch = *batch, expired_before, reply = std::move(reply)](Storage& storage) {
    auto csv = storage.ReadCodeBatchCsv(p->id, batch, expired_before);
    if (!csv.ok()) return reply(ErrorResponse(http::status::internal_server_error, "storage", csv.status().message()));
    if (!*csv) return reply(CodesForgotten());
    Response r = TextResponse(http::status::ok, std::move(**csv), "text/csv; charset=utf-8");
    r.set(http::field::content_disposition, "attachment; filename=\"codes-" + std::to_string(batch) + ".csv\"");
    reply(std::move(r));
  });
}

void Api::ChangeState(const std::shared_ptr<LiveProcess>& p, const std::string& action, Reply reply) {
  ProcessState from, to;
  if (action == "open") {
    from = ProcessState::kDraft, to = ProcessState::kOpen;
  } else if (action == "close") {
    return Close(p, std::move(reply));
  } else {
    from = ProcessState::kClosed, to = ProcessState::kPublished;
  }
  {
    std::lock_guard lock(mutex_);
    if (p->state != from || p->closing) {
      return reply(ErrorResponse(http::status::conflict, "wrong_state",
                                 "cannot " + action + " a process that is " +
                                     (p->closing ? "closing" : ProcessStateName(p->state))));
    }
  }
  worker_.Post([this, p, to, reply = std::move(reply)](Storage& storage) {
    Status status = storage.SetState(p->id, to);
    if (!status.ok()) return reply(ErrorResponse(http::status::internal_server_error, "not_stored", status.message()));
    std::unique_lock lock(mutex_);
    p->state = to;
    json summary = Summary(*p);
    lock.unlock();
    reply(JsonResponse(http::status::ok, summary));
  });
}

// Closing stops new ballots at once; ballots already queued are written
// first (the worker keeps order), then the close, then the tally.
void Api::Close(const std::shared_ptr<LiveProcess>& p, Reply reply) {
  {
    std::lock_guard lock(mutex_);
    if (p->state != ProcessState::kOpen || p->closing) {
      return reply(ErrorResponse(http::status::conflict, "wrong_state", "only an open process can be closed"));
    }
    std::vector<std::string> unresolved;
    for (const auto& [serial, sheet] : p->paper_sheets) {
      const std::string& state = sheet.status.state;
      if (state == "entered_once" || state == "mismatch" || state == "duplicate") unresolved.push_back(serial);
    }
    if (!unresolved.empty()) {
      std::string message = std::to_string(unresolved.size());
      message += " paper sheets wait for a second entry or a resolution";
      return reply(JsonResponse(http::status::conflict, {{"error", {{"code", "paper_unresolved"},
                                                                   {"message", message},
                                                                   {"serials", unresolved}}}}));
    }
    p->closing = true;
  }
  worker_.Post([this, p, reply = std::move(reply)](Storage& storage) {
    auto fail = [&](const Status& s) {
      std::lock_guard lock(mutex_);
      p->closing = false;
      reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
    };
    Status closed = storage.SetState(p->id, ProcessState::kClosed);
    if (!closed.ok()) return fail(closed);
    auto stored = storage.LoadBallots(p->id);
    if (!stored.ok()) return fail(stored.status());
    std::vector<std::string> ballots;
    for (auto& b : *stored) ballots.push_back(std::move(b.ballot));
    ProcessDefinition definition;
    {
      std::lock_guard lock(mutex_);
      p->state = ProcessState::kClosed;
      p->closing = false;
      definition = p->definition;
    }
    auto results = TallyProcess(definition, ballots, CountedGroups(*p, *stored));
    if (!results.ok()) return fail(results.status());
    Status saved = storage.SetResults(p->id, results->dump());
    if (!saved.ok()) return fail(saved);
    std::unique_lock lock(mutex_);
    p->results = *results;
    json summary = Summary(*p);
    summary["results"] = p->results;
    lock.unlock();
    reply(JsonResponse(http::status::ok, summary));
  });
}

}  // namespace psephos::server
