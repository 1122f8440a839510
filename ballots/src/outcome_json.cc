#include "psephos/ballots/outcome_json.h"

#include <nlohmann/json.hpp>

#include "comparison_json.h"

namespace psephos::ballots {
namespace {

using nlohmann::ordered_json;

// Whole amounts stay integers; amounts with cents become decimal numbers.
ordered_json MoneyJson(engine::Money amount, int scale) {
  if (scale == 0) return amount;
  double unit = 1;
  for (int i = 0; i < scale; ++i) unit *= 10;
  return static_cast<double>(amount) / unit;
}

// Converts a value in Money's scaled units, of the given money dimension, to currency units.
engine::Rational InCurrency(const engine::Rational& value, int money_power, int scale) {
  mpz_class unit;
  mpz_ui_pow_ui(unit.get_mpz_t(), 10, static_cast<unsigned long>(scale));
  engine::Rational out = value;
  if (money_power > 0) out /= unit;
  if (money_power < 0) out *= unit;
  return out;
}

void PutExact(ordered_json& o, const char* key, const engine::Rational& value, bool infinite) {
  o[key] = infinite ? ordered_json("inf") : ordered_json(engine::ToString(value));
  o[std::string(key) + "_approx"] = infinite ? ordered_json(nullptr) : ordered_json(engine::ToDouble(value));
}

}  // namespace

std::string OutcomeToJson(const engine::Election& election, const engine::Outcome& outcome,
                          int indent) {
  const int scale = election.money_scale;
  auto id = [&](engine::ProjectIndex p) { return election.projects[p].id; };
  ordered_json j;
  j["rule"] = outcome.rule;
  j["tie_break"] = outcome.tie_break;
  j["criterion"] = outcome.criterion;
  j["budget"] = MoneyJson(outcome.budget, scale);
  j["total_cost"] = MoneyJson(outcome.total_cost, scale);
  ordered_json selected = ordered_json::array();
  for (auto p : outcome.selected) selected.push_back(id(p));
  j["selected"] = std::move(selected);
  if (!outcome.amounts.empty()) {
    ordered_json amounts = ordered_json::array();
    for (engine::Money m : outcome.amounts) amounts.push_back(MoneyJson(m, scale));
    j["amounts"] = std::move(amounts);
  }
  if (!outcome.ranking.empty()) {
    ordered_json ranking = ordered_json::array();
    for (auto p : outcome.ranking) ranking.push_back(id(p));
    j["ranking"] = std::move(ranking);
  }
  if (outcome.iterations > 0) {
    PutExact(j, "voter_budget", InCurrency(outcome.voter_budget, 1, scale), false);
    j["iterations"] = outcome.iterations;
  }
  if (outcome.reserve_used > 0) j["reserve_used"] = MoneyJson(outcome.reserve_used, scale);
  if (outcome.completion_from) j["completion_from_round"] = *outcome.completion_from + 1;
  if (outcome.comparison) j["comparison"] = ComparisonJson(*outcome.comparison);
  ordered_json ties = ordered_json::array();
  for (const auto& tie : outcome.ties) {
    ordered_json t;
    t["round"] = tie.round + 1;
    ordered_json tied = ordered_json::array();
    for (auto p : tie.tied) tied.push_back(id(p));
    t["tied"] = std::move(tied);
    t["winner"] = id(tie.winner);
    ties.push_back(std::move(t));
  }
  j["ties"] = std::move(ties);
  ordered_json rounds = ordered_json::array();
  for (std::size_t i = 0; i < outcome.rounds.size(); ++i) {
    const auto& r = outcome.rounds[i];
    ordered_json o;
    o["round"] = i + 1;
    o["project"] = id(r.project);
    o["decision"] = engine::DecisionName(r.decision);
    o["cost"] = MoneyJson(election.projects[r.project].cost, scale);
    o["supporters"] = r.supporters;
    PutExact(o, "score", InCurrency(r.score, outcome.score_money_power, scale), r.score_infinite);
    // equalshares-add1u: the completion's rounds go by votes; nobody pays a price.
    const bool completion = outcome.completion_from && i >= *outcome.completion_from;
    if (completion) o["completion"] = true;
    if (outcome.criterion == "rho" && !completion) PutExact(o, "price", InCurrency(r.price, 1, scale), false);
    o["budget_left"] = MoneyJson(r.budget_left, scale);
    rounds.push_back(std::move(o));
  }
  j["rounds"] = std::move(rounds);
  return j.dump(indent);
}

}  // namespace psephos::ballots
