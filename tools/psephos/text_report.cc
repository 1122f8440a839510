#include "text_report.h"

#include <cstdio>
#include <sstream>

#include "psephos/ballots/pabulib.h"

namespace psephos::cli {
namespace {

std::string Approx(const engine::Rational& value, bool infinite) {
  if (infinite) return "inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", engine::ToDouble(value));
  return buf;
}

std::string Pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// Scores in currency units, for reading only.
engine::Rational ToCurrency(engine::Rational v, int power, int scale) {
  for (int i = 0; i < scale; ++i) {
    if (power > 0) v /= 10;
    if (power < 0) v *= 10;
  }
  return v;
}

}  // namespace

std::string TextReport(const engine::Election& election, const engine::Outcome& outcome) {
  const int scale = election.money_scale;
  auto money = [&](engine::Money m) { return ballots::FormatMoney(m, scale); };
  std::ostringstream out;
  if (const std::string* d = election.Meta("description")) out << *d << "\n";
  out << "rule: " << outcome.rule << "    tie-break: " << outcome.tie_break
      << "    ballots: " << election.profile.size() << "\n";
  out << "budget: " << money(outcome.budget) << "    spent: " << money(outcome.total_cost)
      << "    funded: " << outcome.selected.size() << " of " << election.projects.size()
      << " projects\n";
  if (outcome.reserve_used > 0) {
    out << "from the reserve: " << money(outcome.reserve_used) << " (beyond the budget)\n";
  }
  if (outcome.comparison) {
    const auto& c = *outcome.comparison;
    out << "comparison (" << c.by << "): " << c.prefer_rule << " voters prefer the rule's outcome, "
        << c.prefer_greedy << " greedy by votes; kept: " << (c.kept_greedy ? "greedy by votes" : "the rule's")
        << "\n";
  }
  if (outcome.iterations > 0) {
    out << "budget per voter: " << Approx(ToCurrency(outcome.voter_budget, 1, scale), false)
        << " (runs: " << outcome.iterations << ")\n";
  }
  out << "\nfunded, in order:\n";
  for (std::size_t i = 0; i < outcome.selected.size(); ++i) {
    const auto p = outcome.selected[i];
    const engine::Money cost = election.projects[p].cost;
    std::string amount = money(cost);
    if (!outcome.amounts.empty() && outcome.amounts[i] != cost) amount = money(outcome.amounts[i]) + " of " + amount;
    out << "  " << Pad(election.projects[p].id, 14) << " " << Pad(amount, 14);
    if (const std::string* name = election.projects[p].Attribute("name")) out << " " << *name;
    out << "\n";
  }
  const bool mes = outcome.criterion == "rho";
  out << "\nrounds (" << outcome.criterion << "):\n";
  out << "  " << Pad("#", 5) << Pad("project", 16) << Pad("decision", 20) << Pad(outcome.criterion, 14)
      << Pad("supporters", 12) << (mes ? Pad("price", 14) : "") << "budget left\n";
  for (std::size_t i = 0; i < outcome.rounds.size(); ++i) {
    const auto& r = outcome.rounds[i];
    if (outcome.completion_from && i == *outcome.completion_from) {
      out << "  utilitarian completion (votes, skipping what does not fit):\n";
    }
    out << "  " << Pad(std::to_string(i + 1), 5) << Pad(election.projects[r.project].id, 16)
        << Pad(engine::DecisionName(r.decision), 20)
        << Pad(Approx(ToCurrency(r.score, outcome.score_money_power, scale), r.score_infinite), 14)
        << Pad(std::to_string(r.supporters), 12)
        << (mes ? Pad(Approx(ToCurrency(r.price, 1, scale), false), 14) : "") << money(r.budget_left)
        << "\n";
  }
  if (!outcome.ties.empty()) {
    out << "\nties broken (" << outcome.tie_break << "):\n";
    for (const auto& tie : outcome.ties) {
      out << "  round " << tie.round + 1 << ":";
      for (auto p : tie.tied) out << " " << election.projects[p].id;
      out << " -> " << election.projects[tie.winner].id << " first\n";
    }
  }
  return out.str();
}

std::string GroupDigits(const std::string& text) {
  const std::size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
  std::size_t end = text.find('.');
  if (end == std::string::npos) end = text.size();
  std::string out = text.substr(0, start);
  for (std::size_t i = start; i < end; ++i) {
    if (i > start && (end - i) % 3 == 0) out += ',';
    out += text[i];
  }
  return out + text.substr(end);
}

}  // namespace psephos::cli
