// Who got what: figures on an outcome's voters, projects, groups and
// categories, and a comparison of two outcomes of one election. Pure: the
// caller tallies; renderers (JSON, text, SVG) put the figures in shape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "psephos/engine/election.h"
#include "psephos/engine/outcome.h"
#include "psephos/engine/rational.h"
#include "psephos/engine/rules.h"
#include "psephos/engine/status.h"
#include "psephos/engine/tie_break.h"

namespace psephos::engine {

// A set of voters against one outcome. A voter's funded projects are those
// on their ballot that the outcome selects.
struct VoterFigures {
  std::int64_t voters = 0;
  std::int64_t nothing_funded = 0;  // none of their projects funded
  Rational average_funded;          // funded projects per voter
  Rational average_funded_cost;     // their cost per voter, in Money units
  // distribution[k]: voters with exactly k of their projects funded.
  std::vector<std::int64_t> distribution;
};

struct ProjectFigures {
  ProjectIndex project = 0;
  std::int64_t votes = 0;  // ballots listing it
  Money cost = 0;
  bool funded = false;
  // Funded: 1. Equal shares: what its supporters held when their money first
  // fell below its cost, over its cost (equalshares-add1u: also for projects
  // the completion funded). Greedy rules: its score over the score it needed
  // (that of the funded project which brought the money left below its cost).
  // Unset for other rules, free projects, projects nobody supports and
  // projects that could never fit.
  std::optional<Rational> effective_support;
  std::optional<Rational> needed_score;  // greedy: the score it needed
};

// Voters sharing a value of a voter column (`age` in bands: 0-17, 18-24, ...).
struct GroupFigures {
  std::string value;
  VoterFigures voters;
  // Share of the money spent that went to projects at least one of them chose.
  Rational money_share;
};

// Projects sharing a label of a project column (`category`, `target`); a
// project with several labels counts for each by an equal part.
struct CategoryFigures {
  std::string label;
  Rational vote_share;   // of all votes cast for projects
  Rational money_share;  // of the money spent
  Rational distance;     // |vote_share - money_share|
};

struct CategoryBreakdown {
  std::string column;
  std::vector<CategoryFigures> categories;  // by label
  Rational distance;  // half the summed distances (0: money follows votes exactly)
};

struct OutcomeReport {
  std::string rule;
  Money budget = 0;
  Money spent = 0;
  Money left = 0;
  VoterFigures all;
  VoterFigures two_or_more;  // voters who chose at least two projects
  std::vector<ProjectFigures> projects;  // in file order
  std::string group_column;               // empty: no groups asked
  std::vector<GroupFigures> groups;       // by value
  std::vector<CategoryBreakdown> categories;  // `category` and `target`, when present
};

// Two outcomes of one election side by side.
struct ComparisonReport {
  std::vector<ProjectIndex> only_first;   // funded by the first outcome alone
  std::vector<ProjectIndex> only_second;
  std::int64_t only_first_votes = 0;      // their votes summed
  std::int64_t only_second_votes = 0;
  // Voters better off under one: more of their projects funded (by count), or
  // some funded where the other funds none of them (by exclusion).
  std::int64_t voters = 0;
  std::int64_t better_first_by_count = 0;
  std::int64_t better_second_by_count = 0;
  std::int64_t better_first_by_exclusion = 0;
  std::int64_t better_second_by_exclusion = 0;
};

// The age band an `age` value falls in ("18-24", "65+"), or "unknown".
std::string AgeBand(std::string_view age);

// The figures of one outcome. `group_column` names a voter column to break
// voters down by (empty: none); an unknown column is an error naming the ones
// the file has. `effective_support` is parallel to projects (see
// EffectiveSupport) or empty.
Result<OutcomeReport> ReportOutcome(const Election& election, const Outcome& outcome,
                                    const std::string& group_column,
                                    std::vector<ProjectFigures> effective_support = {});

// The per-project effective support of `rule`'s outcome (equal shares from the
// rule's explanations, greedy rules from its rounds).
Result<std::vector<ProjectFigures>> EffectiveSupport(const Election& election, const Outcome& outcome,
                                                      RuleKind rule, const TieBreak& tie_break,
                                                      const RuleOptions& options);

// Tallies `rule` and reports on its outcome, effective support included.
Result<OutcomeReport> ReportRule(const Election& election, RuleKind rule, const TieBreak& tie_break,
                                 const RuleOptions& options, const std::string& group_column);

// Two reports on one election (their projects' `funded`).
ComparisonReport CompareOutcomes(const Election& election, const OutcomeReport& first, const OutcomeReport& second);

}  // namespace psephos::engine
