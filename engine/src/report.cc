#include "psephos/engine/report.h"

#include <algorithm>
#include <map>

#include "psephos/engine/explain.h"

namespace psephos::engine {
namespace {

Rational Share(const Rational& part, const Rational& whole) {
  return whole == 0 ? Rational(0) : Rational(part / whole);
}

// What the outcome gave each project (knapsack: possibly less than its cost).
std::vector<Money> FundedAmounts(const Election& election, const Outcome& outcome) {
  std::vector<Money> amounts(election.projects.size(), 0);
  for (std::size_t i = 0; i < outcome.selected.size(); ++i) {
    const ProjectIndex p = outcome.selected[i];
    amounts[p] = i < outcome.amounts.size() ? outcome.amounts[i] : election.projects[p].cost;
  }
  return amounts;
}

std::vector<bool> FundedSet(const Election& election, const Outcome& outcome) {
  std::vector<bool> funded(election.projects.size(), false);
  for (ProjectIndex p : outcome.selected) funded[p] = true;
  return funded;
}

// Adds ballot b to `figures` (counts only; averages are set by Finish).
struct VoterTally {
  std::int64_t voters = 0;
  std::int64_t nothing = 0;
  std::int64_t funded_total = 0;
  Money cost_total = 0;
  std::vector<std::int64_t> distribution;

