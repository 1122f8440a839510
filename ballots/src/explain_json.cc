#include "psephos/ballots/explain_json.h"

#include <nlohmann/json.hpp>

#include "comparison_json.h"

namespace psephos::ballots {
namespace {

using engine::Rational;
using nlohmann::ordered_json;

class Writer {
 public:
  explicit Writer(const engine::Election& election) : election_(election) {
    mpz_ui_pow_ui(unit_.get_mpz_t(), 10, static_cast<unsigned long>(election.money_scale));
  }

  std::string Id(engine::ProjectIndex p) const { return election_.projects[p].id; }

  ordered_json Ids(const std::vector<engine::ProjectIndex>& projects) const {
    ordered_json list = ordered_json::array();
    for (auto p : projects) list.push_back(Id(p));
    return list;
  }

  // Whole amounts stay integers; amounts with cents become decimal numbers.
  ordered_json Money(engine::Money amount) const {
    if (election_.money_scale == 0) return amount;
    return static_cast<double>(amount) / unit_.get_d();
  }

  // An exact value of the given money dimension, in currency units: "p/q" and an approximation.
  void Exact(ordered_json& o, const std::string& key, const Rational& value, int money_power = 0,
             bool infinite = false) const {
    Rational v = value;
    if (money_power > 0) v /= unit_;
    if (money_power < 0) v *= unit_;
    o[key] = infinite ? ordered_json("inf") : ordered_json(engine::ToString(v));
    o[key + "_approx"] = infinite ? ordered_json(nullptr) : ordered_json(engine::ToDouble(v));
  }

