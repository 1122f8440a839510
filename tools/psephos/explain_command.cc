// psephos explain: why a rule funded a project or not, in words or as JSON.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "psephos/ballots/explain_json.h"
#include "psephos/ballots/pabulib.h"
#include "psephos/engine/explain.h"
#include "tally_options.h"
#include "text_report.h"

namespace psephos::cli {
namespace {

using engine::Decision;
using engine::ProjectExplanation;
using engine::ProjectIndex;
using engine::Rational;

class Words {
 public:
  explicit Words(const engine::Election& election) : election_(election) {
    if (const std::string* c = election.Meta("currency")) currency_ = " " + *c;
  }

  std::string Money(engine::Money amount) const {
    return GroupDigits(ballots::FormatMoney(amount, election_.money_scale)) + currency_;
  }
  // An exact amount of Money units, for reading: rounded to two decimals (or
  // the currency's own, when it has more).
  std::string Money(const Rational& amount) const {
    const int scale = election_.money_scale;
    const int decimals = std::max(scale, 2);
    mpz_class factor;
    mpz_ui_pow_ui(factor.get_mpz_t(), 10, static_cast<unsigned long>(decimals - scale));
    const mpz_class twice = amount.get_num() * factor * 2 + amount.get_den();
    const mpz_class den = amount.get_den() * 2;
    mpz_class rounded;
    mpz_fdiv_q(rounded.get_mpz_t(), twice.get_mpz_t(), den.get_mpz_t());
    return GroupDigits(ballots::FormatMoney(static_cast<engine::Money>(rounded.get_si()), decimals)) + currency_;
  }
  static std::string Count(std::int64_t n) { return GroupDigits(std::to_string(n)); }
  // A value for reading only, in currency units when it is an amount.
  std::string Approx(const Rational& value, int money_power = 0) const {
    Rational v = value;
    for (int i = 0; i < election_.money_scale; ++i) {
      if (money_power > 0) v /= 10;
      if (money_power < 0) v *= 10;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4g", engine::ToDouble(v));
    return buf;
  }
  std::string Id(ProjectIndex p) const { return election_.projects[p].id; }
  // "A, B": the other projects of p's exclusive group.
  std::string Group(ProjectIndex p) const {
    std::string out;
    const std::string& label = election_.projects[p].exclusive_group;
    for (std::size_t q = 0; q < election_.projects.size(); ++q) {
      if (q == p || label.empty() || election_.projects[q].exclusive_group != label) continue;
      out += (out.empty() ? "" : ", ") + election_.projects[q].id;
    }
    return out;
  }
  // "L081 (Sala sportowa…)": the id and a short name.
  std::string Named(ProjectIndex p) const {
    std::string out = Id(p);
    const std::string* name = election_.projects[p].Attribute("name");
    if (!name || name->empty()) return out;
    constexpr std::size_t kMax = 40;
    std::string shown = *name;
    if (shown.size() > kMax) {
      std::size_t cut = kMax;
      while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
      shown = shown.substr(0, cut) + "\u2026";
    }
    return out + " (" + shown + ")";
  }
  // "A, B, C", or the first ones and how many in all.
  std::string List(const std::vector<ProjectIndex>& projects) const {
    constexpr std::size_t kShown = 12;
    std::string out;
    for (std::size_t i = 0; i < projects.size() && i < kShown; ++i) out += (i ? ", " : "") + Id(projects[i]);
    if (projects.size() > kShown) out += ", ... (" + std::to_string(projects.size()) + " in all)";
    return out;
  }

 private:
  const engine::Election& election_;
  std::string currency_;
};

std::string RoundNo(std::size_t index) { return std::to_string(index + 1); }

std::string Plural(std::int64_t n, const std::string& one, const std::string& many) {
  return Words::Count(n) + " " + (n == 1 ? one : many);
}

// "It was tied with ...": when the tie-break ordered it among equals.
void TieSentence(const Words& w, const ProjectExplanation& ex, std::ostream& out) {
  if (ex.tied_with.size() < 2) return;
  std::vector<ProjectIndex> others;
  for (ProjectIndex p : ex.tied_with) {
    if (p != ex.project) others.push_back(p);
  }
  out << " It was tied with " << w.List(others) << "; the tie-break (" << ex.tie_break
      << ") put them in the order " << w.List(ex.tied_with) << ".";
}

// Greedy rules, knapsack, and schulze's funding down its ranking.
void TurnText(const Words& w, const ProjectExplanation& ex, std::ostream& out) {
  const engine::TurnExplanation& t = ex.turn;
  const std::string project = "Project " + w.Named(ex.project);
  const std::string votes = Plural(ex.votes, "vote", "votes");
  std::string score;
  if (ex.round && ex.criterion != "votes" && ex.criterion != "schulze_wins") {
    score = ", " + ex.criterion + " " + (ex.score_infinite ? "inf" : w.Approx(ex.score, ex.score_money_power));
  }
  if (!ex.round) {
    out << project << " was not funded. ";
    if (t.stopped_at) {
      out << "The rule stopped at round " << RoundNo(*t.stopped_at) << ", when " << w.Id(t.stopped_project)
          << " did not fit in the money left" << (t.stopped_project_reserve ? " and was funded from the reserve" : "")
          << "; its turn (" << votes << ") never came.";
    } else {
      out << "No round reached it (" << votes << ").";
    }
    if (!t.funded_before.empty()) out << " Funded: " << w.List(t.funded_before) << ".";
    out << "\n";
    return;
  }
  const std::string round = RoundNo(*ex.round);
  switch (*ex.decision) {
    case Decision::kSelected:
      out << project << " was funded in round " << round
          << (ex.completion ? " by the utilitarian completion after equal shares (by votes, what still fits)" : "")
          << ": " << votes << score << "; cost " << w.Money(ex.cost) << "; " << w.Money(ex.left_after) << " left.";
      break;
    case Decision::kFundedFromReserve:
      out << project << " was funded from the reserve in round " << round << ": it did not fit (" << votes
          << score << "; cost " << w.Money(ex.cost) << ", " << w.Money(t.left_at_turn)
          << " left), but the money left covers at least " << t.reserve_share.value_or(0)
          << "% of its cost, so the reserve paid the other "
          << w.Money(t.shortfall) << ". The rule ended there.";
      break;
    case Decision::kOutOfReach:
      out << project << " was not funded: it costs " << w.Money(ex.cost) << ", more than the whole budget ("
          << w.Money(ex.budget) << "), so it could never be (round " << round << ", " << votes
          << "); the count went on.";
      break;
    case Decision::kExcluded:
      out << project << " was not funded: a project of its exclusive group (" << w.Group(ex.project)
          << ") was funded before it, and at most one of them can be (round " << round << ", " << votes << ").";
      break;
    case Decision::kPartiallyFunded:
      out << project << " was partly funded in round " << round << ": " << votes << score << "; it got "
          << w.Money(t.amount) << " of its cost " << w.Money(ex.cost) << ", all that was left.";
      break;
    case Decision::kBelowThreshold:
      out << project << " was not funded: its score, " << Words::Count(t.threshold_score)
          << ", is below the rule's threshold of " << Words::Count(t.threshold.value_or(0)) << " (round "
          << round << ", " << votes << ").";
      break;
    case Decision::kSkipped:
    case Decision::kStopped:
      out << project << " was not funded. When its turn came (round " << round << ", " << votes << score
          << "), " << w.Money(t.left_at_turn) << " was left and it costs " << w.Money(ex.cost) << " ("
          << w.Money(t.shortfall) << " short): "
          << (*ex.decision == Decision::kStopped ? "the rule stopped there." : "it was skipped.");
      break;
    default:
      out << project << ": " << engine::DecisionName(*ex.decision) << " in round " << round << ".";
      break;
  }
  if (!ex.funded && !t.funded_before.empty() && *ex.decision != Decision::kBelowThreshold) {
    engine::Money used = 0;
    for (engine::Money m : t.amounts_before) used += m;
    out << " Funded before it: " << w.List(t.funded_before) << " (" << w.Money(used) << ").";
  }
  TieSentence(w, ex, out);
  out << "\n";
}

void MesText(const Words& w, const ProjectExplanation& ex, std::ostream& out) {
  const engine::MesExplanation& m = ex.mes;
  const std::string project = "Project " + w.Named(ex.project);
  const int rho_power = ex.score_money_power;
  const std::string supporters = Plural(m.supporters, "supporter", "supporters");
  if (ex.funded) {
    out << project << " was funded in round " << RoundNo(ex.round.value_or(0)) << ": its " << supporters
        << " held " << w.Money(m.money_at_turn) << " and it costs " << w.Money(ex.cost) << ".";
    if (ex.cost == 0) {
      out << " It is free, so it was funded first.\n";
      return;
    }
    out << " At rho " << w.Approx(m.rho, rho_power);
    if (m.price) {
      out << " the price per supporter was " << w.Money(*m.price) << ".";
    } else {
      out << " each supporter paid " << w.Money(m.rho) << " per point they gave it, or all they had left.";
    }
    if (m.paid_all_left > 0 || m.had_nothing > 0) {
      out << " " << Words::Count(m.paid_full) << " paid in full, " << Words::Count(m.paid_all_left)
          << " paid all they had left (less), " << Words::Count(m.had_nothing) << " had nothing left.";
    }
    out << " " << w.Money(ex.left_after) << " was left after it.";
    TieSentence(w, ex, out);
    out << "\n";
    return;
  }
  out << project << " was not funded. Its " << supporters << " held " << w.Money(m.money_at_turn)
      << " at the end; it costs " << w.Money(ex.cost) << " (" << w.Money(m.shortfall) << " short).";
  if (m.supporters == 0) {
    out << " Nobody gains from it, so equal shares never fund it.\n";
    return;
  }
  out << " It needs " << w.Money(m.needed_per_supporter) << " per supporter; they had "
      << w.Money(m.average_left) << " left on average (each started with " << w.Money(m.voter_budget) << ").";
  if (m.unaffordable_after) {
    if (*m.unaffordable_after == 0) {
      out << " Its supporters could never pay for it: their shares came to " << w.Money(m.money_at_start) << ".";
    } else {
      const std::size_t k = *m.unaffordable_after - 1;
      out << " It became unaffordable in round " << RoundNo(k) << ", when "
          << w.Id(m.steps[k].winner) << " was funded.";
    }
  }
  // The last round in which it could still be afforded: what beat it.
  for (std::size_t k = m.steps.size(); k-- > 0;) {
    if (!m.steps[k].rho) continue;
    out << " In round " << RoundNo(k) << " it needed rho " << w.Approx(*m.steps[k].rho, rho_power) << " and "
        << w.Id(m.steps[k].winner) << " won at " << w.Approx(m.steps[k].winner_rho, rho_power) << ".";
    break;
  }
  if (m.extra_supporters_at_last_rho) {
    out << " At the last round's price (rho " << w.Approx(*m.last_rho, rho_power) << ") its supporters would pay "
        << w.Money(m.payable_at_last_rho) << "; it would need about "
        << Plural(*m.extra_supporters_at_last_rho, "more supporter", "more supporters") << " with a full share.";
  } else if (m.extra_supporters_for_shortfall > 0) {
    out << " It would need at least "
        << Plural(m.extra_supporters_for_shortfall, "more supporter", "more supporters")
        << " with a full share to cover the shortfall.";
  }
  TieSentence(w, ex, out);
  out << "\n";
}

void PhragmenText(const Words& w, const ProjectExplanation& ex, std::ostream& out) {
  const engine::PhragmenExplanation& ph = ex.phragmen;
  const std::string project = "Project " + w.Named(ex.project);
  auto load = [&](const Rational& value, bool infinite) {
    return infinite ? std::string("infinite") : w.Approx(value, 1);
  };
  const std::string supporters = Plural(ex.votes, "supporter", "supporters");
  if (ex.funded) {
    out << project << " was funded in round " << RoundNo(ex.round.value_or(0)) << ": sharing its cost "
        << w.Money(ex.cost) << " brought its " << supporters << " to a max load of "
        << load(ph.load, ph.load_infinite) << "; " << w.Money(ex.left_after) << " left.";
  } else if (ph.over_budget) {
    out << project << " was not funded: it costs " << w.Money(ex.cost) << ", more than the whole budget ("
        << w.Money(ex.budget) << ").";
  } else if (ph.stop_round && ph.stop_project == ex.project) {
    out << project << " was not funded. In round " << RoundNo(*ph.stop_round)
        << " it had the least max load (" << load(ph.load, ph.load_infinite) << "), but it costs "
        << w.Money(ex.cost) << " and " << w.Money(ex.left_before) << " was left: the rule stopped there.";
  } else {
    out << project << " was not funded.";
    if (ph.stop_round) {
      out << " The rule stopped at round " << RoundNo(*ph.stop_round) << ", when " << w.Id(ph.stop_project)
          << " (max load " << load(ph.stop_load, ph.stop_load_infinite) << ") did not fit;";
    } else {
      out << " At the end,";
    }
    out << " funding it would have brought its " << supporters << " to a load of "
        << load(ph.load, ph.load_infinite) << ".";
  }
  TieSentence(w, ex, out);
  out << "\n";
}

void RankedText(const Words& w, const ProjectExplanation& ex, std::ostream& out) {
  const std::string project = "Project " + w.Named(ex.project);
  if (ex.ranked.position) {
    out << project << " is ranked " << *ex.ranked.position + 1 << " of " << ex.rounds_total << " by "
        << ex.rule << " (it beats " << Plural(ex.ranked.wins, "project", "projects") << ").\n";
    TurnText(w, ex, out);
    return;
  }
  if (ex.ranked.still_continuing) {
    out << project << " was neither elected nor eliminated: the count ended with it still in. Elected: "
        << w.List(ex.selected) << ".\n";
    return;
  }
  const std::string votes = w.Approx(ex.score) + (ex.score == 1 ? " vote" : " votes");
  if (ex.decision == Decision::kSelected) {
    out << project << " was elected in round " << RoundNo(*ex.round) << " with " << votes << ".";
  } else {
    out << project << " was eliminated in round " << RoundNo(*ex.round) << " with " << votes << ", the fewest.";
  }
  TieSentence(w, ex, out);
  out << "\n";
}

// The rule's line (and the comparison step's) that heads one or every explanation.
void HeaderText(const engine::Election& election, const ProjectExplanation& ex, std::ostream& out) {
  const Words w(election);
  out << "rule: " << ex.rule << "    tie-break: " << ex.tie_break << "    budget: " << w.Money(ex.budget)
      << "    ballots: " << Words::Count(static_cast<std::int64_t>(election.profile.size())) << "\n";
  if (ex.comparison) {
    const auto& c = *ex.comparison;
    out << "Comparison step (" << c.by << "): " << Words::Count(c.prefer_rule)
        << " voters prefer the equal-shares outcome, " << Words::Count(c.prefer_greedy)
        << " greedy by votes; " << (c.kept_greedy ? "greedy by votes was kept.\n" : "equal shares was kept.\n");
  }
}

void BodyText(const engine::Election& election, const ProjectExplanation& ex, std::ostream& out) {
  const Words w(election);
  switch (ex.kind) {
    case engine::ExplanationKind::kGreedy:
    case engine::ExplanationKind::kKnapsack: TurnText(w, ex, out); break;
    case engine::ExplanationKind::kMes: MesText(w, ex, out); break;
    case engine::ExplanationKind::kPhragmen: PhragmenText(w, ex, out); break;
    case engine::ExplanationKind::kRanked: RankedText(w, ex, out); break;
  }
}

// Without --project: every project from one count, the header once.
int ExplainEvery(const TallyArgs& args, const TallySetup& setup) {
  auto all = engine::ExplainAll(setup.election, setup.rule, setup.tie_break, setup.options);
  if (!all.ok()) {
    std::cerr << "psephos explain: " << all.status().message() << "\n";
    return kExitBadInput;
  }
  if (args.format == "json") {
    std::cout << ballots::ExplanationsToJson(setup.election, *all) << "\n";
    return kExitOk;
  }
  std::ostringstream out;
  if (!all->projects.empty()) HeaderText(setup.election, all->projects.front(), out);
  for (const ProjectExplanation& ex : all->projects) {
    out << "\n";
    BodyText(setup.election, ex, out);
  }
  std::cout << out.str();
  return kExitOk;
}

}  // namespace

int ExplainCommand(const std::vector<std::string>& raw_args) {
  auto fail = [](const Status& s) {
    std::cerr << "psephos explain: " << s.message() << "\n";
    return kExitBadInput;
  };
  auto args = ParseTallyArgs(raw_args, /*with_project=*/true);
  if (!args.ok()) return fail(args.status());
  auto setup = LoadTally(*args);
  if (!setup.ok()) return fail(setup.status());
  if (args->project.empty()) return ExplainEvery(*args, *setup);
  const std::int64_t project = setup->election.FindProject(args->project);
  if (project < 0) {
    return fail(Status::Invalid("unknown project id '" + args->project + "' in " + args->file));
  }
  auto explanation = engine::Explain(setup->election, setup->rule, setup->tie_break, setup->options,
                                     static_cast<ProjectIndex>(project));
  if (!explanation.ok()) return fail(explanation.status());
  if (args->format == "json") {
    std::cout << ballots::ExplanationToJson(setup->election, *explanation) << "\n";
  } else {
    HeaderText(setup->election, *explanation, std::cout);
    BodyText(setup->election, *explanation, std::cout);
  }
  return kExitOk;
}

}  // namespace psephos::cli
