#include "psephos/ballots/official_check.h"

#include <algorithm>
#include <set>

#include "psephos/ballots/official_rule.h"
#include "psephos/engine/rules.h"

namespace psephos::ballots {
namespace {

using engine::Decision;
using engine::ProjectIndex;

bool IsFunding(Decision d) {
  return d == Decision::kSelected || d == Decision::kPartiallyFunded || d == Decision::kFundedFromReserve;
}

bool FromReserve(const engine::Outcome& outcome, ProjectIndex p) {
  return std::any_of(outcome.rounds.begin(), outcome.rounds.end(), [&](const engine::Round& round) {
    return round.project == p && round.decision == Decision::kFundedFromReserve;
  });
}

std::string Recounted(const engine::Outcome& outcome, ProjectIndex p) {
  for (const auto& round : outcome.rounds) {
    if (round.project != p) continue;
    if (round.decision == Decision::kFundedFromReserve) return "funded from the reserve";
    if (IsFunding(round.decision)) return "funded";
    return std::string("not funded (") + engine::DecisionName(round.decision) + ")";
  }
  return "not funded";
}

// The per-project score the city rules count: greedy-score ranks every
// project by it, and never stops, so each round carries one project's score.
std::vector<std::string> Scores(const engine::Election& election, const engine::RuleOptions& options) {
  std::vector<std::string> score(election.projects.size());
  auto out = engine::Tally(election, engine::RuleKind::kGreedyScore, engine::TieBreak::ByFile(election), options);
  if (!out.ok()) return score;
  for (const auto& round : out->rounds) score[round.project] = engine::ToString(round.score);
  return score;
}

}  // namespace

OfficialCheck CheckOfficialOutcome(const engine::Election& election) {
  OfficialCheck check;
  check.tie_break = "file";
  const std::size_t n = election.projects.size();
  const auto votes = election.SupportCounts();

  // Published votes and scores against the ballots in the file.
  std::vector<bool> data_differs(n, false);
  auto official = ResolveOfficialRule(election);
  const auto scores = Scores(election, official.ok() ? official->options : engine::RuleOptions{});
  const bool points_or_ranks = election.ballot_type != engine::BallotType::kApproval &&
                               election.ballot_type != engine::BallotType::kChoose1;
  for (std::size_t p = 0; p < n; ++p) {
    const auto& project = election.projects[p];
    if (const std::string* v = project.Attribute("votes"); v && !v->empty() && *v != std::to_string(votes[p])) {
      data_differs[p] = true;
      check.differences.push_back({project.id, "votes", *v, std::to_string(votes[p]),
                                   "missing data: the file's ballots do not give the published votes"});
    }
    const std::string* s = project.Attribute("score");
    if (s && !s->empty() && points_or_ranks && !scores[p].empty() && *s != scores[p]) {
      data_differs[p] = true;
      check.differences.push_back({project.id, "score", *s, scores[p],
                                   "missing data, or points the file does not describe (rank points, thresholds)"});
    }
  }

  check.has_selected = std::any_of(election.projects.begin(), election.projects.end(),
                                   [](const engine::Project& p) { return p.Attribute("selected") != nullptr; });
  if (!official.ok()) {
    check.differences.push_back({"", "rule", election.Meta("rule") ? *election.Meta("rule") : "", "",
                                 "the official outcome cannot be recounted: " + official.status().message()});
    return check;
  }
  const engine::TieBreak tie_break = engine::TieBreak::ByFile(election);
  auto outcome = engine::Tally(election, official->rule, tie_break, official->options);
  if (!outcome.ok()) {
    check.differences.push_back({"", "rule", *election.Meta("rule"), "",
                                 "the official rule cannot count this file: " + outcome.status().message()});
    return check;
  }
  check.rule = outcome->rule;
  if (!check.has_selected) {
    check.notes.push_back("the file publishes no outcome (no PROJECTS column 'selected'): only votes and scores "
                          "were compared");
    return check;
  }

  const bool reserve_rule = official->rule == engine::RuleKind::kGreedyReserve;
  std::vector<bool> ours(n, false), tied(n, false);
  for (ProjectIndex p : outcome->selected) ours[p] = true;
  for (const auto& tie : outcome->ties) {
    for (ProjectIndex p : tie.tied) tied[p] = true;
  }
  std::vector<ProjectIndex> only_ours, only_published, other_way;
  std::vector<std::string> published_text(n);
  for (std::size_t p = 0; p < n; ++p) {
    const std::string* s = election.projects[p].Attribute("selected");
    const std::string value = s ? *s : "";
    bool published = value == "1";
    if (value == "2" && reserve_rule) {
      published = true;
      published_text[p] = "funded from the reserve (selected 2)";
    } else if (value == "2" || value == "3") {
      check.notes.push_back("project " + election.projects[p].id + ": selected " + value +
                            ", funded from money outside this budget (see the file's comment): not compared");
      continue;
    } else {
      published_text[p] = published ? "funded" : "not funded";
    }
    ++check.projects_compared;
    const bool from_reserve = FromReserve(*outcome, static_cast<ProjectIndex>(p));
    if (published != ours[p]) {
      (ours[p] ? only_ours : only_published).push_back(static_cast<ProjectIndex>(p));
    } else if (published && reserve_rule && (value == "2") != from_reserve) {
      other_way.push_back(static_cast<ProjectIndex>(p));
    }
  }
  auto ids = [&](const std::vector<ProjectIndex>& list) {
    std::string out;
    for (ProjectIndex p : list) out += (out.empty() ? "" : ", ") + election.projects[p].id;
    return out;
  };
  auto cause = [&](ProjectIndex p) -> std::string {
    if (data_differs[p]) return "missing data: the file's votes for it differ from its ballots";
    if (tied[p]) return "tie: broken in file order; the city may have broken it otherwise";
    if (ours[p]) {
      return "withdrawn project? the count funds it and the city did not (a project withdrawn after the vote "
             "leaves this trace)";
    }
    if (!only_ours.empty()) return "money: follows from the count funding " + ids(only_ours) + " instead";
    return "missing data, or a rule the file does not describe";
  };
  for (ProjectIndex p : other_way) {
    check.differences.push_back({election.projects[p].id, "selected", published_text[p], Recounted(*outcome, p),
                                 "reserve: funded by both, but one of them from the reserve"});
  }
  std::vector<ProjectIndex> all = only_ours;
  all.insert(all.end(), only_published.begin(), only_published.end());
  for (ProjectIndex p : all) {
    check.differences.push_back({election.projects[p].id, "selected", published_text[p],
                                 Recounted(*outcome, p), cause(p)});
  }
  return check;
}

}  // namespace psephos::ballots
