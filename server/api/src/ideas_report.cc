// The cycle report (#19 item 5): at the end of a cycle, what each
// interest-holder group sent, supported, got onto the ballot, voted and got
// funded (and delivered), for the steering committee to carry into the next.
#include "psephos/server/api.h"
#include "responses.h"

namespace psephos::server {

using nlohmann::json;

// Delivered: funded projects whose milestones are all done (implementation.h);
// null (an empty CSV cell) until the process is counted.
std::optional<std::set<std::string>> Api::DeliveredProjects(const LiveProcess& p) const {
  if (!p.results.is_array()) return std::nullopt;
  std::set<std::string> delivered;
  for (const ProjectDelivery& d : DeliveriesOf(p)) {
    if (d.delivered) delivered.insert(d.budget + "/" + d.project);
  }
  return delivered;
}

void Api::CycleReport(const std::shared_ptr<LiveProcess>& p, bool csv, Reply reply) {
  std::unique_lock lock(mutex_);
  // Funded projects as "budget/project", once counted.
  std::set<std::string> funded;
  const bool counted = p->results.is_array();
  if (counted) {
    for (const json& entry : p->results) {
      const json outcome = entry.value("outcome", json());
      if (!outcome.is_object()) continue;
      for (const json& id : outcome.value("selected", json::array())) {
        if (id.is_string()) funded.insert(entry.value("budget", "") + "/" + id.get<std::string>());
      }
    }
  }
  const auto delivered = DeliveredProjects(*p);
  auto by_group = CountIdeasByGroup(p->ideas);
  for (const auto& [group, count] : p->by_group) {
    if (count.codes == 0 && count.ballots == 0) continue;
    GroupIdeaCounts& c = by_group[group.empty() ? "(none)" : group];
    c.voter_codes = count.codes;
    c.ballots = count.ballots;
  }
  for (auto& [group, c] : by_group) c.delivered = delivered ? std::optional<std::int64_t>(0) : std::nullopt;
  for (const auto& [id, state] : p->ideas.ideas) {
    const IdeaRecord& r = state.record;
    if (r.project.empty()) continue;
    GroupIdeaCounts& c = by_group[r.group.empty() ? "(none)" : r.group];
    c.funded += funded.count(r.project) ? 1 : 0;
    if (delivered && delivered->count(r.project)) ++*c.delivered;
  }
  GroupIdeaCounts totals;
  totals.delivered = delivered ? std::optional<std::int64_t>(0) : std::nullopt;
  json groups = json::object();
  for (const auto& [group, c] : by_group) {
    groups[group] = GroupIdeaCountsJson(c);
    for (auto [sum, part] : {std::pair{&totals.voter_codes, c.voter_codes}, {&totals.idea_codes, c.idea_codes},
                             {&totals.authors, c.authors}, {&totals.ideas, c.ideas},
                             {&totals.supporters, c.supporters}, {&totals.supports, c.supports},
                             {&totals.hidden, c.hidden}, {&totals.feasible, c.feasible},
                             {&totals.not_feasible, c.not_feasible}, {&totals.on_ballot, c.on_ballot},
                             {&totals.ballots, c.ballots}, {&totals.funded, c.funded}}) {
      *sum += part;
    }
    if (totals.delivered && c.delivered) *totals.delivered += *c.delivered;
  }
  // The ballot's projects: which came from ideas, which were funded and delivered.
  json projects = json::array();
  for (const Budget& b : p->definition.budgets) {
    for (std::size_t i = 0; i < b.election.projects.size(); ++i) {
      const engine::Project& project = b.election.projects[i];
      const std::string label = b.id + "/" + project.id;
      const std::string* name = project.Attribute("name");
      json row{{"project", label},
               {"name", name ? *name : ""},
               {"ideas", i < b.extras.size() ? json(b.extras[i].ideas) : json::array()},
               {"funded", counted ? json(funded.count(label) > 0) : json()},
               {"delivered", delivered ? json(delivered->count(label) > 0) : json()}};
      projects.push_back(std::move(row));
    }
  }
  json report{{"slug", p->definition.slug},
              {"title", p->definition.title},
              {"state", ProcessPhaseName(Phase(*p))},
              {"by_group", std::move(groups)},
              {"totals", GroupIdeaCountsJson(totals)},
              {"projects", std::move(projects)}};
  lock.unlock();
  if (!csv) return reply(JsonResponse(http::status::ok, report));
  Response r = TextResponse(http::status::ok, CycleReportCsv(report), "text/csv; charset=utf-8");
  r.set(http::field::content_disposition, "attachment; filename=\"" + report["slug"].get<std::string>() + "-report.csv\"");
  reply(std::move(r));
}

}  // namespace psephos::server
