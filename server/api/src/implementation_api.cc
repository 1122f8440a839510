// Implementation (#19 item 4): the funded projects' milestones, written by
// editors once the results are published, read by the public then (organizers
// from the count on): a list, a page per project and a CSV (implementation.h).
#include <algorithm>

#include "psephos/ballots/pabulib.h"
#include "psephos/server/api.h"
#include "responses.h"
#include "routes.h"

namespace psephos::server {

using nlohmann::json;

namespace {

Response NoSuchProject() {
  return ErrorResponse(http::status::not_found, "not_found", "no such project in this process");
}

// The funded entry of a budget's project (funded.end() when the project exists
// but was not funded); nullopt when the budget has no such project.
std::optional<std::vector<FundedProject>::const_iterator> FundedProjectOf(const ProcessDefinition& definition,
                                                                          const std::vector<FundedProject>& funded,
                                                                          const std::string& budget_id,
                                                                          const std::string& project_id) {
  const Budget* budget = definition.FindBudget(budget_id);
  const bool known = budget && std::any_of(budget->election.projects.begin(), budget->election.projects.end(),
                                           [&](const engine::Project& x) { return x.id == project_id; });
  if (!known) return std::nullopt;
  return std::find_if(funded.begin(), funded.end(),
                      [&](const FundedProject& x) { return x.budget == budget_id && x.project == project_id; });
}

}  // namespace

std::vector<ProjectDelivery> Api::DeliveriesOf(const LiveProcess& p) const {
  return Deliveries(p.definition, p.results, p.milestones);
}

json Api::ProjectProgressJson(const LiveProcess& p, const FundedProject& f) const {
  const Budget& budget = p.definition.budgets[f.budget_index];
  const engine::Project& project = budget.election.projects[f.project_index];
  static const ProjectExtras kNone;
  const ProjectExtras& extras = f.project_index < budget.extras.size() ? budget.extras[f.project_index] : kNone;
  const ProjectDelivery d = DeliveryOf(f.budget, f.project, p.milestones);
  std::vector<const MilestoneRecord*> mine;
  for (const MilestoneRecord& m : p.milestones) {
    if (m.budget == f.budget && m.project == f.project) mine.push_back(&m);
  }
  std::stable_sort(mine.begin(), mine.end(), [](const MilestoneRecord* a, const MilestoneRecord* b) { return a->date < b->date; });
  json milestones = json::array();
  for (const MilestoneRecord* m : mine) milestones.push_back(MilestoneJson(*m));
  const std::string* name = project.Attribute("name");
  const std::string* description = project.Attribute("description");
  return {{"budget", budget.id},
          {"budget_title", budget.title},
          {"budget_translations", budget.translations},
          {"project", project.id},
          {"name", name ? *name : project.id},
          {"description", description ? *description : ""},
          {"location", extras.location},
          {"translations", extras.translations},
          {"image", extras.image},
          {"cost", ballots::FormatAmount(project.cost, budget.election.money_scale)},
          {"currency", budget.currency},
          {"stage", ProjectStageName(d.stage)},
          {"delivered", d.delivered},
          {"progress", d.progress},
          {"milestones", std::move(milestones)}};
}

// Progress reads: the public's once the results are published; organizers' once counted.
void Api::ReadImplementation(Call& c, std::string_view what) {
  const std::shared_ptr<LiveProcess>& p = c.p;
  Reply& reply = c.reply;
  std::unique_lock lock(mutex_);
  const bool counted = (p->state == ProcessState::kClosed || p->state == ProcessState::kPublished) &&
                       !p->results.is_null() && !p->tallying;
  if (!(p->state == ProcessState::kPublished || (c.organizer() && counted))) {
    return reply(ErrorResponse(http::status::conflict, "results_not_published", "results are not published yet"));
  }
  if (what == "csv") {
    Response r = TextResponse(http::status::ok, ImplementationCsv(p->definition, p->results, p->milestones),
                              "text/csv; charset=utf-8");
    r.set(http::field::content_disposition, "attachment; filename=\"" + p->definition.slug + "-implementation.csv\"");
    return reply(std::move(r));
  }
  const std::vector<FundedProject> funded = FundedProjects(p->definition, p->results);
  if (what.empty()) {
    json projects = json::array();
    std::size_t delivered = 0;
    for (const FundedProject& f : funded) {
      projects.push_back(ProjectProgressJson(*p, f));
      delivered += projects.back()["delivered"].get<bool>() ? 1 : 0;
    }
    return reply(JsonResponse(http::status::ok, {{"slug", p->definition.slug},
                                                 {"title", p->definition.title},
                                                 {"translations", p->definition.translations},
                                                 {"languages", p->definition.languages},
                                                 {"funded", funded.size()},
                                                 {"delivered", delivered},
                                                 {"projects", std::move(projects)}}));
  }
  const auto f = FundedProjectOf(p->definition, funded, c.params[1], c.params[2]);
  if (!f) return reply(NoSuchProject());
  if (*f == funded.end()) return reply(ErrorResponse(http::status::not_found, "not_funded", "this project was not funded"));
  reply(JsonResponse(http::status::ok, ProjectProgressJson(*p, **f)));
}

// /implementation/<budget>/<project>/milestones[/<id>]: a new milestone, or one changed.
void Api::SaveMilestone(Call& c, std::optional<std::string> milestone_id) {
  const std::shared_ptr<LiveProcess>& p = c.p;
  Reply& reply = c.reply;
  const std::string& budget_id = c.params[1];
  const std::string& project_id = c.params[2];
  const bool create = !milestone_id.has_value();
  std::unique_lock lock(mutex_);
  const std::vector<FundedProject> funded = FundedProjects(p->definition, p->results);
  const auto known = FundedProjectOf(p->definition, funded, budget_id, project_id);
  if (!known) return reply(NoSuchProject());
  const auto f = *known;
  // Milestones record what the public was told was funded: the published
  // results, not a count the owner has not made public yet.
  // The implementation phase's dates do not gate them: a delivery is recorded
  // when it happens, even before that phase opens or after it closes.
  if (p->state != ProcessState::kPublished) {
    return reply(ErrorResponse(http::status::conflict, "results_not_published",
                               "milestones follow the published results: publish the results first"));
  }
  if (f == funded.end()) {
    return reply(ErrorResponse(http::status::conflict, "not_funded", "this project was not funded: it has no milestones"));
  }
  MilestoneRecord current;
  current.process = p->id;
  current.budget = budget_id;
  current.project = project_id;
  if (!create) {
    const auto id = ParseId(*milestone_id);
    auto it = std::find_if(p->milestones.begin(), p->milestones.end(), [&](const MilestoneRecord& m) {
      return id && m.id == *id && m.budget == budget_id && m.project == project_id;
    });
    if (it == p->milestones.end()) {
      return reply(ErrorResponse(http::status::not_found, "not_found", "no such milestone for this project"));
    }
    current = *it;
  }
  auto body = c.Body();
  if (!body) return;
  auto parsed = ParseMilestone(*body, current, create, p->definition.languages);
  if (!parsed.ok()) return reply(DefinitionError(parsed.status()));
  MilestoneRecord milestone = std::move(parsed).value();
  const json photos = json::parse(milestone.photos, nullptr, false);
  for (std::size_t i = 0; i < photos.size(); ++i) {
    for (const json& file : photos[i]["files"]) {
      if (images_.count(file["sha256"].get<std::string>())) continue;
      return reply(DefinitionError(Status::Invalid("photos[" + std::to_string(i) + "]: picture " +
                                                   file["sha256"].get<std::string>() +
                                                   " is not on this server (upload it with POST /api/v1/images)")));
    }
  }
  milestone.updated_at_ms = Now();
  if (create) milestone.created_at_ms = milestone.updated_at_ms;
  lock.unlock();
  worker_.Post([this, p, create, milestone = std::move(milestone), reply = std::move(reply)](Storage& storage) mutable {
    if (create) {
      auto id = storage.AddMilestone(milestone);
      if (!id.ok()) return reply(ErrorResponse(http::status::internal_server_error, "not_stored", id.status().message()));
      milestone.id = *id;
    } else if (Status s = storage.UpdateMilestone(milestone); !s.ok()) {
      return reply(ErrorResponse(http::status::internal_server_error, "not_stored", s.message()));
    }
    std::unique_lock done(mutex_);
    auto it = std::find_if(p->milestones.begin(), p->milestones.end(),
                           [&](const MilestoneRecord& m) { return m.id == milestone.id; });
    if (it == p->milestones.end()) {
      p->milestones.push_back(milestone);
    } else {
      *it = milestone;
    }
    json answer = MilestoneJson(milestone);
    done.unlock();
    reply(JsonResponse(create ? http::status::created : http::status::ok, answer));
  });
}

}  // namespace psephos::server
