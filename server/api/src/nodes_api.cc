// Processes as stored, loaded at start (Api::Create) and, on a store several
// nodes share, loaded again when another node changed them (#17 item 2): a
// node's memory is a cache of the database, read on from its revisions.
#include <chrono>
#include <iostream>

#include "psephos/ballots/json_reader.h"
#include "psephos/server/api.h"
#include "psephos/server/secrets.h"

namespace psephos::server {

using nlohmann::json;

Status Api::LoadProcessPart(Storage& storage, const ProcessRecord& record, LiveProcess& live) {
  auto stored = ballots::ParseJson(record.definition);
  auto definition = stored.ok() ? ParseProcessDefinition(*stored) : Result<ProcessDefinition>(stored.status());
  if (!definition.ok()) return Status::Invalid("stored process " + record.slug + ": " + definition.status().message());
  live.id = record.id;
  live.definition = std::move(definition).value();
  live.state = record.state;
  if (!record.results.empty()) live.results = ballots::ParseJson(record.results).value_or(json());
  auto schedule = storage.GetSetting("schedule:" + std::to_string(record.id));
  if (!schedule.ok()) return schedule.status();
  if (*schedule) live.schedule = StoredProcessSchedule(**schedule);
  if (Status s = LoadCycle(storage, live); !s.ok()) return s;
  if (Status s = LoadCorrections(storage, live); !s.ok()) return s;
  if (Status s = LoadIdeas(storage, live); !s.ok()) return s;
  auto roles = storage.LoadOrganizerRoles();
  if (!roles.ok()) return roles.status();
  for (const auto& r : *roles) {
    if (r.process != record.id) continue;
    const auto role = ParseOrganizerRole(r.role);
    if (!role) return Status::Invalid("stored organizer role " + r.role + ": unknown");
    live.organizers[r.account] = *role;
  }
  return Status::Ok();
}

Status Api::LoadLive(Storage& storage, const ProcessRecord& record, LiveProcess& live, std::vector<StoredBallot>& log) {
  if (Status s = LoadProcessPart(storage, record, live); !s.ok()) return s;
  auto codes = storage.LoadCodes(record.id);
  if (!codes.ok()) return codes.status();
  for (auto& code : *codes) {
    CodeState state = StoredCodeState(code);
    CountCode(live, state, code.spent && code.checked_in != CheckInKind::kVoid);
    live.codes.emplace(code.code_hash, std::move(state));
  }
  auto ballots = storage.LoadLog(record.id);
  if (!ballots.ok()) return ballots.status();
  log = std::move(ballots).value();
  for (const auto& b : log) {
    live.log.push_back(b.receipt);
    live.log_last_id = b.id;
    if (b.superseded) continue;
    const BallotFacts facts = StoredBallotFacts(live.definition, ballots::ParseJson(b.ballot).value_or(json()));
    auto code = live.codes.find(b.code_hash);
    const bool walk_in = code != live.codes.end() && code->second.walk_in;
    CountBallot(live, walk_in ? TurnoutGroup(code->second) : b.group, b.area, facts.budgets, facts.channel, 1);
    if (code != live.codes.end()) {
      code->second.budgets = facts.budgets;
      code->second.channel = facts.channel;
      code->second.counted = true;
    }
  }
  return LoadInPerson(storage, live);
}

Status Api::ReloadAccounts(Storage& storage) {
  auto accounts = storage.LoadAccounts();
  if (!accounts.ok()) return accounts.status();
  auto sessions = storage.LoadSessions();
  if (!sessions.ok()) return sessions.status();
  auto images = storage.LoadImages();
  if (!images.ok()) return images.status();
  std::lock_guard lock(mutex_);
  accounts_.clear();
  for (auto& a : *accounts) accounts_[a.id] = Account{a.email, a.name, a.password_hash, a.admin};
  // Signed in or out on any node; a session this node knows keeps the last use it saw.
  std::unordered_map<std::string, Session> kept;
  for (const auto& s : *sessions) {
    Session session{s.account, s.csrf, s.created_at_ms, s.seen_at_ms, s.seen_at_ms};
    if (auto known = sessions_.find(s.id_hash); known != sessions_.end()) {
      session.seen_at_ms = std::max(session.seen_at_ms, known->second.seen_at_ms);
      session.stored_seen_at_ms = known->second.stored_seen_at_ms;
    }
    kept.emplace(s.id_hash, session);
  }
  sessions_ = std::move(kept);
  for (ImageRecord& r : *images) {
    if (images_.contains(r.sha256)) continue;
    std::string key = r.sha256;
    images_.emplace(std::move(key), std::make_shared<const ImageRecord>(std::move(r)));
  }
  return Status::Ok();
}

std::string Api::AttemptKey(const std::string& key) const {
  return shared_store_ ? Sha256Hex(attempts_salt_ + key) : key;
}

// Beyond this many keys waiting for the next batch (tens of thousands of
// addresses guessing within half a second), further ones are counted here only.
constexpr std::size_t kMaxUnsharedKeys = 100000;

void Api::WrongAttempt(AttemptKind kind, const std::string& attempt_key) {
  Limiter(kind).Failed(attempt_key);
  if (!shared_store_) return;
  std::lock_guard lock(attempts_mutex_);
  const auto slot = std::make_pair(kind, attempt_key);
  if (unshared_attempts_.size() < kMaxUnsharedKeys || unshared_attempts_.contains(slot)) ++unshared_attempts_[slot];
}

void Api::ShareWrongAttempts(Storage& storage) {
  std::map<std::pair<AttemptKind, std::string>, std::int64_t> batch;
  {
    std::lock_guard lock(attempts_mutex_);
    batch.swap(unshared_attempts_);
  }
  std::vector<WrongAttemptsRecord> out;
  out.reserve(batch.size());
  for (auto& [slot, count] : batch) out.push_back(WrongAttemptsRecord{slot.first, slot.second, count, node_name_});
  if (Status s = storage.ShareWrongAttempts(out); !s.ok()) {
    // Counted here already; the other nodes miss this batch, as they would if this node had stopped.
    std::cerr << "psephos-server: cannot share " << out.size() << " wrong attempts: " << s.message() << std::endl;
  }
  auto theirs = storage.LoadWrongAttempts(attempts_read_to_);
  if (!theirs.ok()) {
    std::cerr << "psephos-server: cannot read other nodes' wrong attempts: " << theirs.status().message() << std::endl;
    return;
  }
  const auto now = WrongCodeLimiter::Clock::now();
  for (const WrongAttemptsRecord& r : *theirs) {
    attempts_read_to_ = r.id;
    if (r.node == node_name_) continue;
    Limiter(r.kind).Failed(r.key, now - std::chrono::milliseconds(r.age_ms), r.count);
  }
}

void Api::FollowStore(Storage& storage) {
  ShareWrongAttempts(storage);
  if (auto leads = storage.LeadScheduler(); leads.ok() && leads_schedule_.exchange(*leads) != *leads) {
    schedule_changed_.notify_all();
  }
  auto revisions = storage.LoadRevisions();
  if (!revisions.ok()) {
    std::cerr << "psephos-server: cannot read what other nodes changed: " << revisions.status().message() << std::endl;
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  std::map<std::int64_t, bool> changed;  // process id -> whether its codes part is to be loaded too
  for (const auto& [key, revision] : *revisions) {
    const auto& [scope, part] = key;
    if (auto known = revisions_.find(key); known != revisions_.end() && known->second == revision) continue;
    if (part == StoredPart::kAccounts) {
      if (ReloadAccounts(storage).ok()) revisions_[key] = revision;
      continue;
    }
    if (part == StoredPart::kProcess) {
      changed.try_emplace(scope, false);
      continue;
    }
    // The codes part: costly, so at most every follow_codes_interval (kiosk sessions make codes
    // all day); not yet due, it waits without a reload of the process part meanwhile.
    auto last = codes_loaded_at_.find(scope);
    if (last == codes_loaded_at_.end() || now - last->second >= options_.follow_codes_interval) changed[scope] = true;
  }
  if (changed.empty()) return;
  auto records = storage.LoadProcesses();
  if (!records.ok()) return;
  for (const ProcessRecord& record : *records) {
    auto wanted = changed.find(record.id);
    if (wanted == changed.end()) continue;
    std::shared_ptr<LiveProcess> live;
    {
      std::lock_guard lock(mutex_);
      if (auto it = processes_.find(record.slug); it != processes_.end()) live = it->second;
      if (live && (live->closing || live->tallying)) continue;  // this node's own close: read again after it
    }
    const bool whole = wanted->second || !live;  // a process made on another node: all of it
    auto fresh = std::make_shared<LiveProcess>();
    std::vector<StoredBallot> log;
    Status loaded = whole ? LoadLive(storage, record, *fresh, log) : LoadProcessPart(storage, record, *fresh);
    if (!loaded.ok()) {
      std::cerr << "psephos-server: cannot load " << record.slug << " as another node changed it: "
                << loaded.message() << std::endl;
      continue;
    }
    std::lock_guard lock(mutex_);
    if (!live) {
      processes_[record.slug] = fresh;
    } else if (live->closing || live->tallying) {
      continue;
    } else if (whole) {
      // What only this node knows: the times its scheduler already acted on.
      fresh->acted_open_at_ms = live->acted_open_at_ms;
      fresh->acted_close_at_ms = live->acted_close_at_ms;
      fresh->acted_publish_at_ms = live->acted_publish_at_ms;
      fresh->tally_error = live->tally_error;
      *live = std::move(*fresh);  // in place: requests under way hold this LiveProcess
    } else {
      live->definition = std::move(fresh->definition);
      live->state = fresh->state;
      live->results = std::move(fresh->results);
      live->schedule = fresh->schedule;
      live->phases = std::move(fresh->phases);
      live->milestones = std::move(fresh->milestones);
      live->corrections = std::move(fresh->corrections);
      live->ideas = std::move(fresh->ideas);
      live->organizers = std::move(fresh->organizers);
      live->bundle.reset();
    }
    for (StoredPart part : {StoredPart::kProcess, StoredPart::kCodes}) {
      if (part == StoredPart::kCodes && !whole) continue;
      if (auto r = revisions->find({record.id, part}); r != revisions->end()) revisions_[r->first] = r->second;
    }
    if (whole) codes_loaded_at_[record.id] = now;
  }
  schedule_changed_.notify_all();  // a schedule set on another node
}

void Api::RunFollower() {
  std::unique_lock lock(mutex_);
  // What Create loaded is as recent as the revisions it read first: the first look is one interval on.
  while (!schedule_changed_.wait_for(lock, options_.follow_interval, [this] { return stopping_; })) {
    lock.unlock();
    // One look at a time: the next is posted once this one ran.
    std::promise<void> looked;
    const bool posted = worker_.Post([this, &looked](Storage& storage) {
      FollowStore(storage);
      looked.set_value();
    });
    if (posted) looked.get_future().wait();
    lock.lock();
    if (!posted) break;
  }
}

}  // namespace psephos::server
