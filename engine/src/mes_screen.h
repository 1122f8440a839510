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
  static constexpr std::size_t kMaxLanes = 2;

  MesScreen(const Election& election, const MesInstance& inst, const TieBreak& tie_break);

  // MES with every voter starting from voter_budget, or nullopt when a
  // decision was too close to call.
  std::optional<ScreenedOutcome> Run(const Rational& voter_budget);

  // The same for up to kMaxLanes budgets at once, each run as Run would
  // (answers in order). Successive budgets mostly estimate the same projects
  // and fund the same ones: their budgets sit side by side per voter, so one
  // fetch of a supporter's budgets serves every lane.
  std::vector<std::optional<ScreenedOutcome>> RunLanes(const std::vector<Rational>& voter_budgets);

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
  // One budget's run.
  struct Lane {
    enum class State { kRunning, kDone, kUnsure };
    State state = State::kRunning;
    double start = 0;                  // the voters' starting budget
    double budget_error = 0;           // |a budget - its exact value| at most
    std::vector<double> price_floor;   // per project: its exact price is at least this
    std::vector<double> lo;            // per project: a lower bound on its rho
    std::vector<Estimate> estimate;    // per project: its latest estimate...
    std::vector<std::size_t> stamp;    // ...made in this round (kNever: none)
    std::vector<bool> gone;            // per project: funded, excluded or unaffordable
    std::vector<ProjectIndex> remaining;
    std::vector<ProjectIndex> evaluated;
    std::vector<ProjectIndex> contenders;
    std::vector<double> values;        // scratch: a project's supporters' budgets,
    std::size_t kept = 0;              // the first `kept` of them, those with money
    ScreenedOutcome out;
  };
  static constexpr std::size_t kNever = static_cast<std::size_t>(-1);

  // Lane l's winner this round, or nullopt when it is done or unsure (state).
  std::optional<ProjectIndex> Choose(std::size_t l, std::size_t round);
  // Gathers p's supporters' budgets for lane l and every other running lane
  // that still has p and no estimate of it this round, and estimates each.
  void EstimateLanes(std::size_t l, ProjectIndex p, std::size_t round);
  Estimate EstimateRho(Lane& lane, ProjectIndex p);
  void Fund(Lane& lane, ProjectIndex p);

  const Election& election_;
  const MesInstance& inst_;
  const TieBreak& tie_break_;
  bool usable_ = true;                  // every candidate has one utility for all its supporters
  std::vector<double> initial_lo_;      // per project: a lower bound on its first rho
  std::size_t lanes_ = 1;
  std::vector<double> budget_;          // per voter, its lanes' budgets side by side
  std::vector<Lane> lane_;
};

}  // namespace psephos::engine::internal
