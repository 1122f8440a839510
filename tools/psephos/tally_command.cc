// psephos tally: count one election with one rule.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.h"
#include "psephos/ballots/official_rule.h"
#include "psephos/ballots/outcome_json.h"
#include "psephos/ballots/pabulib.h"
#include "psephos/engine/rules.h"
#include "text_report.h"

namespace psephos::cli {
namespace {

struct TallyArgs {
  std::string file;
  std::string rule;
  std::string tie_break = "id";
  std::string format = "text";
  std::optional<std::int64_t> threshold;
  std::optional<int> seats;
  std::vector<std::int64_t> rank_points;
  std::string partial_policy = "increasing";
  std::string divisible = "column";
};

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

Result<TallyArgs> ParseArgs(const std::vector<std::string>& args) {
  TallyArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= args.size()) return Status::Invalid("option " + a + " needs a value");
      return args[++i];
    };
    if (a == "--rule" || a == "--tie-break" || a == "--format" || a == "--threshold" || a == "--seats" ||
        a == "--rank-points" || a == "--partial" || a == "--divisible") {
      auto v = value();
      if (!v.ok()) return v.status();
      if (a == "--rule") out.rule = *v;
      if (a == "--tie-break") out.tie_break = *v;
      if (a == "--format") out.format = *v;
      if (a == "--partial") out.partial_policy = *v;
      if (a == "--divisible") out.divisible = *v;
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

Result<engine::TieBreak> MakeTieBreak(const engine::Election& election, const std::string& spec) {
  if (spec == "id") return engine::TieBreak::ById(election);
  if (spec == "cost") return engine::TieBreak::ByCost(election);
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
  return Status::Invalid("--tie-break must be id, cost or order:FILE, got '" + spec + "'");
}

}  // namespace

int TallyCommand(const std::vector<std::string>& raw_args) {
  auto fail = [](const Status& s) {
    std::cerr << "psephos tally: " << s.message() << "\n";
    return kExitBadInput;
  };
  auto args = ParseArgs(raw_args);
  if (!args.ok()) return fail(args.status());
  auto election = ballots::ReadPabulibFile(args->file);
  if (!election.ok()) return fail(election.status());

  engine::RuleKind rule;
  engine::RuleOptions options;
  if (args->rule == "official") {
    auto official = ballots::ResolveOfficialRule(*election);
    if (!official.ok()) return fail(Status::Invalid("--rule official: " + official.status().message()));
    rule = official->rule;
    options = official->options;
  } else {
    auto parsed = engine::ParseRule(args->rule);
    if (!parsed.ok()) return fail(parsed.status());
    rule = *parsed;
    if (rule == engine::RuleKind::kGreedyThreshold) {
      auto threshold = ballots::MetaThreshold(*election);
      if (!threshold.ok()) return fail(threshold.status());
      options.min_score = *threshold;
    }
  }
  if (args->threshold) options.min_score = args->threshold;
  if (args->seats) options.seats = args->seats;
  if (!args->rank_points.empty()) options.rank_points = args->rank_points;
  auto policy = engine::ParsePartialPolicy(args->partial_policy);
  if (!policy.ok()) return fail(policy.status());
  options.partial_policy = *policy;
  if (args->divisible == "all") {
    options.partial_funding.assign(election->projects.size(), true);
  } else if (args->divisible == "column") {
    options.partial_funding = ballots::PartialFundingColumn(*election);
  } else if (args->divisible != "none") {
    return fail(Status::Invalid("--divisible must be column, all or none, got '" + args->divisible + "'"));
  }

  auto tie_break = MakeTieBreak(*election, args->tie_break);
  if (!tie_break.ok()) return fail(tie_break.status());
  auto outcome = engine::Tally(*election, rule, *tie_break, options);
  if (!outcome.ok()) return fail(outcome.status());
  if (args->format == "json") {
    std::cout << ballots::OutcomeToJson(*election, *outcome) << "\n";
  } else {
    std::cout << TextReport(*election, *outcome);
  }
  return kExitOk;
}

}  // namespace psephos::cli
