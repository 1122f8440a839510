// Times `psephos report` with two rules: both tallies, effective support, the
// voter figures and the comparison (the file is parsed once, timed apart).
// A benchmark, not a test.
//
//   psephos_report_bench [--reps N] FILE.pb RULE RULE2
//
// RULE may be `official` (the file's META rule). Figures are medians in ms.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "median.h"
#include "psephos/ballots/official_rule.h"
#include "psephos/ballots/pabulib.h"
#include "psephos/engine/report.h"

namespace {

using namespace psephos;

struct Setup {
  engine::RuleKind rule;
  engine::RuleOptions options;
};

Result<Setup> Resolve(const engine::Election& e, const std::string& name) {
  if (name == "official") {
    auto official = ballots::ResolveOfficialRule(e);
    if (!official.ok()) return official.status();
    return Setup{official->rule, official->options};
  }
  auto rule = engine::ParseRule(name);
  if (!rule.ok()) return rule.status();
  Setup s{*rule, {}};
  if (*rule == engine::RuleKind::kGreedyThreshold) {
    auto threshold = ballots::MetaThreshold(e);
    if (threshold.ok()) s.options.min_score = *threshold;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else {
      args.push_back(a);
    }
  }
  if (args.size() != 3) {
    std::fprintf(stderr, "usage: psephos_report_bench [--reps N] FILE.pb RULE RULE2\n");
    return 2;
  }
  std::ifstream in(args[0], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", args[0].c_str());
    return 2;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  Result<engine::Election> election = Status::Invalid("not parsed");
  const double parse_ms = bench::MedianMs(reps, [&] { election = ballots::ParsePabulib(text, args[0]); });
  if (!election.ok()) {
    std::fprintf(stderr, "%s\n", election.status().message().c_str());
    return 2;
  }
  auto first = Resolve(*election, args[1]);
  auto second = Resolve(*election, args[2]);
  if (!first.ok() || !second.ok()) {
    std::fprintf(stderr, "%s\n", (!first.ok() ? first : second).status().message().c_str());
    return 2;
  }
  const auto tie_break = engine::TieBreak::ByFile(*election);
  bool ok = true;
  std::int64_t better = 0;
  const double report_ms = bench::MedianMs(reps, [&] {
    auto a = engine::ReportRule(*election, first->rule, tie_break, first->options, "");
    auto b = engine::ReportRule(*election, second->rule, tie_break, second->options, "");
    ok = a.ok() && b.ok();
    if (ok) better = engine::CompareOutcomes(*election, *a, *b).better_first_by_count;
  });
  if (!ok) {
    std::fprintf(stderr, "a rule failed on %s\n", args[0].c_str());
    return 2;
  }
  std::printf("%s: %zu voters, %zu projects\n", args[0].c_str(), election->profile.size(),
              election->projects.size());
  std::printf("  %-30s %10.2f ms\n", "parse", parse_ms);
  for (std::size_t i = 1; i <= 2; ++i) {
    const Setup& s = i == 1 ? *first : *second;
    const double ms = bench::MedianMs(reps, [&] { (void)engine::Tally(*election, s.rule, tie_break, s.options); });
    std::printf("  %-30s %10.2f ms\n", ("tally " + args[i] + " alone").c_str(), ms);
  }
  std::printf("  %-30s %10.2f ms   (%lld voters better off under %s)\n",
              ("report " + args[1] + " vs " + args[2]).c_str(), report_ms, static_cast<long long>(better),
              args[1].c_str());
  return 0;
}
