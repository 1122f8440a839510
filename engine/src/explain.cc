// Explain(): runs a rule and reads, from its rounds (and for MES from a probe
// of the run), why one project was funded or not. Every number is exact.
#include "psephos/engine/explain.h"

#include <algorithm>
#include <limits>

#include "rule_impl.h"

namespace psephos::engine {
namespace {

using internal::Satisfaction;

bool PointsBallots(const Election& election) {
  return election.ballot_type == BallotType::kCumulative || election.ballot_type == BallotType::kScoring;
}

ExplanationKind KindOf(RuleKind rule) {
  switch (rule) {
    case RuleKind::kMes:
    case RuleKind::kMesCard:
    case RuleKind::kMesAdd1:
    case RuleKind::kEqualSharesAdd1:
    case RuleKind::kEqualSharesAdd1u:
    case RuleKind::kMesBorda: return ExplanationKind::kMes;
    case RuleKind::kPhragmen: return ExplanationKind::kPhragmen;
    case RuleKind::kKnapsack: return ExplanationKind::kKnapsack;
    case RuleKind::kIrv:
    case RuleKind::kStv:
    case RuleKind::kSchulze: return ExplanationKind::kRanked;
    default: return ExplanationKind::kGreedy;
  }
}

// The satisfaction a greedy rule sums for its threshold, as Tally() picks it.
Satisfaction GreedySatisfaction(const Election& election, RuleKind rule) {
  const bool points = PointsBallots(election);
  switch (rule) {
    case RuleKind::kGreedy: return points ? Satisfaction::kPoints : Satisfaction::kCost;
    case RuleKind::kGreedyCard: return Satisfaction::kCardinality;
    case RuleKind::kGreedyBorda: return Satisfaction::kBorda;
    default: break;
  }
  if (points) return Satisfaction::kPoints;
  return election.ballot_type == BallotType::kOrdinal ? Satisfaction::kRankPoints
                                                      : Satisfaction::kCardinality;
}

// The satisfaction an MES rule shares costs by, as Tally() picks it.
Satisfaction MesSatisfaction(const Election& election, RuleKind rule) {
  switch (rule) {
    case RuleKind::kMesCard: return Satisfaction::kCardinality;
    case RuleKind::kMesBorda: return Satisfaction::kBorda;
    case RuleKind::kMesAdd1:
    case RuleKind::kEqualSharesAdd1:
    case RuleKind::kEqualSharesAdd1u: return Satisfaction::kCost;
    default: return PointsBallots(election) ? Satisfaction::kPoints : Satisfaction::kCost;
  }
}

// The smallest whole number at least num / den (both positive).
std::int64_t CeilDiv(const Rational& num, const Rational& den) {
  const Rational q = num / den;
  mpz_class c;
  mpz_cdiv_q(c.get_mpz_t(), q.get_num_mpz_t(), q.get_den_mpz_t());
  return c.fits_slong_p() ? c.get_si() : std::numeric_limits<long>::max();
}

bool IsFunding(Decision d) {
  return d == Decision::kSelected || d == Decision::kPartiallyFunded || d == Decision::kFundedFromReserve;
}

// The rule ended at its last round: greedy-no-skip's stop, or greedy-reserve's.
bool EndedEarly(const Outcome& outcome) {
  if (outcome.rounds.empty()) return false;
  const Decision last = outcome.rounds.back().decision;
  return last == Decision::kStopped || last == Decision::kFundedFromReserve;
}

// The fields every rule fills: the project's round and what it said.
ProjectExplanation Common(const Election& election, const Outcome& outcome, RuleKind rule, ProjectIndex p) {
  ProjectExplanation ex;
  ex.rule = outcome.rule;
  ex.criterion = outcome.criterion;
  ex.score_money_power = outcome.score_money_power;
  ex.tie_break = outcome.tie_break;
  ex.kind = KindOf(rule);
  ex.project = p;
  ex.cost = election.projects[p].cost;
  ex.budget = outcome.budget;
  ex.votes = election.SupportCounts()[p];
  ex.rounds_total = outcome.rounds.size();
  ex.selected = outcome.selected;
  ex.funded = std::find(outcome.selected.begin(), outcome.selected.end(), p) != outcome.selected.end();
  ex.left_before = ex.left_after = outcome.budget - outcome.total_cost;
  for (std::size_t i = 0; i < outcome.rounds.size(); ++i) {
    const Round& r = outcome.rounds[i];
    if (r.project != p) continue;
    ex.round = i;
    ex.decision = r.decision;
    ex.score = r.score;
    ex.score_infinite = r.score_infinite;
    ex.left_before = i == 0 ? outcome.budget : outcome.rounds[i - 1].budget_left;
    ex.left_after = r.budget_left;
    break;
  }
  // The tie settled at its round, or else the first it was part of.
  const Tie* found = nullptr;
  for (const Tie& tie : outcome.ties) {
    if (std::find(tie.tied.begin(), tie.tied.end(), p) == tie.tied.end()) continue;
    if (!found || (ex.round && tie.round == *ex.round)) found = &tie;
  }
  if (found) ex.tied_with = found->tied;
  return ex;
}

// Greedy family, knapsack and schulze: what the order left for it.
void ExplainTurn(const Election& election, const Outcome& outcome, RuleKind rule,
                 const RuleOptions& options, ProjectExplanation& ex) {
  TurnExplanation& t = ex.turn;
  std::size_t end = outcome.rounds.size();
  if (ex.round) {
    end = *ex.round;
  } else if (EndedEarly(outcome)) {
    t.stopped_at = outcome.rounds.size() - 1;
    t.stopped_project = outcome.rounds.back().project;
    t.stopped_project_reserve = outcome.rounds.back().decision == Decision::kFundedFromReserve;
  }
  t.left_at_turn = ex.round ? ex.left_before : outcome.budget - outcome.total_cost;
  for (std::size_t i = 0; i < end; ++i) {
    const Round& r = outcome.rounds[i];
    if (!IsFunding(r.decision)) continue;
    const Money before = i == 0 ? outcome.budget : outcome.rounds[i - 1].budget_left;
    t.funded_before.push_back(r.project);
    t.amounts_before.push_back(before - r.budget_left);
  }
  if (ex.cost > t.left_at_turn) t.shortfall = ex.cost - t.left_at_turn;
  if (ex.funded && ex.round) t.amount = ex.left_before - ex.left_after;
  const ProjectIndex p = ex.project;
  if (rule == RuleKind::kGreedyReserve) t.reserve_share = options.reserve_share;
  if (rule == RuleKind::kKnapsack) {
    t.threshold = std::max<std::int64_t>(1, options.min_score.value_or(1));
    t.threshold_score = ex.votes;
  } else if (rule != RuleKind::kSchulze && options.min_score) {
    t.threshold = options.min_score;
    const Satisfaction sat = GreedySatisfaction(election, rule);
    for (std::size_t b = 0; b < election.profile.size(); ++b) {
      const auto projects = election.profile.projects(b);
      for (std::size_t i = 0; i < projects.size(); ++i) {
        if (projects[i] == p) t.threshold_score += internal::EntryUtility(election, sat, options, b, i);
      }
    }
  }
}

Status ExplainMes(const Election& election, const Outcome& outcome, RuleKind rule, const TieBreak& tie_break,
                  ProjectExplanation& ex) {
  MesExplanation& m = ex.mes;
  const ProjectIndex p = ex.project;
  const Satisfaction sat = MesSatisfaction(election, rule);
  internal::MesProbe probe;
  probe.project = p;
  // The same run again (for mes-add1, the returned one), watching p.
  const Outcome again = internal::RunMes(election, tie_break, sat, outcome.voter_budget, &probe);
  // equalshares-add1u: the rounds of the completion follow MES's.
  const std::size_t mes_rounds = outcome.completion_from.value_or(outcome.rounds.size());
  if (!std::equal(again.selected.begin(), again.selected.end(), outcome.selected.begin(),
                  outcome.selected.begin() + static_cast<std::ptrdiff_t>(mes_rounds)) ||
      again.selected.size() != mes_rounds || probe.money.size() != mes_rounds + 1) {
    return Status::Invalid("internal: the watched MES run differs from the rule's run");
  }
  const Rational cost(static_cast<long>(ex.cost));
  m.voter_budget = outcome.voter_budget;
  m.supporters = probe.supporters;
  m.total_utility = probe.total_utility;
  m.uniform = probe.uniform;
  m.money_at_start = m.voter_budget * static_cast<long>(m.supporters);
  for (const auto& h : probe.holdings) m.money_at_turn += h.money * static_cast<long>(h.count);
  for (std::size_t k = 0; k < mes_rounds; ++k) {
    const Round& r = outcome.rounds[k];
    m.steps.push_back(MesStep{r.project, r.score, probe.rho[k], probe.money[k + 1]});
  }
  if (ex.funded) {
    m.rho = ex.score;
    std::int64_t holding = 0;
    for (const auto& h : probe.holdings) {
      holding += h.count;
      (h.money >= m.rho * static_cast<long>(h.utility) ? m.paid_full : m.paid_all_left) += h.count;
    }
    m.had_nothing = m.supporters - holding;
    if (m.uniform && m.supporters > 0) m.price = m.rho * MakeRational(m.total_utility, m.supporters);
    return Status::Ok();
  }
  if (m.money_at_turn < cost) ex.decision = Decision::kUnaffordable;
  for (std::size_t k = 0; k < probe.money.size(); ++k) {
    if (probe.money[k] < cost) {
      m.unaffordable_after = k;
      break;
    }
  }
  m.shortfall = cost - m.money_at_turn;
  if (m.supporters > 0) {
    m.needed_per_supporter = cost / Rational(m.supporters);
    m.average_left = m.money_at_turn / Rational(m.supporters);
  }
  if (sgn(m.voter_budget) > 0 && sgn(m.shortfall) > 0) {
    m.extra_supporters_for_shortfall = CeilDiv(m.shortfall, m.voter_budget);
  }
  for (auto r = outcome.rounds.rbegin() + static_cast<std::ptrdiff_t>(outcome.rounds.size() - mes_rounds);
       r != outcome.rounds.rend(); ++r) {
    if (election.projects[r->project].cost > 0) {
      m.last_rho = r->score;
      break;
    }
  }
  if (!m.last_rho || sgn(m.shortfall) <= 0) return Status::Ok();
  for (const auto& h : probe.holdings) {
    const Rational due = *m.last_rho * static_cast<long>(h.utility);
    m.payable_at_last_rho += std::min<Rational>(h.money, due) * static_cast<long>(h.count);
  }
  // A new supporter holds a full share and values p as its supporters do on
  // average (with none: its cost under cost satisfaction, else 1).
  const Rational utility = m.supporters > 0 ? MakeRational(m.total_utility, m.supporters)
                           : sat == Satisfaction::kCost ? cost
                                                        : Rational(1);
  const Rational pays = std::min<Rational>(m.voter_budget, *m.last_rho * utility);
  if (sgn(pays) > 0) m.extra_supporters_at_last_rho = CeilDiv(cost - m.payable_at_last_rho, pays);
  return Status::Ok();
}

void ExplainPhragmen(const Election& election, const Outcome& outcome, ProjectExplanation& ex) {
  PhragmenExplanation& ph = ex.phragmen;
  ph.over_budget = ex.cost > election.budget;
  if (!outcome.rounds.empty() && outcome.rounds.back().decision == Decision::kStopped) {
    const Round& stop = outcome.rounds.back();
    ph.stop_round = outcome.rounds.size() - 1;
    ph.stop_project = stop.project;
    ph.stop_load = stop.score;
    ph.stop_load_infinite = stop.score_infinite;
  }
  if (ex.funded || (ph.stop_round && ph.stop_project == ex.project)) {
    ph.load = ex.score;
    ph.load_infinite = ex.score_infinite;
    return;
  }
  // Funding a project sets its supporters' loads to the round's max load, so
  // a voter's load is that of the last funded round among its projects.
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> funded_in(election.projects.size(), kNone);
  for (std::size_t i = 0; i < outcome.rounds.size(); ++i) {
    const Round& r = outcome.rounds[i];
    if (r.decision == Decision::kSelected && !r.score_infinite) funded_in[r.project] = i;
  }
  if (ex.votes == 0) {
    ph.load_infinite = true;
    return;
  }
  Rational loads = 0;
  for (std::size_t b = 0; b < election.profile.size(); ++b) {
    const auto projects = election.profile.projects(b);
    if (std::find(projects.begin(), projects.end(), ex.project) == projects.end()) continue;
    std::size_t last = kNone;
    for (ProjectIndex q : projects) {
      if (funded_in[q] != kNone && (last == kNone || funded_in[q] > last)) last = funded_in[q];
    }
    if (last != kNone) loads += outcome.rounds[last].score;
  }
  ph.load = (loads + Rational(static_cast<long>(ex.cost))) / Rational(static_cast<long>(ex.votes));
}

}  // namespace

Result<ProjectExplanation> Explain(const Election& election, RuleKind rule, const TieBreak& tie_break,
                                   const RuleOptions& options, ProjectIndex project) {
  if (project >= election.projects.size()) {
    return Status::Invalid("project index " + std::to_string(project) + " is out of range (" +
                           std::to_string(election.projects.size()) + " projects)");
  }
  auto outcome = Tally(election, rule, tie_break, options);
  if (!outcome.ok()) return outcome.status();
  ProjectExplanation ex = Common(election, *outcome, rule, project);
  switch (ex.kind) {
    case ExplanationKind::kGreedy:
    case ExplanationKind::kKnapsack:
      ExplainTurn(election, *outcome, rule, options, ex);
      break;
    case ExplanationKind::kMes: {
      ex.comparison = outcome->comparison;
      // equalshares-*: greedy's outcome kept by the comparison step, or a
      // project the completion funded, is explained as greedy by votes.
      const bool greedy_kept = outcome->comparison && outcome->comparison->kept_greedy;
      ex.completion = outcome->completion_from && ex.round && *ex.round >= *outcome->completion_from;
      if (greedy_kept || ex.completion) {
        ex.kind = ExplanationKind::kGreedy;
        ExplainTurn(election, *outcome, rule, options, ex);
        break;
      }
      const Status status = ExplainMes(election, *outcome, rule, tie_break, ex);
      if (!status.ok()) return status;
      break;
    }
    case ExplanationKind::kPhragmen:
      ExplainPhragmen(election, *outcome, ex);
      break;
    case ExplanationKind::kRanked:
      if (rule == RuleKind::kSchulze) {
        const auto& ranking = outcome->ranking;
        const auto at = std::find(ranking.begin(), ranking.end(), project);
        if (at != ranking.end()) ex.ranked.position = static_cast<std::size_t>(at - ranking.begin());
        if (ex.round) ex.ranked.wins = ex.score.get_num().get_si();
        ExplainTurn(election, *outcome, rule, options, ex);
      } else {
        ex.ranked.still_continuing = !ex.round;
      }
      break;
  }
  return ex;
}

}  // namespace psephos::engine
