#include "psephos/ballots/report_json.h"

#include <nlohmann/json.hpp>

namespace psephos::ballots {
namespace {

using nlohmann::ordered_json;
using engine::Rational;

double Ratio(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

double InUnits(const Rational& money, int scale) {
  double v = engine::ToDouble(money);
  for (int i = 0; i < scale; ++i) v /= 10;
  return v;
}

ordered_json MoneyJson(engine::Money amount, int scale) {
  if (scale == 0) return amount;
  return InUnits(engine::MakeRational(amount), scale);
}

ordered_json VotersJson(const engine::VoterFigures& v, int scale) {
  ordered_json j;
  j["voters"] = v.voters;
  j["nothing_funded"] = v.nothing_funded;
  j["nothing_funded_share"] = Ratio(v.nothing_funded, v.voters);
  j["average_funded"] = engine::ToDouble(v.average_funded);
  j["average_funded_cost"] = InUnits(v.average_funded_cost, scale);
  j["distribution"] = v.distribution;  // [k]: voters with k of their projects funded
  return j;
}

ordered_json Ids(const engine::Election& election, const std::vector<engine::ProjectIndex>& projects) {
  ordered_json out = ordered_json::array();
  for (auto p : projects) out.push_back(election.projects[p].id);
  return out;
}

}  // namespace

std::string ReportToJson(const engine::Election& election, const std::vector<engine::OutcomeReport>& outcomes,
                         const std::optional<engine::ComparisonReport>& comparison, int indent) {
  const int scale = election.money_scale;
  ordered_json j;
  if (const std::string* d = election.Meta("description")) j["election"] = *d;
  j["budget"] = MoneyJson(election.budget, scale);
  j["voters"] = static_cast<std::int64_t>(election.profile.size());
  ordered_json list = ordered_json::array();
  for (const engine::OutcomeReport& r : outcomes) {
    ordered_json o;
    o["rule"] = r.rule;
    o["spent"] = MoneyJson(r.spent, scale);
    o["left"] = MoneyJson(r.left, scale);
    o["voters"] = VotersJson(r.all, scale);
    o["two_or_more"] = VotersJson(r.two_or_more, scale);
    ordered_json projects = ordered_json::array();
    for (const engine::ProjectFigures& p : r.projects) {
      ordered_json pj;
      pj["id"] = election.projects[p.project].id;
      if (const std::string* name = election.projects[p.project].Attribute("name")) pj["name"] = *name;
      pj["votes"] = p.votes;
      pj["cost"] = MoneyJson(p.cost, scale);
      pj["funded"] = p.funded;
      pj["effective_support"] =
          p.effective_support ? ordered_json(engine::ToDouble(*p.effective_support)) : ordered_json(nullptr);
      if (p.needed_score) pj["needed_score"] = engine::ToDouble(*p.needed_score);
      projects.push_back(std::move(pj));
    }
    o["projects"] = std::move(projects);
    if (!r.group_column.empty()) {
      ordered_json groups = ordered_json::array();
      for (const engine::GroupFigures& g : r.groups) {
        ordered_json gj = VotersJson(g.voters, scale);
        gj = ordered_json{{"value", g.value}, {"figures", gj}, {"money_share", engine::ToDouble(g.money_share)}};
        groups.push_back(std::move(gj));
      }
      o["groups"] = ordered_json{{"column", r.group_column}, {"values", std::move(groups)}};
    }
    ordered_json categories = ordered_json::array();
    for (const engine::CategoryBreakdown& c : r.categories) {
      ordered_json labels = ordered_json::array();
      for (const engine::CategoryFigures& f : c.categories) {
        labels.push_back({{"label", f.label},
                          {"vote_share", engine::ToDouble(f.vote_share)},
                          {"money_share", engine::ToDouble(f.money_share)},
                          {"distance", engine::ToDouble(f.distance)}});
      }
      categories.push_back(
          {{"column", c.column}, {"labels", std::move(labels)}, {"distance", engine::ToDouble(c.distance)}});
    }
    o["categories"] = std::move(categories);
    list.push_back(std::move(o));
  }
  j["outcomes"] = std::move(list);
  if (comparison && outcomes.size() == 2) {
    const engine::ComparisonReport& c = *comparison;
    ordered_json cj;
    cj["first"] = outcomes[0].rule;
    cj["second"] = outcomes[1].rule;
    cj["only_first"] = {{"projects", Ids(election, c.only_first)}, {"votes", c.only_first_votes}};
    cj["only_second"] = {{"projects", Ids(election, c.only_second)}, {"votes", c.only_second_votes}};
    cj["better_by_count"] = {{"first", c.better_first_by_count},
                             {"first_share", Ratio(c.better_first_by_count, c.voters)},
                             {"second", c.better_second_by_count},
                             {"second_share", Ratio(c.better_second_by_count, c.voters)}};
    cj["better_by_exclusion"] = {{"first", c.better_first_by_exclusion},
                                 {"first_share", Ratio(c.better_first_by_exclusion, c.voters)},
                                 {"second", c.better_second_by_exclusion},
                                 {"second_share", Ratio(c.better_second_by_exclusion, c.voters)}};
    j["comparison"] = std::move(cj);
  }
  return j.dump(indent);
}

Result<std::string> PublishedReportJson(const engine::Election& election, const engine::Outcome& outcome,
                                        engine::RuleKind rule, const engine::TieBreak& tie_break,
                                        const engine::RuleOptions& options, int indent,
                                        const std::string& group_column) {
  auto support = engine::EffectiveSupport(election, outcome, rule, tie_break, options);
  if (!support.ok()) return support.status();
  auto mine = engine::ReportOutcome(election, outcome, group_column, std::move(*support));
  if (!mine.ok()) return mine.status();
  std::vector<engine::OutcomeReport> reports{std::move(*mine)};
  std::optional<engine::ComparisonReport> comparison;
  if (rule != engine::RuleKind::kGreedy && engine::CheckRuleCounts(engine::RuleKind::kGreedy, election.ballot_type).ok()) {
    auto greedy = engine::ReportRule(election, engine::RuleKind::kGreedy, tie_break, {}, "");
    if (!greedy.ok()) return greedy.status();
    reports.push_back(std::move(*greedy));
    comparison = engine::CompareOutcomes(election, reports[0], reports[1]);
  }
  return ReportToJson(election, reports, comparison, indent);
}

}  // namespace psephos::ballots
