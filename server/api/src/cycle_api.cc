// The cycle's phases (cycle.h) over the process's state: the public
// timeline, the organizer's dates, and opening or closing a phase by hand.
// The vote phase is the voting window, read and moved through the schedule's
// own code (schedule_api.cc), never a second copy of it.
#include "psephos/server/api.h"
#include "responses.h"
#include "routes.h"

namespace psephos::server {

using nlohmann::json;

bool Api::ResultsDue(const LiveProcess& p) {
  const std::int64_t at = p.phases.at(CyclePhase::kResults).opens_at_ms;
  return at != 0 && p.state == ProcessState::kClosed && !p.closing && !p.tallying && !p.results.is_null() &&
         p.acted_publish_at_ms != at;
}

PhaseState Api::PhaseStateOf(const LiveProcess& p, CyclePhase phase) const {
  switch (phase) {
    case CyclePhase::kVote:
      if (p.state == ProcessState::kDraft && !p.closing) return PhaseState::kUpcoming;
      return Accepting(p) ? PhaseState::kOpen : PhaseState::kClosed;
    case CyclePhase::kResults: {
      if (p.state != ProcessState::kPublished) return PhaseState::kUpcoming;
      const std::int64_t closes = p.phases.at(phase).closes_at_ms;
      return closes != 0 && closes <= Now() ? PhaseState::kClosed : PhaseState::kOpen;
    }
    default: return DatedPhaseState(p.phases.at(phase), Now());
  }
}

bool Api::IsPhaseOpen(const std::string& slug, CyclePhase phase) {
  std::lock_guard lock(mutex_);
  auto it = processes_.find(slug);
  return it != processes_.end() && PhaseOpen(*it->second, phase);
}

json Api::PhasesJson(const LiveProcess& p) const {
  json phases = json::array();
  std::string current;
  for (CyclePhase phase : kCyclePhases) {
    PhaseDates dates = p.phases.at(phase);
    if (phase == CyclePhase::kVote) dates = {p.schedule.opens_at_ms, p.schedule.closes_at_ms};
    const PhaseState state = PhaseStateOf(p, phase);
    if (state == PhaseState::kOpen) current = CyclePhaseName(phase);  // the latest open one
    phases.push_back({{"phase", CyclePhaseName(phase)},
                      {"state", PhaseStateName(state)},
                      {"opens_at_ms", dates.opens_at_ms ? json(dates.opens_at_ms) : json()},
                      {"closes_at_ms", dates.closes_at_ms ? json(dates.closes_at_ms) : json()}});
  }
  return {{"slug", p.definition.slug},
          {"title", p.definition.title},
          {"time_zone", p.schedule.time_zone},
          {"current", current.empty() ? json() : json(current)},
          {"phases", std::move(phases)}};
}

void Api::ReadPhases(const std::shared_ptr<LiveProcess>& p, bool organizer, Reply reply) {
  std::unique_lock lock(mutex_);
  // A draft's timeline is public once it has a date or an open phase (ideas come before the vote).
  bool shown = organizer || p->state != ProcessState::kDraft || !p->phases.empty() || p->schedule.opens_at_ms != 0;
  for (CyclePhase phase : kCyclePhases) shown = shown || PhaseOpen(*p, phase);
  if (!shown) {
    lock.unlock();
    return reply(ErrorResponse(http::status::not_found, "not_found", "no such resource"));
  }
  json phases = PhasesJson(*p);
  lock.unlock();
  reply(JsonResponse(http::status::ok, phases));
}

void Api::MovePhaseRoute(Call& c, bool open) {
  const auto phase = ParseCyclePhase(c.params[1]);
  if (!phase) return c.reply(ErrorResponse(http::status::not_found, "not_found", c.params[1] + ": no such phase"));
  const bool wait = c.request[http::field::prefer].find("respond-async") == std::string_view::npos;
  MovePhase(c.p, *phase, open, wait, std::move(c.reply));
}

void Api::SetPhases(const std::shared_ptr<LiveProcess>& p, const json& body, Reply reply) {
  CyclePlan plan;
  ProcessSchedule schedule;
  bool vote = false;
  {
    std::lock_guard lock(mutex_);
    auto parsed = ParseCyclePlan(body, p->phases);
    if (!parsed.ok()) return reply(DefinitionError(parsed.status()));
    plan = *parsed;
    schedule = p->schedule;
    if (body.contains("vote")) {  // the voting window, under the schedule's rules
      const json& v = body["vote"];
      if (!v.is_object()) return reply(DefinitionError(Status::Invalid("vote: must be {\"opens_at_ms\", \"closes_at_ms\"}")));
      for (const auto& item : v.items()) {
        if (item.key() != "opens_at_ms" && item.key() != "closes_at_ms") {
          return reply(DefinitionError(Status::Invalid("vote." + item.key() + ": unknown field")));
        }
      }
      auto window = ParseProcessSchedule(v, p->schedule);
      if (!window.ok()) return reply(DefinitionError(Status::Invalid("vote." + window.status().message())));
      if (auto refused = ScheduleRefusal(*p, *window, "vote.")) return reply(std::move(*refused));
      schedule = *window;
      vote = true;
    }
  }
  StorePhases(p, plan, vote ? std::optional<ProcessSchedule>(schedule) : std::nullopt, std::move(reply));
}

void Api::StorePhases(const std::shared_ptr<LiveProcess>& p, const CyclePlan& plan,
                      const std::optional<ProcessSchedule>& schedule, Reply reply) {
  worker_.Post([this, p, plan, schedule, reply = std::move(reply)](Storage& storage) {
    Status status = storage.PutSetting("phases:" + std::to_string(p->id), CyclePlanJson(plan).dump());
    if (status.ok() && schedule) {
      status = storage.PutSetting("schedule:" + std::to_string(p->id), ProcessScheduleJson(*schedule).dump());
    }
    if (!status.ok()) return reply(ErrorResponse(http::status::internal_server_error, "not_stored", status.message()));
    std::unique_lock lock(mutex_);
    p->phases = plan;
    if (schedule) p->schedule = *schedule;
    json answer = PhasesJson(*p);
    lock.unlock();
    schedule_changed_.notify_all();
    reply(JsonResponse(http::status::ok, answer));
  });
}

void Api::MovePhase(const std::shared_ptr<LiveProcess>& p, CyclePhase phase, bool open, bool wait, Reply reply) {
  // The vote, and the results' opening, are the process's own open, close and publish.
  if (phase == CyclePhase::kVote) return ChangeState(p, open ? "open" : "close", wait, std::move(reply));
  if (phase == CyclePhase::kResults && open) return ChangeState(p, "publish", wait, std::move(reply));
  CyclePlan plan;
  {
    std::lock_guard lock(mutex_);
    const PhaseState state = PhaseStateOf(*p, phase);
    const std::string name = CyclePhaseName(phase);
    if (open && state == PhaseState::kOpen) {
      return reply(ErrorResponse(http::status::conflict, "wrong_state", "the " + name + " phase is open already"));
    }
    if (!open && state != PhaseState::kOpen) {
      return reply(ErrorResponse(http::status::conflict, "wrong_state", "the " + name + " phase is not open"));
    }
    // By hand is as at its dates: the opening (or closing) becomes now.
    plan = p->phases;
    PhaseDates& d = plan.at(phase);
    const std::int64_t now = Now();
    if (open) {
      d.opens_at_ms = now;
      if (d.closes_at_ms != 0 && d.closes_at_ms <= now) d.closes_at_ms = 0;  // reopened: its old close is past
    } else {
      d.closes_at_ms = now;
      // Opened and closed within one millisecond: the opening moves back one, as a close must follow it.
      if (d.opens_at_ms >= now) d.opens_at_ms = now - 1;
    }
  }
  StorePhases(p, plan, std::nullopt, std::move(reply));
}

Status Api::LoadCycle(Storage& storage, LiveProcess& p) {
  auto phases = storage.GetSetting("phases:" + std::to_string(p.id));
  if (!phases.ok()) return phases.status();
  if (*phases) p.phases = StoredCyclePlan(**phases);
  auto milestones = storage.LoadMilestones(p.id);
  if (!milestones.ok()) return milestones.status();
  p.milestones = std::move(*milestones);
  return Status::Ok();
}

}  // namespace psephos::server
