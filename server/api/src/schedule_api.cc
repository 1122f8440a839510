// Voting windows (schedule.h): the organizer's opening and closing times, the
// scheduler thread that acts on them, and the landing page's list of votes.
#include <algorithm>
#include <iostream>

#include "psephos/server/api.h"
#include "responses.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server {

using nlohmann::json;

std::int64_t Api::NowMsDefault() { return NowMs(); }

bool Api::Accepting(const LiveProcess& p) const {
  if (p.state != ProcessState::kOpen || p.closing) return false;
  return p.schedule.closes_at_ms == 0 || Now() < p.schedule.closes_at_ms;
}

std::optional<Response> Api::ScheduleRefusal(const LiveProcess& p, const ProcessSchedule& schedule,
                                             const std::string& prefix) const {
  const ProcessSchedule& was = p.schedule;
  const bool times_changed = schedule.opens_at_ms != was.opens_at_ms || schedule.closes_at_ms != was.closes_at_ms;
  const bool over = p.state == ProcessState::kClosed || p.state == ProcessState::kPublished || p.closing;
  // After the close only the contact may change: the window is history.
  if (times_changed && over) {
    return ErrorResponse(http::status::conflict, "wrong_state", "the vote has closed: its times stay as they were");
  }
  const std::int64_t now = Now();
  if (schedule.opens_at_ms != was.opens_at_ms && p.state != ProcessState::kDraft) {
    return DefinitionError(Status::Invalid(prefix + "opens_at_ms: the vote is already open"));
  }
  if (schedule.opens_at_ms != was.opens_at_ms && schedule.opens_at_ms != 0 && schedule.opens_at_ms <= now) {
    return DefinitionError(Status::Invalid(prefix + "opens_at_ms: that time has passed; open the vote now instead"));
  }
  if (schedule.closes_at_ms != was.closes_at_ms && schedule.closes_at_ms != 0 && schedule.closes_at_ms <= now) {
    return DefinitionError(Status::Invalid(prefix + "closes_at_ms: that time has passed; close the vote now instead"));
  }
  return std::nullopt;
}

void Api::SetSchedule(const std::shared_ptr<LiveProcess>& p, const json& body, Reply reply) {
  ProcessSchedule schedule;
  {
    std::lock_guard lock(mutex_);
    auto parsed = ParseProcessSchedule(body, p->schedule);
    if (!parsed.ok()) return reply(DefinitionError(parsed.status()));
    schedule = std::move(parsed).value();
    if (auto refused = ScheduleRefusal(*p, schedule, "")) return reply(std::move(*refused));
  }
  const std::string stored = ProcessScheduleJson(schedule).dump();
  worker_.Post([this, p, schedule, stored, reply = std::move(reply)](Storage& storage) {
    Status status = storage.PutSetting("schedule:" + std::to_string(p->id), stored);
    if (!status.ok()) return reply(ErrorResponse(http::status::internal_server_error, "not_stored", status.message()));
    std::unique_lock lock(mutex_);
    p->schedule = schedule;
    json summary = Summary(*p);
    lock.unlock();
    schedule_changed_.notify_all();
    reply(JsonResponse(http::status::ok, summary));
  });
}

json Api::PublicVotes() const {
  json list = json::array();
  for (const auto& [slug, p] : processes_) {
    const bool scheduled = p->state == ProcessState::kDraft && p->schedule.opens_at_ms != 0 && !p->closing;
    if (!scheduled && !(p->state == ProcessState::kOpen && !p->closing)) continue;
    list.push_back({{"slug", slug},
                    {"title", p->definition.title},
                    {"state", ProcessPhaseName(Phase(*p))},
                    {"schedule", ProcessScheduleJson(p->schedule)}});
  }
  return list;
}

void Api::ActOnSchedule() {
  if (!leads_schedule_) return;  // another node on the shared store runs it (FollowStore)
  std::vector<std::shared_ptr<LiveProcess>> to_open, to_close, to_publish;
  {
    std::lock_guard lock(mutex_);
    const std::int64_t now = Now();
    for (const auto& [slug, p] : processes_) {
      const ProcessSchedule& s = p->schedule;
      if (p->closing) continue;
      if (p->state == ProcessState::kDraft && s.opens_at_ms != 0 && s.opens_at_ms <= now &&
          p->acted_open_at_ms != s.opens_at_ms) {
        p->acted_open_at_ms = s.opens_at_ms;
        to_open.push_back(p);
      } else if (p->state == ProcessState::kOpen && s.closes_at_ms != 0 && s.closes_at_ms <= now &&
                 p->acted_close_at_ms != s.closes_at_ms) {
        p->acted_close_at_ms = s.closes_at_ms;
        to_close.push_back(p);
      } else if (ResultsDue(*p) && p->phases.at(CyclePhase::kResults).opens_at_ms <= now) {
        p->acted_publish_at_ms = p->phases.at(CyclePhase::kResults).opens_at_ms;  // the results phase's opening
        to_publish.push_back(p);
      }
    }
  }
  // As the organizer's own open and close; their answers only go to the log.
  const auto answered = [this](std::shared_ptr<LiveProcess> p, const char* what) {
    return [this, p, what](Response r) {
      if (r.result_int() >= 300) {
        std::cerr << "psephos-server: the scheduled " << what << " of " << p->definition.slug
                  << " was refused: " << r.body() << std::endl;
      }
      schedule_changed_.notify_all();  // an opening may be followed by a closing time already past
    };
  };
  for (const auto& p : to_open) ChangeState(p, "open", false, answered(p, "opening"));
  for (const auto& p : to_close) Close(p, false, answered(p, "close"));
  for (const auto& p : to_publish) ChangeState(p, "publish", false, answered(p, "publication"));
}

void Api::RunScheduler() {
  constexpr std::int64_t kLongestSleepMs = 60000;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const std::int64_t now = Now();
    std::int64_t next = now + kLongestSleepMs;
    for (const auto& [slug, p] : processes_) {
      const ProcessSchedule& s = p->schedule;
      if (p->closing) continue;  // being stored or closed right now
      if (p->state == ProcessState::kDraft && s.opens_at_ms != 0 && p->acted_open_at_ms != s.opens_at_ms) {
        next = std::min(next, s.opens_at_ms);
      }
      if (p->state == ProcessState::kOpen && s.closes_at_ms != 0 && p->acted_close_at_ms != s.closes_at_ms) {
        next = std::min(next, s.closes_at_ms);
      }
      // A count that ends after the results' date is published at the next look (within kLongestSleepMs).
      if (ResultsDue(*p)) next = std::min(next, p->phases.at(CyclePhase::kResults).opens_at_ms);
    }
    if (next > now) {
      schedule_changed_.wait_for(lock, std::chrono::milliseconds(next - now));
      continue;  // woken early (a change) or on time: look again
    }
    lock.unlock();
    ActOnSchedule();
    lock.lock();
  }
}

}  // namespace psephos::server
