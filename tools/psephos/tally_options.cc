#include "tally_options.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "psephos/ballots/official_rule.h"
#include "job_runner.h"
#include "psephos/ballots/pabulib.h"

namespace psephos::cli {
namespace {

// A whole number >= min, or an error naming the option.
Result<std::int64_t> WholeNumber(const std::string& option, const std::string& text, std::int64_t min) {
  std::int64_t n = 0;
  std::istringstream in(text);
  if (!(in >> n) || !in.eof() || n < min) {
    return Status::Invalid(option + " needs a whole number" + (min > 0 ? " of at least " + std::to_string(min) : "") +
                           ", got '" + text + "'");
  }
  return n;
}

Result<engine::TieBreak> MakeTieBreak(const engine::Election& election, const std::string& spec) {
  if (auto order = engine::ParseTieBreakOrder(spec); order.ok()) return engine::TieBreak::By(election, *order);
  if (spec.starts_with("order:")) {
    const std::string path = spec.substr(6);
    std::ifstream in(path);
    if (!in) return Status::Invalid("cannot open tie-break order file '" + path + "'");
    std::vector<std::string> ids;
    std::string line;
    while (std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
      const auto start = line.find_first_not_of(" \t");
      if (start == std::string::npos || line[start] == '#') continue;
      ids.push_back(line.substr(start));
    }
    auto tb = engine::TieBreak::Explicit(election, ids);
    if (!tb.ok()) return Status::Invalid(path + ": " + tb.status().message());
    return tb;
  }
  return Status::Invalid("--tie-break must be file, id, cost or order:FILE, got '" + spec + "'");
}

}  // namespace

Result<TallyArgs> ParseTallyArgs(const std::vector<std::string>& args, bool with_project) {
  TallyArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= args.size()) return Status::Invalid("option " + a + " needs a value");
      return args[++i];
    };
    if (a == "--rule" || a == "--tie-break" || a == "--format" || a == "--threshold" || a == "--seats" ||
        a == "--rank-points" || a == "--partial" || a == "--divisible" || a == "--reserve-share" ||
        a == "--comparison" || a == "--threads" || (with_project && a == "--project")) {
      auto v = value();
      if (!v.ok()) return v.status();
      if (a == "--rule") out.rule = *v;
      if (a == "--tie-break") out.tie_break = *v;
      if (a == "--format") out.format = *v;
      if (a == "--partial") out.partial_policy = *v;
      if (a == "--divisible") out.divisible = *v;
      if (a == "--project") out.project = *v;
      if (a == "--comparison") out.comparison = *v;
      if (a == "--reserve-share") {
        auto n = WholeNumber(a, *v, 0);
        if (!n.ok()) return n.status();
        if (*n > 100) return Status::Invalid("--reserve-share is a percentage from 0 to 100, got '" + *v + "'");
        out.reserve_share = *n;
      }
      if (a == "--threads") {
        auto n = WholeNumber(a, *v, 1);
        if (!n.ok()) return n.status();
        out.threads = static_cast<int>(std::min<std::int64_t>(*n, 64));
      }
      if (a == "--threshold") {
        auto n = WholeNumber(a, *v, 0);
        if (!n.ok()) return n.status();
        out.threshold = *n;
      }
      if (a == "--seats") {
        auto n = WholeNumber(a, *v, 1);
        if (!n.ok()) return n.status();
        out.seats = static_cast<int>(std::min<std::int64_t>(*n, 1 << 20));
      }
      if (a == "--rank-points") {
        std::istringstream list(*v);
        std::string item;
        while (std::getline(list, item, ',')) {
          auto n = WholeNumber(a, item, 0);
          if (!n.ok()) return n.status();
          out.rank_points.push_back(*n);
        }
      }
    } else if (a.starts_with("--")) {
      return Status::Invalid("unknown option " + a);
    } else if (out.file.empty()) {
      out.file = a;
    } else {
      return Status::Invalid("only one election file can be tallied at a time (got '" + out.file +
                             "' and '" + a + "')");
    }
  }
  if (out.file.empty()) return Status::Invalid("no election file given");
  if (out.rule.empty()) return Status::Invalid("no rule given (--rule RULE)");
  if (out.format != "text" && out.format != "json") {
    return Status::Invalid("--format must be text or json, got '" + out.format + "'");
  }
  return out;
}

Result<TallySetup> LoadTally(const TallyArgs& args) {
  auto election = ballots::ReadPabulibFile(args.file);
  if (!election.ok()) return election.status();
  return SetupTally(args, std::move(*election));
}

Result<TallySetup> SetupTally(const TallyArgs& args, engine::Election read) {
  engine::Election* election = &read;

  engine::RuleKind rule;
  engine::RuleOptions options;
  if (args.rule == "official") {
    auto official = ballots::ResolveOfficialRule(*election);
    if (!official.ok()) return Status::Invalid("--rule official: " + official.status().message());
    rule = official->rule;
    options = official->options;
  } else {
    auto parsed = engine::ParseRule(args.rule);
    if (!parsed.ok()) return parsed.status();
    rule = *parsed;
    if (rule == engine::RuleKind::kGreedyThreshold) {
      auto threshold = ballots::MetaThreshold(*election);
      if (!threshold.ok()) return threshold.status();
      options.min_score = *threshold;
    }
  }
  if (args.threshold) options.min_score = args.threshold;
  if (args.reserve_share) options.reserve_share = args.reserve_share;
  auto comparison = engine::ParseComparison(args.comparison);
  if (!comparison.ok()) return Status::Invalid("--comparison: " + comparison.status().message());
  if (*comparison != engine::Comparison::kNone) {
    if (rule != engine::RuleKind::kEqualSharesAdd1 && rule != engine::RuleKind::kEqualSharesAdd1u) {
      return Status::Invalid("--comparison is a step of equalshares-add1 and equalshares-add1u, not of " +
                             std::string(engine::RuleName(rule)));
    }
    options.comparison = *comparison;
  }
  if (args.reserve_share && rule != engine::RuleKind::kGreedyReserve) {
    return Status::Invalid("--reserve-share is an option of greedy-reserve, not of " + std::string(engine::RuleName(rule)));
  }
  if (args.seats) options.seats = args.seats;
  // Same outcome with any number of threads; a command-line count may use every core.
  options.threads = args.threads > 0 ? args.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.run_jobs = ThreadRunner();
  if (!args.rank_points.empty()) options.rank_points = args.rank_points;
  auto policy = engine::ParsePartialPolicy(args.partial_policy);
  if (!policy.ok()) return policy.status();
  options.partial_policy = *policy;
  if (args.divisible == "all") {
    options.partial_funding.assign(election->projects.size(), true);
  } else if (args.divisible == "column") {
    options.partial_funding = ballots::PartialFundingColumn(*election);
  } else if (args.divisible != "none") {
    return Status::Invalid("--divisible must be column, all or none, got '" + args.divisible + "'");
  }

  // Cities break ties by their published ranking, the file's project order.
  const std::string tie_spec = !args.tie_break.empty() ? args.tie_break : args.rule == "official" ? "file" : "id";
  auto tie_break = MakeTieBreak(*election, tie_spec);
  if (!tie_break.ok()) return tie_break.status();
  return TallySetup{std::move(*election), rule, std::move(options), std::move(*tie_break)};
}

}  // namespace psephos::cli
