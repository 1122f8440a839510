// The organizer side of the API: processes, voter codes, opening and closing.
#include <algorithm>
#include <charconv>
#include <iostream>

#include "psephos/server/api.h"
#include "psephos/server/secrets.h"
#include "responses.h"
#include "psephos/server/wall_clock.h"

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
  const json language_json = body.value("language", json(""));
  if (!language_json.is_string()) {
    return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_language", "language: must be a string"));
  }
  std::string language = language_json.get<std::string>();
  {
    std::lock_guard lock(mutex_);
    // The language the batch's sheets are printed in: the process's first unless named.
    const auto& languages = p->definition.languages;
    if (language.empty()) language = languages.front();
    if (std::find(languages.begin(), languages.end(), language) == languages.end()) {
      return reply(ErrorResponse(http::status::unprocessable_entity, "invalid_language",
                                 "language: \"" + language + "\" is not one of this process's languages"));
    }
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
  worker_.Post([this, p, n, group, area, language, kept_for_ms, reply = std::move(reply)](Storage& storage) {
    NewCodes codes = NewVoterCodes(n, group, area, language);
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
                                               {"language", language},
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

void Api::ChangeState(const std::shared_ptr<LiveProcess>& p, const std::string& action, bool wait, Reply reply) {
  ProcessState from, to;
  if (action == "open") {
    from = ProcessState::kDraft, to = ProcessState::kOpen;
  } else if (action == "close") {
    return Close(p, wait, std::move(reply));
  } else {
    from = ProcessState::kClosed, to = ProcessState::kPublished;
  }
  {
    std::lock_guard lock(mutex_);
    // Published results are the counted ones: never while counting, nor after a failed count.
    const bool ready = to != ProcessState::kPublished || !p->results.is_null();
    if (p->state != from || p->closing || p->tallying || !ready) {
      return reply(ErrorResponse(http::status::conflict, p->tallying ? "tallying" : "wrong_state",
                                 "cannot " + action + " a process that is " + ProcessPhaseName(Phase(*p)) +
                                     (ready || p->tallying ? "" : " without results: " + p->tally_error)));
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
// first (the worker keeps order), then the close. The count runs on its own
// thread (TallyWorker) and its results are stored when ready.
void Api::Close(const std::shared_ptr<LiveProcess>& p, bool wait, Reply reply) {
  {
    std::lock_guard lock(mutex_);
    if (p->state != ProcessState::kOpen || p->closing) {
      return reply(ErrorResponse(http::status::conflict, "wrong_state", "only an open process can be closed"));
    }
    std::vector<std::string> unresolved;
    for (const auto& [serial, sheet] : p->paper_sheets) {
      const PaperSheetState state = sheet.status.state;
      if (state == PaperSheetState::kEnteredOnce || state == PaperSheetState::kMismatch ||
          state == PaperSheetState::kDuplicate) {
        unresolved.push_back(serial);
      }
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
  worker_.Post([this, p, wait, reply = std::move(reply)](Storage& storage) {
    Status closed = storage.SetState(p->id, ProcessState::kClosed);
    std::unique_lock lock(mutex_);
    p->closing = false;
    if (!closed.ok()) {
      lock.unlock();
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", closed.message()));
    }
    p->state = ProcessState::kClosed;  // on disk: a crash from here on is counted at the next start
    p->tallying = true;
    p->tally_error.clear();
    json summary = Summary(*p);
    lock.unlock();
    if (!wait) reply(JsonResponse(http::status::accepted, summary));
    LoadForCount(p, wait ? std::optional<Reply>(std::move(reply)) : std::nullopt);
  });
}

void Api::LoadForCount(const std::shared_ptr<LiveProcess>& p, std::optional<Reply> waiting) {
  ReadInSlices(p->id, &Storage::LoadCountedSlice, 0, std::make_shared<std::vector<StoredBallot>>(),
               [this, p, waiting](std::optional<Result<std::vector<StoredBallot>>> read) {
                 if (!read) {  // stopping: counted at the next start
                   if (waiting) AnswerStillCounting(p, *waiting);
                   return;
                 }
                 if (!read->ok()) {
                   std::unique_lock lock(mutex_);
                   p->tallying = false;
                   p->tally_error = read->status().message();
                   lock.unlock();
                   if (waiting) {
                     (*waiting)(ErrorResponse(http::status::internal_server_error, "not_stored", read->status().message()));
                   }
                   return;
                 }
                 std::vector<std::string> groups = CountedGroups(*p, **read);
                 std::vector<std::string> ballots;
                 ballots.reserve((*read)->size());
                 for (auto& b : **read) ballots.push_back(std::move(b.ballot));
                 ProcessDefinition definition;
                 {
                   std::lock_guard lock(mutex_);
                   definition = p->definition;
                 }
                 StartCount(p, std::move(definition), std::move(ballots), std::move(groups), std::move(waiting));
               });
}

void Api::ReadInSlices(ProcessId id, SliceReader slice, std::int64_t after_id,
                       std::shared_ptr<std::vector<StoredBallot>> read, SlicesRead then) {
  if (!PostSlice(id, slice, after_id, std::move(read), then)) then(std::nullopt);
}

bool Api::PostSlice(ProcessId id, SliceReader slice, std::int64_t after_id,
                    std::shared_ptr<std::vector<StoredBallot>> read, SlicesRead then) {
  // Slices of a millisecond or two each: ballots of other processes commit in between.
  constexpr std::size_t kSlice = 500;
  return worker_.Post([this, id, slice, after_id, read, then](Storage& storage) mutable {
    auto next = (storage.*slice)(id, after_id, kSlice);
    if (!next.ok()) return then(next.status());
    const bool more = next->size() == kSlice;
    const std::int64_t last = more ? next->back().id : 0;
    read->insert(read->end(), std::make_move_iterator(next->begin()), std::make_move_iterator(next->end()));
    if (!more) return then(std::move(*read));
    // The next slice is posted under mutex_, unless stopping: ~Api sets
    // stopping_ under it before draining this thread, so no slice is ever
    // posted behind the drain, to run once the Api is gone.
    bool posted = false;
    {
      std::lock_guard lock(mutex_);
      posted = !stopping_ && PostSlice(id, slice, last, read, then);
    }
    if (!posted) then(std::nullopt);
  });
}

void Api::AnswerStillCounting(const std::shared_ptr<LiveProcess>& p, const Reply& reply) {
  std::unique_lock lock(mutex_);
  json summary = Summary(*p);
  lock.unlock();
  reply(JsonResponse(http::status::accepted, summary));
}

void Api::StartCount(const std::shared_ptr<LiveProcess>& p, ProcessDefinition definition,
                     std::vector<std::string> ballots, std::vector<std::string> groups,
                     std::optional<Reply> waiting) {
  tally_.Count(std::move(definition), std::move(ballots), std::move(groups), [this, p, waiting](std::optional<Result<json>> results) {
    if (!results) {  // stopping: the count is redone at the next start
      if (waiting) AnswerStillCounting(p, *waiting);
      return;
    }
    auto failed = [this, p, waiting](const std::string& code, const std::string& message) {
      std::cerr << "psephos-server: counting " << p->definition.slug << " failed: " << message << std::endl;
      std::unique_lock lock(mutex_);
      p->tallying = false;
      p->tally_error = message;
      lock.unlock();
      if (waiting) (*waiting)(ErrorResponse(http::status::internal_server_error, code, message));
    };
    if (!results->ok()) return failed("tally_failed", results->status().message());
    // Serialized here, not on the database thread nor under mutex_: the
    // results of a city are megabytes.
    std::string text = (*results)->dump();
    std::optional<Response> answer;
    if (waiting) {
      std::unique_lock lock(mutex_);
      json summary = Summary(*p);
      lock.unlock();
      summary["state"] = ProcessPhaseName(ProcessPhase::kClosed);
      std::string body = summary.dump();  // {...,"results":<text>}
      body.pop_back();
      body.append(",\"results\":").append(text).append("}");
      answer = TextResponse(http::status::ok, std::move(body), "application/json; charset=utf-8");
    }
    const bool posted = worker_.Post([this, p, failed, waiting, answer, text = std::move(text),
                                      counted = std::move(**results)](Storage& storage) mutable {
      if (Status saved = storage.SetResults(p->id, text); !saved.ok()) return failed("not_stored", saved.message());
      std::unique_lock lock(mutex_);
      p->results = std::move(counted);
      p->tallying = false;
      lock.unlock();
      if (waiting) (*waiting)(std::move(*answer));
    });
    if (!posted && waiting) AnswerStillCounting(p, *waiting);  // stopping: counted at the next start
  });
}

}  // namespace psephos::server