 private:
  const engine::Election& election_;
  mpz_class unit_;
};

ordered_json Round(const std::optional<std::size_t>& round) {
  return round ? ordered_json(*round + 1) : ordered_json(nullptr);
}

ordered_json TurnJson(const Writer& w, const engine::ProjectExplanation& ex) {
  const engine::TurnExplanation& t = ex.turn;
  ordered_json o;
  o["left_at_turn"] = w.Money(t.left_at_turn);
  o["shortfall"] = w.Money(t.shortfall);
  o["funded_before"] = w.Ids(t.funded_before);
  if (ex.kind == engine::ExplanationKind::kKnapsack) {
    ordered_json amounts = ordered_json::array();
    for (engine::Money m : t.amounts_before) amounts.push_back(w.Money(m));
    o["amounts_before"] = std::move(amounts);
  }
  o["amount"] = w.Money(t.amount);
  o["threshold"] = t.threshold ? ordered_json(*t.threshold) : ordered_json(nullptr);
  if (t.threshold) o["threshold_score"] = t.threshold_score;
  if (t.stopped_at) {
    o["stopped_at_round"] = *t.stopped_at + 1;
    o["stopped_project"] = w.Id(t.stopped_project);
    if (t.stopped_project_reserve) o["stopped_project_funded_from_reserve"] = true;
  }
  if (ex.decision == engine::Decision::kFundedFromReserve) o["from_reserve"] = w.Money(t.shortfall);
  if (t.reserve_share) o["reserve_share"] = *t.reserve_share;
  return o;
}

ordered_json MesJson(const Writer& w, const engine::ProjectExplanation& ex) {
  const engine::MesExplanation& m = ex.mes;
  const int rho_power = ex.score_money_power;
  ordered_json o;
  w.Exact(o, "voter_budget", m.voter_budget, 1);
  o["supporters"] = m.supporters;
  o["uniform_utility"] = m.uniform;
  w.Exact(o, "money_at_start", m.money_at_start, 1);
  w.Exact(o, ex.funded ? "money_at_turn" : "money_at_end", m.money_at_turn, 1);
  if (ex.funded) {
    w.Exact(o, "rho", m.rho, rho_power);
    if (m.price) {
      w.Exact(o, "price", *m.price, 1);
    } else {
      o["price"] = nullptr;
    }
    o["paid_full"] = m.paid_full;
    o["paid_all_left"] = m.paid_all_left;
    o["had_nothing"] = m.had_nothing;
  } else {
    o["unaffordable_after_rounds"] =
        m.unaffordable_after ? ordered_json(*m.unaffordable_after) : ordered_json(nullptr);
    w.Exact(o, "needed_per_supporter", m.needed_per_supporter, 1);
    w.Exact(o, "average_left", m.average_left, 1);
    w.Exact(o, "shortfall", m.shortfall, 1);
    if (m.last_rho) {
      w.Exact(o, "last_rho", *m.last_rho, rho_power);
      w.Exact(o, "payable_at_last_rho", m.payable_at_last_rho, 1);
    } else {
      o["last_rho"] = nullptr;
    }
    o["extra_supporters_at_last_rho"] =
        m.extra_supporters_at_last_rho ? ordered_json(*m.extra_supporters_at_last_rho) : ordered_json(nullptr);
    o["extra_supporters_for_shortfall"] = m.extra_supporters_for_shortfall;
  }
  ordered_json steps = ordered_json::array();
  for (std::size_t k = 0; k < m.steps.size(); ++k) {
    const engine::MesStep& s = m.steps[k];
    ordered_json step;
    step["round"] = k + 1;
    step["winner"] = w.Id(s.winner);
    w.Exact(step, "winner_rho", s.winner_rho, rho_power);
    if (s.rho) {
      w.Exact(step, "rho", *s.rho, rho_power);
    } else {
      step["rho"] = nullptr;
    }
    if (s.money_after) {
      w.Exact(step, "money_after", *s.money_after, 1);
    } else {
      step["money_after"] = nullptr;
    }
    steps.push_back(std::move(step));
  }
  o["steps"] = std::move(steps);
  return o;
}

ordered_json PhragmenJson(const Writer& w, const engine::ProjectExplanation& ex) {
  const engine::PhragmenExplanation& ph = ex.phragmen;
  ordered_json o;
  o["over_budget"] = ph.over_budget;
  w.Exact(o, "load", ph.load, 1, ph.load_infinite);
  o["stop_round"] = Round(ph.stop_round);
  if (ph.stop_round) {
    o["stop_project"] = w.Id(ph.stop_project);
    w.Exact(o, "stop_load", ph.stop_load, 1, ph.stop_load_infinite);
  }
  return o;
}

ordered_json ExplanationJson(const engine::Election& election, const Writer& w, const engine::ProjectExplanation& ex) {
  const engine::Project& project = election.projects[ex.project];
  ordered_json j;
  j["project"] = project.id;
  if (const std::string* name = project.Attribute("name")) j["name"] = *name;
  j["rule"] = ex.rule;
  j["tie_break"] = ex.tie_break;
  j["criterion"] = ex.criterion;
  if (const std::string* currency = election.Meta("currency")) j["currency"] = *currency;
  j["funded"] = ex.funded;
  j["round"] = Round(ex.round);
  j["rounds_total"] = ex.rounds_total;
  j["decision"] = ex.decision ? ordered_json(engine::DecisionName(*ex.decision)) : ordered_json(nullptr);
  j["votes"] = ex.votes;
  if (ex.round) w.Exact(j, "score", ex.score, ex.score_money_power, ex.score_infinite);
  j["cost"] = w.Money(ex.cost);
  j["budget"] = w.Money(ex.budget);
  j["budget_left_before"] = w.Money(ex.left_before);
  j["budget_left_after"] = w.Money(ex.left_after);
  j["tied_with"] = w.Ids(ex.tied_with);
  j["selected"] = w.Ids(ex.selected);
  if (!project.exclusive_group.empty()) j["exclusive_group"] = project.exclusive_group;
  if (ex.completion) j["funded_by_completion"] = true;
  if (ex.comparison) j["comparison"] = ComparisonJson(*ex.comparison);
  switch (ex.kind) {
    case engine::ExplanationKind::kGreedy:
    case engine::ExplanationKind::kKnapsack: j["turn"] = TurnJson(w, ex); break;
    case engine::ExplanationKind::kMes: j["mes"] = MesJson(w, ex); break;
    case engine::ExplanationKind::kPhragmen: j["phragmen"] = PhragmenJson(w, ex); break;
    case engine::ExplanationKind::kRanked: {
      ordered_json r;
      if (ex.ranked.position) {
        r["position"] = *ex.ranked.position + 1;
        r["wins"] = ex.ranked.wins;
      } else {
        r["still_continuing"] = ex.ranked.still_continuing;
      }
      j["ranked"] = std::move(r);
      if (ex.ranked.position) j["turn"] = TurnJson(w, ex);
      break;
    }
  }
  return j;
}

}  // namespace

std::string ExplanationToJson(const engine::Election& election, const engine::ProjectExplanation& ex,
                              int indent) {
  return ExplanationJson(election, Writer(election), ex).dump(indent);
}

std::string ExplanationsToJson(const engine::Election& election, const engine::Explanations& all, int indent) {
  const Writer w(election);
  ordered_json j;
  j["rule"] = all.outcome.rule;
  j["tie_break"] = all.outcome.tie_break;
  ordered_json projects = ordered_json::array();
  for (const engine::ProjectExplanation& ex : all.projects) projects.push_back(ExplanationJson(election, w, ex));
  j["projects"] = std::move(projects);
  return j.dump(indent);
}

}  // namespace psephos::ballots
