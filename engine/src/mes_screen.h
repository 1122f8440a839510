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

#include <cstdint>
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
  // Eight budgets of a voter's class fill one 64-byte cache line.
  static constexpr std::size_t kMaxLanes = 8;

  MesScreen(const Election& election, const MesInstance& inst, const TieBreak& tie_break);

  // MES with every voter starting from voter_budget, or nullopt when a
  // decision was too close to call.
  std::optional<ScreenedOutcome> Run(const Rational& voter_budget);

  // The same for up to kMaxLanes budgets at once, each run as Run would
  // (answers in order). Voters who approve the same funded projects hold the
  // same budget in every run that funded the same ones: they share a budget
  // class, and a class holds one budget per lane. Successive budgets mostly
  // fund the same projects, so the lanes share one partition of the voters
  // into classes (refined by every project any lane funds), and a project's
  // supporters are counted per class once per partition, for every lane.
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
    ScreenedOutcome out;
  };
  // Supporters of a project in one class.
  struct Group {
    std::uint32_t cls;
    std::uint32_t count;
  };

  static constexpr std::size_t kNever = static_cast<std::size_t>(-1);

  // Lane l's winner this round, or nullopt when it is done or unsure (state).
  std::optional<ProjectIndex> Choose(std::size_t l, std::size_t round);
  // p's supporters per class, counted once per partition.
  const std::vector<Group>& Groups(ProjectIndex p);
  // Estimates p for lane l and every other running lane that still has p
  // and no estimate of it this round: a class's budgets in every lane fill
  // one cache line, and each pass over p's classes serves every lane at
  // once (one vector of eight doubles per class).
  void EstimateLanes(std::size_t l, ProjectIndex p, std::size_t round);
  // Parts every class between w's supporters and the rest.
  void Refine(ProjectIndex w);
  std::uint32_t NewClass(std::uint32_t from, std::uint32_t size);

  const Election& election_;
  const MesInstance& inst_;
  const TieBreak& tie_break_;
  bool usable_ = true;                  // every candidate has one utility for all its supporters
  std::vector<double> initial_lo_;      // per project: a lower bound on its first rho
  std::size_t lanes_ = 1;
  std::vector<Lane> lane_;
  std::vector<std::uint32_t> class_of_;    // per voter
  std::vector<double> budget_;             // per class, kMaxLanes budgets side by side (unused lanes 0)
  std::vector<std::uint32_t> class_size_;  // voters per class
  std::size_t classes_ = 0;
  std::vector<bool> refined_;              // per project: its supporters alone fill their classes
  std::uint64_t version_ = 0;              // of the partition: one more at each change
  std::vector<std::vector<Group>> groups_;     // per project: its supporters per class...
  std::vector<std::uint64_t> groups_version_;  // ...in this version of the partition
  std::vector<std::uint32_t> count_;       // scratch per class, zero between uses
  std::vector<std::uint32_t> next_;        // scratch per class for Refine
  std::vector<std::uint32_t> touched_;     // scratch
  // Scratch of EstimateLanes: the budgets of a project's classes (kMaxLanes
  // per class) and the voters in each.
  std::vector<double> rows_;
  std::vector<double> weights_;
};

}  // namespace psephos::engine::internal
