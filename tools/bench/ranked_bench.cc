// Times the ranked-ballot rules on synthetic ballots. A benchmark, not a test.
//
//   psephos_ranked_bench [--ballots N] [--projects M] [--reps R] [--seed S]
//
// Ballots are random permutation prefixes of uniform length 1..M over M
// projects of cost 1 (budget 5). Each figure is the median of R runs, in ms,
// of the rule alone (not the generation).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "median.h"
#include "psephos/engine/rules.h"

namespace {

namespace engine = psephos::engine;

using psephos::bench::MedianMs;

engine::Election MakeElection(std::size_t ballots, std::size_t projects, std::uint32_t seed) {
  engine::Election e;
  e.ballot_type = engine::BallotType::kOrdinal;
  e.budget = 5;
  for (std::size_t p = 0; p < projects; ++p) {
    engine::Project project;
    project.id = "p";
    project.id += std::to_string(p);  // not "p" + ...: GCC 12 warns falsely (-Wrestrict)
    project.cost = 1;
    e.projects.push_back(std::move(project));
  }
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> length(1, projects);
  std::vector<engine::ProjectIndex> order(projects);
  e.profile.Reserve(ballots, ballots * (projects + 1) / 2);
  for (std::size_t b = 0; b < ballots; ++b) {
    std::iota(order.begin(), order.end(), engine::ProjectIndex{0});
    std::shuffle(order.begin(), order.end(), rng);
    e.profile.Add(std::span<const engine::ProjectIndex>(order.data(), length(rng)));
  }
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t ballots = 1000000;
  std::size_t projects = 20;
  int reps = 5;
  std::uint32_t seed = 42;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const long v = std::atol(argv[i + 1]);
    if (a == "--ballots") {
      ballots = static_cast<std::size_t>(std::max(1L, v));
    } else if (a == "--projects") {
      projects = static_cast<std::size_t>(std::max(1L, v));
    } else if (a == "--reps") {
      reps = static_cast<int>(std::max(1L, v));
    } else if (a == "--seed") {
      seed = static_cast<std::uint32_t>(v);
    } else {
      std::fprintf(stderr, "usage: psephos_ranked_bench [--ballots N] [--projects M]"
                           " [--reps R] [--seed S]\n");
      return 2;
    }
  }
  const engine::Election e = MakeElection(ballots, projects, seed);
  const auto tie_break = engine::TieBreak::ById(e);
  std::printf("%zu ordinal ballots, %zu projects, %zu entries; median of %d runs\n",
              e.profile.size(), e.projects.size(), e.profile.total_entries(), reps);

  engine::Outcome out;
  auto report = [&](const char* name, double ms) {
    std::string ids;
    for (auto p : out.selected) ids += (ids.empty() ? "" : " ") + e.projects[p].id;
    std::printf("  %-12s %9.2f ms   (%zu rounds; selected: %s)\n", name, ms, out.rounds.size(),
                ids.c_str());
  };
  engine::RuleOptions stv;
  stv.seats = 5;
  report("irv", MedianMs(reps, [&] { out = *engine::Tally(e, engine::RuleKind::kIrv, tie_break); }));
  report("stv-5", MedianMs(reps, [&] { out = *engine::Tally(e, engine::RuleKind::kStv, tie_break, stv); }));
  report("schulze", MedianMs(reps, [&] { out = *engine::Tally(e, engine::RuleKind::kSchulze, tie_break); }));
  return 0;
}