  void Add(std::int64_t funded_count, Money funded_cost) {
    ++voters;
    if (funded_count == 0) ++nothing;
    funded_total += funded_count;
    cost_total += funded_cost;
    if (distribution.size() <= static_cast<std::size_t>(funded_count)) distribution.resize(funded_count + 1, 0);
    ++distribution[funded_count];
  }
  VoterFigures Finish() const {
    VoterFigures out;
    out.voters = voters;
    out.nothing_funded = nothing;
    if (voters > 0) {
      out.average_funded = MakeRational(funded_total, voters);
      out.average_funded_cost = MakeRational(cost_total, voters);
    }
    out.distribution = distribution;
    return out;
  }
};

std::vector<std::string> SplitLabels(const std::string* text) {
  std::vector<std::string> out;
  if (text) {
    std::size_t start = 0;
    while (start <= text->size()) {
      std::size_t end = text->find(',', start);
      if (end == std::string::npos) end = text->size();
      std::string label = text->substr(start, end - start);
      const auto first = label.find_first_not_of(' ');
      const auto last = label.find_last_not_of(' ');
      if (first != std::string::npos) out.push_back(label.substr(first, last - first + 1));
      start = end + 1;
    }
  }
  if (out.empty()) out.push_back("(none)");
  return out;
}

bool ProjectsHaveColumn(const Election& election, std::string_view column) {
  for (const Project& p : election.projects) {
    if (p.Attribute(column)) return true;
  }
  return false;
}

CategoryBreakdown Categories(const Election& election, const std::vector<std::int64_t>& votes,
                             const std::vector<Money>& amounts, Money spent, const std::string& column) {
  std::map<std::string, std::pair<Rational, Rational>> by_label;  // votes, money
  std::int64_t total_votes = 0;
  for (std::size_t p = 0; p < election.projects.size(); ++p) {
    const auto labels = SplitLabels(election.projects[p].Attribute(column));
    const auto parts = static_cast<std::int64_t>(labels.size());
    for (const std::string& label : labels) {
      auto& entry = by_label[label];
      entry.first += MakeRational(votes[p], parts);
      entry.second += MakeRational(amounts[p], parts);
    }
    total_votes += votes[p];
  }
  CategoryBreakdown out;
  out.column = column;
  for (auto& [label, sums] : by_label) {
    CategoryFigures c;
    c.label = label;
    c.vote_share = Share(sums.first, MakeRational(total_votes));
    c.money_share = Share(sums.second, MakeRational(spent));
    c.distance = abs(c.vote_share - c.money_share);
    out.distance += c.distance;
    out.categories.push_back(std::move(c));
  }
  out.distance /= 2;
  return out;
}

bool IsGreedy(RuleKind rule) {
  switch (rule) {
    case RuleKind::kGreedy:
    case RuleKind::kGreedyCard:
    case RuleKind::kGreedyScore:
    case RuleKind::kGreedyNoSkip:
    case RuleKind::kGreedyThreshold:
    case RuleKind::kGreedyBorda:
    case RuleKind::kGreedyReserve: return true;
    default: return false;
  }
}

bool IsEqualShares(RuleKind rule) {
  switch (rule) {
    case RuleKind::kMes:
    case RuleKind::kMesCard:
    case RuleKind::kMesAdd1:
    case RuleKind::kMesBorda:
    case RuleKind::kEqualSharesAdd1:
    case RuleKind::kEqualSharesAdd1u: return true;
    default: return false;
  }
}

// Greedy: a project not funded needed to outscore the funded project whose
// selection brought the money left below its cost.
void GreedySupport(const Election& election, const Outcome& outcome, std::vector<ProjectFigures>& out) {
  std::vector<std::optional<Rational>> own(election.projects.size());
  for (const Round& r : outcome.rounds) {
    if (!r.score_infinite) own[r.project] = r.score;
  }
  for (ProjectFigures& f : out) {
    if (f.funded) {
      f.effective_support = Rational(1);
      continue;
    }
    if (f.cost > outcome.budget) continue;
    std::optional<Rational> score = own[f.project];
    if (!score && outcome.criterion == "votes") score = MakeRational(f.votes);
    for (const Round& r : outcome.rounds) {
      const bool funding = r.decision == Decision::kSelected || r.decision == Decision::kFundedFromReserve;
      if (!funding || r.budget_left >= f.cost || r.score_infinite) continue;
      f.needed_score = r.score;
      if (score && r.score > 0) f.effective_support = Rational(*score / r.score);
      break;
    }
  }
}

// Equal shares: what a project's supporters held when their money first fell
// below its cost, over its cost; 1 when equal shares funded it. From the rule's
// explanations, all from one count (ExplainAll) -- the one place the report
// reads them.
Status SupportFromExplanations(const Election& election, RuleKind rule, const TieBreak& tie_break,
                               const RuleOptions& options, std::vector<ProjectFigures>& out) {
  auto all = ExplainAll(election, rule, tie_break, options);
  if (!all.ok()) return all.status();
  for (ProjectFigures& f : out) {
    if (f.votes == 0 || f.cost == 0) continue;
    const ProjectExplanation* ex = &all->projects[static_cast<std::size_t>(f.project)];
    if (ex->kind != ExplanationKind::kMes || ex->mes.supporters == 0) continue;
    const MesExplanation& m = ex->mes;
    if (f.funded) {
      f.effective_support = Rational(1);
      continue;
    }
    Rational held = m.money_at_turn;
    if (m.unaffordable_after) {
      // The explanation gives the money after that round.
      held = *m.unaffordable_after == 0 ? m.money_at_start
                                        : m.steps[*m.unaffordable_after - 1].money_after.value_or(held);
    }
    f.effective_support = Rational(held / f.cost);
  }
  return Status::Ok();
}

// The same figures in one pass over the run's rounds, when every supporter of
// a project values it alike (approval ballots): then each round's price is
// what each supporter paid, or all they had left. Tests check it against the
// explanations.
void SupportFromRounds(const Election& election, const Outcome& outcome, std::vector<ProjectFigures>& out) {
  const std::size_t projects = election.projects.size();
  const std::size_t voters = election.profile.size();
  // Supporters of each project, in compressed rows.
  std::vector<std::uint32_t> start(projects + 1, 0);
  for (std::size_t v = 0; v < voters; ++v) {
    for (ProjectIndex p : election.profile.projects(v)) ++start[p + 1];
  }
  for (std::size_t p = 0; p < projects; ++p) start[p + 1] += start[p];
  std::vector<std::uint32_t> supporters(start.back());
  std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
  for (std::size_t v = 0; v < voters; ++v) {
    for (ProjectIndex p : election.profile.projects(v)) supporters[fill[p]++] = static_cast<std::uint32_t>(v);
  }
  // Voters who paid the same so far hold the same: their money is a class's,
  // and a round's payments are counted per (project, class) in integers.
  std::vector<Rational> class_money{outcome.voter_budget};
  std::vector<std::uint32_t> voter_class(voters, 0);
  std::vector<std::int64_t> local(1, -1);  // class -> index among this round's payers' classes
  std::vector<Rational> held(projects);
  for (std::size_t p = 0; p < projects; ++p) held[p] = outcome.voter_budget * static_cast<long>(out[p].votes);
  std::vector<std::optional<Rational>> at(projects);  // held when funded or when it dropped out
  // equalshares-add1u: the rounds of the utilitarian completion follow MES's;
  // a project it funds is reported as MES left it.
  const std::size_t mes_rounds = outcome.completion_from.value_or(outcome.rounds.size());
  std::vector<bool> mes_funded(projects, false);
  for (std::size_t k = 0; k < mes_rounds; ++k) {
    if (outcome.rounds[k].decision == Decision::kSelected) mes_funded[outcome.rounds[k].project] = true;
  }
  auto drop_outs = [&] {
    for (std::size_t p = 0; p < projects; ++p) {
      if (!at[p] && !mes_funded[p] && held[p] < out[p].cost) at[p] = held[p];
    }
  };
  drop_outs();
  for (std::size_t k = 0; k < mes_rounds; ++k) {
    const Round& r = outcome.rounds[k];
    if (r.decision != Decision::kSelected) continue;
    if (!at[r.project]) at[r.project] = held[r.project];
    std::vector<std::uint32_t> classes;  // this round's payers' classes
    local.assign(class_money.size(), -1);
    for (std::uint32_t i = start[r.project]; i < start[r.project + 1]; ++i) {
      const std::uint32_t c = voter_class[supporters[i]];
      if (local[c] < 0) {
        local[c] = static_cast<std::int64_t>(classes.size());
        classes.push_back(c);
      }
    }
    // Payers who could pay the full price share one bucket; each poorer class
    // pays all it has left, a bucket of its own.
    const std::size_t n = classes.size();
    std::vector<Rational> pay{r.price};
    std::vector<std::uint32_t> bucket(n, 0), next(n);
    for (std::size_t j = 0; j < n; ++j) {
      const Rational& has = class_money[classes[j]];
      next[j] = classes[j];
      if (has < r.price) {
        bucket[j] = static_cast<std::uint32_t>(pay.size());
        pay.push_back(has);
      }
      if (sgn(has) == 0 || sgn(r.price) == 0) continue;
      next[j] = static_cast<std::uint32_t>(class_money.size());
      class_money.push_back(has < r.price ? Rational(0) : Rational(has - r.price));
    }
    const std::size_t buckets = pay.size();
    std::vector<std::int64_t> count(projects * buckets, 0);
    for (std::uint32_t i = start[r.project]; i < start[r.project + 1]; ++i) {
      const std::uint32_t v = supporters[i];
      const auto j = static_cast<std::size_t>(local[voter_class[v]]);
      for (ProjectIndex q : election.profile.projects(v)) ++count[q * buckets + bucket[j]];
      voter_class[v] = next[j];
    }
    for (std::size_t q = 0; q < projects; ++q) {
      for (std::size_t j = 0; j < buckets; ++j) {
        if (count[q * buckets + j] != 0 && sgn(pay[j]) != 0) held[q] -= pay[j] * static_cast<long>(count[q * buckets + j]);
      }
    }
    drop_outs();
  }
  for (std::size_t p = 0; p < projects; ++p) {
    if (out[p].votes == 0 || out[p].cost == 0) continue;
    out[p].effective_support = mes_funded[p] ? Rational(1) : Rational(at[p].value_or(held[p]) / out[p].cost);
  }
}

}  // namespace

std::string AgeBand(std::string_view age) {
  std::int64_t years = 0;
  if (age.empty() || age.size() > 3) return "unknown";
  for (char c : age) {
    if (c < '0' || c > '9') return "unknown";
    years = years * 10 + (c - '0');
  }
  static constexpr struct { std::int64_t below; const char* name; } kBands[] = {
      {18, "0-17"}, {25, "18-24"}, {35, "25-34"}, {45, "35-44"}, {55, "45-54"}, {65, "55-64"}};
  for (const auto& band : kBands) {
    if (years < band.below) return band.name;
  }
  return "65+";
}

Result<std::vector<ProjectFigures>> EffectiveSupport(const Election& election, const Outcome& outcome,
                                                      RuleKind rule, const TieBreak& tie_break,
                                                      const RuleOptions& options) {
  const std::vector<std::int64_t> votes = election.SupportCounts();
  const std::vector<bool> funded = FundedSet(election, outcome);
  std::vector<ProjectFigures> out(election.projects.size());
  for (std::size_t p = 0; p < out.size(); ++p) {
    out[p].project = static_cast<ProjectIndex>(p);
    out[p].votes = votes[p];
    out[p].cost = election.projects[p].cost;
    out[p].funded = funded[p];
  }
  const bool kept_greedy = outcome.comparison && outcome.comparison->kept_greedy;
  if (IsGreedy(rule) || kept_greedy) {
    GreedySupport(election, outcome, out);
  } else if (IsEqualShares(rule)) {
    const bool alike = (election.ballot_type == BallotType::kApproval || election.ballot_type == BallotType::kChoose1) &&
                       !election.profile.has_points() && rule != RuleKind::kMesBorda;
    if (alike) {
      SupportFromRounds(election, outcome, out);
    } else {
      Status s = SupportFromExplanations(election, rule, tie_break, options, out);
      if (!s.ok()) return s;
    }
  }
  return out;
}

Result<OutcomeReport> ReportOutcome(const Election& election, const Outcome& outcome,
                                    const std::string& group_column,
                                    std::vector<ProjectFigures> effective_support) {
  OutcomeReport out;
  out.rule = outcome.rule;
  out.budget = outcome.budget;
  out.spent = outcome.total_cost;
  out.left = outcome.budget - outcome.total_cost;

  std::size_t column = 0;
  const std::size_t columns = election.voter_columns.size();
  if (!group_column.empty()) {
    auto it = std::find(election.voter_columns.begin(), election.voter_columns.end(), group_column);
    if (it == election.voter_columns.end() || it == election.voter_columns.begin()) {
      std::string known;
      for (std::size_t c = 1; c < columns; ++c) known += (known.empty() ? "" : ", ") + election.voter_columns[c];
      return Status::Invalid("no voter column '" + group_column + "' to group by; the file has " +
                             (known.empty() ? std::string("none") : known));
    }
    column = static_cast<std::size_t>(it - election.voter_columns.begin());
    out.group_column = group_column;
  }

  const std::vector<bool> funded = FundedSet(election, outcome);
  const std::vector<Money> amounts = FundedAmounts(election, outcome);
  VoterTally all, two;
  struct Group {
    VoterTally tally;
    std::vector<bool> chose;
  };
  std::map<std::string, Group> groups;
  for (std::size_t b = 0; b < election.profile.size(); ++b) {
    std::int64_t count = 0;
    Money cost = 0;
    const auto ballot = election.profile.projects(b);
    for (ProjectIndex p : ballot) {
      if (!funded[p]) continue;
      ++count;
      cost += amounts[p];
    }
    all.Add(count, cost);
    if (ballot.size() >= 2) two.Add(count, cost);
    if (column > 0) {
      const std::string& raw = election.voter_values[b * columns + column];
      Group& g = groups[group_column == "age" ? AgeBand(raw) : raw.empty() ? "unknown" : raw];
      g.tally.Add(count, cost);
      if (g.chose.empty()) g.chose.assign(election.projects.size(), false);
      for (ProjectIndex p : ballot) g.chose[p] = true;
    }
  }
  out.all = all.Finish();
  out.two_or_more = two.Finish();
  for (auto& [value, g] : groups) {
    GroupFigures figures;
    figures.value = value;
    figures.voters = g.tally.Finish();
    Money chosen = 0;
    for (std::size_t p = 0; p < g.chose.size(); ++p) {
      if (g.chose[p] && funded[p]) chosen += amounts[p];
    }
    figures.money_share = Share(MakeRational(chosen), MakeRational(out.spent));
    out.groups.push_back(std::move(figures));
  }

  std::vector<std::int64_t> votes;
  if (effective_support.size() == election.projects.size()) {
    out.projects = std::move(effective_support);
    for (const ProjectFigures& f : out.projects) votes.push_back(f.votes);
  } else {
    votes = election.SupportCounts();
    out.projects.resize(election.projects.size());
    for (std::size_t p = 0; p < election.projects.size(); ++p) {
      out.projects[p].project = static_cast<ProjectIndex>(p);
      out.projects[p].votes = votes[p];
      out.projects[p].cost = election.projects[p].cost;
      out.projects[p].funded = funded[p];
    }
  }
  for (const char* c : {"category", "target"}) {
    if (ProjectsHaveColumn(election, c)) out.categories.push_back(Categories(election, votes, amounts, out.spent, c));
  }
  return out;
}

Result<OutcomeReport> ReportRule(const Election& election, RuleKind rule, const TieBreak& tie_break,
                                 const RuleOptions& options, const std::string& group_column) {
  auto outcome = Tally(election, rule, tie_break, options);
  if (!outcome.ok()) return outcome.status();
  auto support = EffectiveSupport(election, *outcome, rule, tie_break, options);
  if (!support.ok()) return support.status();
  return ReportOutcome(election, *outcome, group_column, std::move(*support));
}

ComparisonReport CompareOutcomes(const Election& election, const OutcomeReport& first, const OutcomeReport& second) {
  ComparisonReport out;
  out.voters = static_cast<std::int64_t>(election.profile.size());
  std::vector<bool> a(election.projects.size(), false), b(election.projects.size(), false);
  for (const ProjectFigures& f : first.projects) a[f.project] = f.funded;
  std::vector<std::int64_t> votes(election.projects.size(), 0);
  for (const ProjectFigures& f : second.projects) {
    b[f.project] = f.funded;
    votes[f.project] = f.votes;
  }
  for (std::size_t p = 0; p < election.projects.size(); ++p) {
    if (a[p] && !b[p]) {
      out.only_first.push_back(static_cast<ProjectIndex>(p));
      out.only_first_votes += votes[p];
    }
    if (b[p] && !a[p]) {
      out.only_second.push_back(static_cast<ProjectIndex>(p));
      out.only_second_votes += votes[p];
    }
  }
  for (std::size_t v = 0; v < election.profile.size(); ++v) {
    std::int64_t in_a = 0, in_b = 0;
    for (ProjectIndex p : election.profile.projects(v)) {
      in_a += a[p] ? 1 : 0;
      in_b += b[p] ? 1 : 0;
    }
    if (in_a > in_b) ++out.better_first_by_count;
    if (in_b > in_a) ++out.better_second_by_count;
    if (in_b == 0 && in_a > 0) ++out.better_first_by_exclusion;
    if (in_a == 0 && in_b > 0) ++out.better_second_by_exclusion;
  }
  return out;
}

}  // namespace psephos::engine
