// Prints parse time and, per rule, the time of a tally and of explaining every
// project from one count (ExplainAll), on pabulib files. A benchmark, not a test.
//
//   psephos_bench [--reps N] [--rule RULE]... FILE.pb...
//
// Each figure is the median of N runs (mes-add1: of at most 3), in milliseconds
// of wall-clock time and, in brackets, of CPU time (on a shared machine the
// steadier of the two). --rule: only those rules (default: every rule).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "psephos/ballots/pabulib.h"
#include "median.h"
#include "../psephos/job_runner.h"
#include "psephos/engine/explain.h"
#include "psephos/engine/rules.h"

namespace {


using psephos::bench::Measure;
using psephos::bench::MedianMs;

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  std::vector<std::string> files;
  std::vector<std::string> rules;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--rule" && i + 1 < argc) {
      rules.emplace_back(argv[++i]);
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: psephos_bench [--reps N] [--rule RULE]... FILE.pb...\n");
    return 2;
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot open %s\n", file.c_str());
      return 2;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    psephos::Result<psephos::engine::Election> election = psephos::Status::Invalid("not parsed");
    const double parse_ms = MedianMs(reps, [&] { election = psephos::ballots::ParsePabulib(text, file); });
    if (!election.ok()) {
      std::fprintf(stderr, "%s\n", election.status().message().c_str());
      return 2;
    }
    std::printf("%s: %zu voters, %zu projects, %zu approvals\n", file.c_str(),
                election->profile.size(), election->projects.size(), election->profile.total_entries());
    std::printf("  %-18s %10.2f ms\n", "parse", parse_ms);
    const auto tie_break = psephos::engine::TieBreak::ById(*election);
    for (const auto& name : psephos::engine::RuleNames()) {
      if (!rules.empty() && std::find(rules.begin(), rules.end(), name) == rules.end()) continue;
      const auto rule = *psephos::engine::ParseRule(name);
      psephos::engine::RuleOptions options;
      if (rule == psephos::engine::RuleKind::kGreedyThreshold) options.min_score = 100;
      if (rule == psephos::engine::RuleKind::kGreedyReserve) options.reserve_share = 80;  // Poznań's
      const bool iterated = rule == psephos::engine::RuleKind::kMesAdd1 ||
                            rule == psephos::engine::RuleKind::kEqualSharesAdd1 ||
                            rule == psephos::engine::RuleKind::kEqualSharesAdd1u;
      const int rule_reps = iterated ? std::min(reps, 3) : reps;
      std::size_t funded = 0;
      const psephos::bench::Timing tally = Measure(rule_reps, [&] {
        auto out = psephos::engine::Tally(*election, rule, tie_break, options);
        funded = out.ok() ? out->selected.size() : 0;
      });
      const double ms = tally.wall_ms;
      bool explained = false;
      const psephos::bench::Timing explain = Measure(rule_reps, [&] {
        explained = psephos::engine::ExplainAll(*election, rule, tie_break, options).ok();
      });
      if (!explained) {
        std::printf("  %-18s %10.2f ms [%8.2f]   (%zu funded)\n", name.c_str(), ms, tally.cpu_ms, funded);
        continue;
      }
      std::printf("  %-18s %10.2f ms [%8.2f]   (%zu funded)   explain-all %10.2f ms [%8.2f] (%.1fx [%.1fx])\n",
                  name.c_str(), ms, tally.cpu_ms, funded, explain.wall_ms, explain.cpu_ms,
                  ms > 0 ? explain.wall_ms / ms : 0.0, tally.cpu_ms > 0 ? explain.cpu_ms / tally.cpu_ms : 0.0);
      const int cores = static_cast<int>(std::thread::hardware_concurrency());
      if (iterated && cores > 1) {
        // The command line's default: one run per core at once (the server counts with one thread).
        options.threads = cores;
        options.run_jobs = psephos::cli::ThreadRunner();
        const psephos::bench::Timing parallel =
            Measure(rule_reps, [&] { (void)psephos::engine::Tally(*election, rule, tie_break, options); });
        std::printf("  %-18s %10.2f ms [%8.2f]   (%d threads)\n", "", parallel.wall_ms, parallel.cpu_ms, cores);
      }
    }
  }
  return 0;
}
