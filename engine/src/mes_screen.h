// A first count of MES in doubles, for add1's many runs (internal).
//
// Each decision of MES (can the supporters afford a project, which of them
// are poor, which project has the least rho) is taken from doubles only when
// the doubles decide it by a margin wider than every rounding error that can
// have piled up; the exact count then decides the same, so the screened
// funded set is the exact count's. A decision too close to call (a tie
// between projects, a budget next to a price) ends the screen, and the exact
// count runs instead.
#pragma once

#include <optional>
#include <vector>

#include "mes_instance.h"

namespace psephos::engine::internal {

struct ScreenedOutcome {
  std::vector<ProjectIndex> selected;  // in the order funded
  Money total_cost = 0;
};

class MesScreen {
 public:
  MesScreen(const Election& election, const MesInstance& inst, const TieBreak& tie_break);

  // MES with every voter starting from voter_budget, or nullopt when a
  // decision was too close to call.
  std::optional<ScreenedOutcome> Run(const Rational& voter_budget);

 private:
  struct Estimate {
    enum class Kind { kUnaffordable, kWithin, kUnsure };
    Kind kind = Kind::kUnsure;
    double lo = 0;            // rho's bounds
    double hi = 0;
    double price = 0;         // q: budgets below it are poor
    double price_error = 0;   // |q - the exact q| at most
    std::int64_t rich = 0;    // supporters who pay q
    bool all_rich = false;    // nobody poor: rho = cost / (rich * u) exactly
  };
  Estimate EstimateRho(ProjectIndex p);
  void Pay(ProjectIndex p, const Estimate& estimate);

  const Election& election_;
  const MesInstance& inst_;
  const TieBreak& tie_break_;
  bool usable_ = true;                  // every candidate has one utility for all its supporters
  std::vector<double> initial_lo_;      // per project: a lower bound on its first rho
  std::vector<double> budget_;          // per voter
  double budget_error_ = 0;             // |a budget - its exact value| at most
  double start_ = 0;                    // the voters' starting budget
  std::vector<double> price_floor_;     // per project: its exact price is at least this
  std::vector<double> values_;          // scratch: a project's supporters' budgets
};

}  // namespace psephos::engine::internal
