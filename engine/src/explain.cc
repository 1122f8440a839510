// Explain() and ExplainAll(): run a rule once and read, from its rounds (and
// for MES from what the run recorded of every explained project as it went),
// why each project was funded or not. Every number is exact. What several projects
// need from the ballots (threshold scores, Phragmén loads) is summed in one
// pass, so explaining all of them costs about what explaining one does.
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
ProjectExplanation Common(const Election& election, const Outcome& outcome, RuleKind rule,
                          const std::vector<std::int64_t>& votes, ProjectIndex p) {
  ProjectExplanation ex;
  ex.rule = outcome.rule;
  ex.criterion = outcome.criterion;
  ex.score_money_power = outcome.score_money_power;
  ex.tie_break = outcome.tie_break;
  ex.kind = KindOf(rule);
  ex.project = p;
  ex.cost = election.projects[p].cost;
  ex.budget = outcome.budget;
  ex.votes = votes[p];
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
void ExplainTurn(const Outcome& outcome, RuleKind rule, const RuleOptions& options,
                 const std::vector<std::int64_t>& threshold_scores, ProjectExplanation& ex) {
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
  if (rule == RuleKind::kGreedyReserve) t.reserve_share = options.reserve_share;
  if (rule == RuleKind::kKnapsack) {
    t.threshold = std::max<std::int64_t>(1, options.min_score.value_or(1));
    t.threshold_score = ex.votes;
  } else if (rule != RuleKind::kSchulze && options.min_score) {
    t.threshold = options.min_score;
    t.threshold_score = threshold_scores[ex.project];
  }
}

// Per project, the satisfaction a greedy rule sums for its threshold.
std::vector<std::int64_t> ThresholdScores(const Election& election, RuleKind rule, const RuleOptions& options,
                                          const std::vector<std::int64_t>& votes) {
  const Satisfaction sat = GreedySatisfaction(election, rule);
  if (sat == Satisfaction::kCardinality) return votes;  // 1 per ballot listing it
  std::vector<std::int64_t> scores(election.projects.size(), 0);
  for (std::size_t b = 0; b < election.profile.size(); ++b) {
    const auto projects = election.profile.projects(b);
    for (std::size_t i = 0; i < projects.size(); ++i) {
      scores[projects[i]] += internal::EntryUtility(election, sat, options, b, i);
    }
  }
  return scores;
}

// The count's MES run (mes-add1: the run of the outcome kept) watched every
// probed project: each probe covers its rounds.
Status CheckProbes(const Outcome& outcome, const std::vector<internal::MesProbe>& probes) {
  // equalshares-add1u: the rounds of the completion follow MES's.
  const std::size_t mes_rounds = outcome.completion_from.value_or(outcome.rounds.size());
  for (const internal::MesProbe& probe : probes) {
    if (probe.money.size() != mes_rounds + 1 || probe.rho.size() != mes_rounds + 1) {
      return Status::Invalid("internal: the watched MES run differs from the rule's run");
    }
  }
  return Status::Ok();
}

void ExplainMes(const Election& election, const Outcome& outcome, RuleKind rule, const internal::MesProbe& probe,
                ProjectExplanation& ex) {
  MesExplanation& m = ex.mes;
  const Satisfaction sat = MesSatisfaction(election, rule);
  const std::size_t mes_rounds = outcome.completion_from.value_or(outcome.rounds.size());
  const Rational cost(static_cast<long>(ex.cost));
  m.voter_budget = outcome.voter_budget;
  m.supporters = probe.supporters;
  m.total_utility = probe.total_utility;
  m.uniform = probe.uniform;
  m.money_at_start = m.voter_budget * static_cast<long>(m.supporters);
  m.money_at_turn = (ex.funded ? probe.money[ex.round.value_or(0)] : probe.money.back()).value_or(Rational(0));
  m.steps.reserve(mes_rounds);
  for (std::size_t k = 0; k < mes_rounds; ++k) {
    const Round& r = outcome.rounds[k];
    m.steps.push_back(MesStep{r.project, r.score, probe.rho[k], probe.money[k + 1]});
  }
  if (ex.funded) {
    m.rho = ex.score;
    m.paid_full = probe.paid_full;
    m.paid_all_left = probe.paid_all_left;
    m.had_nothing = probe.had_nothing;
    if (m.uniform && m.supporters > 0) m.price = m.rho * MakeRational(m.total_utility, m.supporters);
    return;
  }
  if (m.money_at_turn < cost) ex.decision = Decision::kUnaffordable;
  m.unaffordable_after = probe.unaffordable_after;
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
  if (!m.last_rho || sgn(m.shortfall) <= 0) return;
  // Each pays min(money, last_rho * utility): the run summed it at its end.
  if (!probe.payable_at_last_rho) return;
  m.payable_at_last_rho = *probe.payable_at_last_rho;
  // A new supporter holds a full share and values p as its supporters do on
  // average (with none: its cost under cost satisfaction, else 1).
  const Rational utility = m.supporters > 0 ? MakeRational(m.total_utility, m.supporters)
                           : sat == Satisfaction::kCost ? cost
                                                        : Rational(1);
  const Rational pays = std::min<Rational>(m.voter_budget, *m.last_rho * utility);
  if (sgn(pays) > 0) m.extra_supporters_at_last_rho = CeilDiv(cost - m.payable_at_last_rho, pays);
}

// Per project, the loads its supporters carry at the end of a Phragmén run.
// Funding a project sets its supporters' loads to the round's max load, so a
// voter's load is that of the last funded round among its projects.
std::vector<Rational> SupporterLoads(const Election& election, const Outcome& outcome) {
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> funded_in(election.projects.size(), kNone);
  for (std::size_t i = 0; i < outcome.rounds.size(); ++i) {
    const Round& r = outcome.rounds[i];
    if (r.decision == Decision::kSelected && !r.score_infinite) funded_in[r.project] = i;
  }
  // Count, per project, its supporters by the round that set their load;
  // then one product per project and round instead of a sum per ballot.
  const std::size_t np = election.projects.size(), nr = outcome.rounds.size();
  std::vector<std::int64_t> count(np * nr, 0);
  std::vector<std::size_t> seen(np, kNone);  // last ballot counted for it
  for (std::size_t b = 0; b < election.profile.size(); ++b) {
    const auto projects = election.profile.projects(b);
    std::size_t last = kNone;
    for (ProjectIndex q : projects) {
      if (funded_in[q] != kNone && (last == kNone || funded_in[q] > last)) last = funded_in[q];
    }
    if (last == kNone) continue;
    for (ProjectIndex q : projects) {
      if (seen[q] == b) continue;
      seen[q] = b;
      ++count[q * nr + last];
    }
  }
  // Over one common denominator each term is an integer product: one
  // reduction per project instead of two per term.
  mpz_class common = 1;
  for (std::size_t r = 0; r < nr; ++r) {
    if (funded_in[outcome.rounds[r].project] == r) {
      mpz_lcm(common.get_mpz_t(), common.get_mpz_t(), outcome.rounds[r].score.get_den_mpz_t());
    }
  }
  std::vector<mpz_class> scaled(nr);  // each round's load over `common`
  for (std::size_t r = 0; r < nr; ++r) {
    const Rational& load = outcome.rounds[r].score;
    if (funded_in[outcome.rounds[r].project] == r) scaled[r] = load.get_num() * (common / load.get_den());
  }
  std::vector<Rational> loads(np);
  mpz_class sum;
  for (std::size_t q = 0; q < np; ++q) {
    sum = 0;
    for (std::size_t r = 0; r < nr; ++r) {
      if (count[q * nr + r] > 0) {
        mpz_addmul_ui(sum.get_mpz_t(), scaled[r].get_mpz_t(), static_cast<unsigned long>(count[q * nr + r]));
      }
    }
    loads[q] = Rational(sum, common);
    loads[q].canonicalize();
  }
  return loads;
}

void ExplainPhragmen(const Election& election, const Outcome& outcome, const std::vector<Rational>& loads,
                     ProjectExplanation& ex) {
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
  if (ex.votes == 0) {
    ph.load_infinite = true;
    return;
  }
  ph.load = (loads[ex.project] + Rational(static_cast<long>(ex.cost))) / Rational(static_cast<long>(ex.votes));
}

// Explains the projects `which` (in that order) from one count.
Result<Explanations> ExplainProjects(const Election& election, RuleKind rule, const TieBreak& tie_break,
                                     const RuleOptions& options, const std::vector<ProjectIndex>& which) {
  // The rules of equal shares watch the explained projects in the count itself.
  std::vector<internal::MesProbe> probes;
  if (KindOf(rule) == ExplanationKind::kMes) {
    std::vector<bool> seen(election.projects.size(), false);
    for (ProjectIndex project : which) {
      if (project < seen.size() && !seen[project]) probes.emplace_back().project = project;
      if (project < seen.size()) seen[project] = true;
    }
  }
  auto outcome = internal::TallyWatching(election, rule, tie_break, options, &probes);
  if (!outcome.ok()) return outcome.status();
  Explanations all;
  all.outcome = std::move(*outcome);
  const Outcome& out = all.outcome;
  // The rule's own count of ballots per project, when it made one.
  const std::vector<std::int64_t> votes =
      out.votes.size() == election.projects.size() ? out.votes : election.SupportCounts();
  std::vector<std::int64_t> threshold_scores;
  if (rule != RuleKind::kKnapsack && rule != RuleKind::kSchulze && options.min_score) {
    threshold_scores = ThresholdScores(election, rule, options, votes);
  }
  std::vector<Rational> loads;
  if (KindOf(rule) == ExplanationKind::kPhragmen) loads = SupporterLoads(election, out);
  std::vector<std::size_t> probe_of(election.projects.size(), 0);
  for (std::size_t i = 0; i < probes.size(); ++i) probe_of[probes[i].project] = i;
  std::vector<std::size_t> probed;  // positions in all.projects explained from probes
  all.projects.reserve(which.size());
  for (ProjectIndex project : which) {
    ProjectExplanation ex = Common(election, out, rule, votes, project);
    switch (ex.kind) {
      case ExplanationKind::kGreedy:
      case ExplanationKind::kKnapsack:
        ExplainTurn(out, rule, options, threshold_scores, ex);
        break;
      case ExplanationKind::kMes: {
        ex.comparison = out.comparison;
        // equalshares-*: greedy's outcome kept by the comparison step, or a
        // project the completion funded, is explained as greedy by votes.
        const bool greedy_kept = out.comparison && out.comparison->kept_greedy;
        ex.completion = out.completion_from && ex.round && *ex.round >= *out.completion_from;
        if (greedy_kept || ex.completion) {
          ex.kind = ExplanationKind::kGreedy;
          ExplainTurn(out, rule, options, threshold_scores, ex);
          break;
        }
        probed.push_back(all.projects.size());
        break;
      }
      case ExplanationKind::kPhragmen:
        ExplainPhragmen(election, out, loads, ex);
        break;
      case ExplanationKind::kRanked:
        if (rule == RuleKind::kSchulze) {
          const auto& ranking = out.ranking;
          const auto at = std::find(ranking.begin(), ranking.end(), project);
          if (at != ranking.end()) ex.ranked.position = static_cast<std::size_t>(at - ranking.begin());
          if (ex.round) ex.ranked.wins = ex.score.get_num().get_si();
          ExplainTurn(out, rule, options, threshold_scores, ex);
        } else {
          ex.ranked.still_continuing = !ex.round;
        }
        break;
    }
    all.projects.push_back(std::move(ex));
  }
  if (!probed.empty()) {
    const Status status = CheckProbes(out, probes);
    if (!status.ok()) return status;
    for (std::size_t at : probed) {
      ProjectExplanation& ex = all.projects[at];
      ExplainMes(election, out, rule, probes[probe_of[ex.project]], ex);
    }
  }
  return all;
}

}  // namespace

Result<ProjectExplanation> Explain(const Election& election, RuleKind rule, const TieBreak& tie_break,
                                   const RuleOptions& options, ProjectIndex project) {
  if (project >= election.projects.size()) {
    return Status::Invalid("project index " + std::to_string(project) + " is out of range (" +
                           std::to_string(election.projects.size()) + " projects)");
  }
  auto one = ExplainProjects(election, rule, tie_break, options, {project});
  if (!one.ok()) return one.status();
  return std::move(one->projects.front());
}

Result<Explanations> ExplainAll(const Election& election, RuleKind rule, const TieBreak& tie_break,
                                const RuleOptions& options) {
  std::vector<ProjectIndex> all(election.projects.size());
  for (std::size_t p = 0; p < all.size(); ++p) all[p] = static_cast<ProjectIndex>(p);
  return ExplainProjects(election, rule, tie_break, options, all);
}

}  // namespace psephos::engine
