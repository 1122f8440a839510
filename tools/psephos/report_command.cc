// psephos report: who got what under one rule, or two side by side.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.h"
#include "psephos/ballots/pabulib.h"
#include "psephos/ballots/report_json.h"
#include "psephos/engine/report.h"
#include "report_map.h"
#include "tally_options.h"
#include "text_report.h"

namespace psephos::cli {
namespace {

using engine::OutcomeReport;

struct ReportArgs {
  TallyArgs tally;
  std::string compare;  // a second rule, or empty
  std::string by;       // a voter column, or empty
  std::string map;      // an SVG file to write, or empty
};

Result<ReportArgs> ParseReportArgs(const std::vector<std::string>& args) {
  ReportArgs out;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--compare" || a == "--by" || a == "--map") {
      if (i + 1 >= args.size()) return Status::Invalid("option " + a + " needs a value");
      const std::string& v = args[++i];
      (a == "--compare" ? out.compare : a == "--by" ? out.by : out.map) = v;
    } else {
      rest.push_back(a);
    }
  }
  auto tally = ParseTallyArgs(rest);
  if (!tally.ok()) return tally.status();
  out.tally = std::move(*tally);
  return out;
}

std::string Percent(std::int64_t part, std::int64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string Percent(const engine::Rational& share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * engine::ToDouble(share));
  return buf;
}

std::string Decimal(const engine::Rational& value, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, engine::ToDouble(value));
  return buf;
}

std::string Count(std::int64_t n) { return GroupDigits(std::to_string(n)); }

class Table {
 public:
  void Row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string Str() const {
    std::vector<std::size_t> width;
    for (const auto& row : rows_) {
      for (std::size_t c = 0; c < row.size(); ++c) {
        if (width.size() <= c) width.push_back(0);
        width[c] = std::max(width[c], Length(row[c]));
      }
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line;
      for (std::size_t c = 0; c < row.size(); ++c) {
        line += row[c];
        if (c + 1 < row.size()) line += std::string(width[c] - Length(row[c]) + 2, ' ');
      }
      out += line + "\n";
    }
    return out;
  }

 private:
  // Characters on screen: UTF-8 continuation bytes do not count.
  static std::size_t Length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
  }
  std::vector<std::vector<std::string>> rows_;
};

void VoterRows(Table& t, const std::string& prefix, const std::vector<OutcomeReport>& reports,
               const engine::VoterFigures OutcomeReport::*which, const std::string& currency, int scale) {
  auto row = [&](const std::string& label, auto cell) {
    std::vector<std::string> cells{prefix + label};
    for (const OutcomeReport& r : reports) cells.push_back(cell(r.*which));
    t.Row(std::move(cells));
  };
  row("voters", [](const engine::VoterFigures& v) { return Count(v.voters); });
  row("none of their projects funded",
      [](const engine::VoterFigures& v) { return Percent(v.nothing_funded, v.voters) + " (" + Count(v.nothing_funded) + ")"; });
  row("funded projects per voter, average",
      [](const engine::VoterFigures& v) { return Decimal(v.average_funded); });
  row("their cost per voter, average", [&](const engine::VoterFigures& v) {
    engine::Rational units = v.average_funded_cost;
    for (int i = 0; i < scale; ++i) units /= 10;
    return GroupDigits(Decimal(units, 0)) + currency;
  });
  std::size_t longest = 0;
  for (const OutcomeReport& r : reports) longest = std::max(longest, (r.*which).distribution.size());
  // Rows 0 to 4, then the rest together (JSON has every count).
  constexpr std::size_t kRows = 5;
  for (std::size_t k = 0; k < std::min(longest, kRows + 1); ++k) {
    const bool rest = k == kRows && longest > kRows + 1;
    row("with " + std::to_string(k) + (rest ? " or more" : "") + " funded", [&](const engine::VoterFigures& v) {
      std::int64_t n = 0;
      for (std::size_t i = k; i < (rest ? v.distribution.size() : std::min(k + 1, v.distribution.size())); ++i) {
        n += v.distribution[i];
      }
      return Percent(n, v.voters) + " (" + Count(n) + ")";
    });
  }
}

std::string ReportText(const engine::Election& election, const std::vector<OutcomeReport>& reports,
                       const std::optional<engine::ComparisonReport>& comparison) {
  const int scale = election.money_scale;
  std::string currency;
  if (const std::string* c = election.Meta("currency")) currency = " " + *c;
  auto money = [&](engine::Money m) { return GroupDigits(ballots::FormatMoney(m, scale)) + currency; };
  auto id = [&](engine::ProjectIndex p) { return election.projects[p].id; };
  std::ostringstream out;
  if (const std::string* d = election.Meta("description")) out << *d << "\n";
  out << "budget: " << money(election.budget) << "    ballots: " << Count(static_cast<std::int64_t>(election.profile.size()))
      << "\n\n";

  Table t;
  std::vector<std::string> head{""};
  for (const OutcomeReport& r : reports) head.push_back(r.rule);
  t.Row(head);
  std::vector<std::string> spent{"money spent"}, left{"money left"}, funded{"projects funded"};
  for (const OutcomeReport& r : reports) {
    spent.push_back(money(r.spent));
    left.push_back(money(r.left));
    std::int64_t n = 0;
    for (const auto& f : r.projects) n += f.funded ? 1 : 0;
    funded.push_back(Count(n));
  }
  t.Row(spent);
  t.Row(left);
  t.Row(funded);
  t.Row({"All voters"});
  VoterRows(t, "  ", reports, &OutcomeReport::all, currency, scale);
  t.Row({"Voters who chose two or more projects"});
  VoterRows(t, "  ", reports, &OutcomeReport::two_or_more, currency, scale);
  out << t.Str();

  if (comparison) {
    const engine::ComparisonReport& c = *comparison;
    const std::string& a = reports[0].rule;
    const std::string& b = reports[1].rule;
    auto list = [&](const std::vector<engine::ProjectIndex>& ps) {
      std::string s;
      for (auto p : ps) s += (s.empty() ? "" : ", ") + id(p);
      return s.empty() ? std::string("none") : s;
    };
    out << "\nComparison\n";
    auto only = [&](const std::string& rule, const std::vector<engine::ProjectIndex>& ps, std::int64_t votes) {
      out << "  only " << rule << " funds " << ps.size() << (ps.size() == 1 ? " project with " : " projects with ")
          << Count(votes) << (votes == 1 ? " vote: " : " votes: ") << list(ps) << "\n";
    };
    only(a, c.only_first, c.only_first_votes);
    only(b, c.only_second, c.only_second_votes);
    out << "  more of their projects funded: " << Percent(c.better_first_by_count, c.voters) << " of voters under "
        << a << ", " << Percent(c.better_second_by_count, c.voters) << " under " << b << "\n";
    out << "  something funded where the other funds nothing: " << Percent(c.better_first_by_exclusion, c.voters)
        << " under " << a << ", " << Percent(c.better_second_by_exclusion, c.voters) << " under " << b << "\n";
  }

  out << "\nProjects (effective support: equal shares, what its supporters held when it was funded or\n"
         "dropped out over its cost; greedy, its votes over the votes it needed)\n";
  Table p;
  std::vector<std::string> ph{"id", "votes", "cost"};
  for (const OutcomeReport& r : reports) {
    ph.push_back(r.rule);
    ph.push_back("support");
  }
  p.Row(ph);
  for (std::size_t i = 0; i < election.projects.size(); ++i) {
    std::vector<std::string> row{id(static_cast<engine::ProjectIndex>(i)), Count(reports[0].projects[i].votes),
                                 money(election.projects[i].cost)};
    for (const OutcomeReport& r : reports) {
      const engine::ProjectFigures& f = r.projects[i];
      row.push_back(f.funded ? "funded" : "-");
      row.push_back(f.effective_support ? Percent(*f.effective_support) : "");
    }
    p.Row(row);
  }
  out << p.Str();

  if (!reports[0].group_column.empty()) {
    out << "\nBy " << reports[0].group_column << "\n";
    for (const OutcomeReport& r : reports) {
      Table g;
      g.Row({"  " + r.rule, "voters", "nothing funded", "average funded", "money on their choices"});
      for (const engine::GroupFigures& gf : r.groups) {
        g.Row({"  " + gf.value, Count(gf.voters.voters), Percent(gf.voters.nothing_funded, gf.voters.voters),
               Decimal(gf.voters.average_funded), Percent(gf.money_share)});
      }
      out << g.Str();
    }
  }
  for (std::size_t k = 0; k < reports[0].categories.size(); ++k) {
    out << "\nBy " << reports[0].categories[k].column << " (share of votes against share of the money spent)\n";
    for (const OutcomeReport& r : reports) {
      const engine::CategoryBreakdown& c = r.categories[k];
      Table g;
      g.Row({"  " + r.rule, "votes", "money", "distance"});
      for (const engine::CategoryFigures& f : c.categories) {
        g.Row({"  " + f.label, Percent(f.vote_share), Percent(f.money_share), Percent(f.distance)});
      }
      g.Row({"  overall distance", "", "", Percent(c.distance)});
      out << g.Str();
    }
  }
  return out.str();
}

}  // namespace

int ReportCommand(const std::vector<std::string>& raw_args) {
  auto fail = [](const Status& s) {
    std::cerr << "psephos report: " << s.message() << "\n";
    return kExitBadInput;
  };
  auto args = ParseReportArgs(raw_args);
  if (!args.ok()) return fail(args.status());
  auto setup = LoadTally(args->tally);
  if (!setup.ok()) return fail(setup.status());
  std::vector<OutcomeReport> reports;
  auto first = engine::ReportRule(setup->election, setup->rule, setup->tie_break, setup->options, args->by);
  if (!first.ok()) return fail(first.status());
  reports.push_back(std::move(*first));
  std::optional<engine::ComparisonReport> comparison;
  if (!args->compare.empty()) {
    TallyArgs second_args = args->tally;
    second_args.rule = args->compare;
    // Same file, same options: the rule alone differs (an official threshold or
    // tie-break is the second rule's own).
    if (args->tally.rule == "official" && args->tally.tie_break.empty()) second_args.tie_break = "file";
    auto second_setup = SetupTally(second_args, setup->election);
    if (!second_setup.ok()) return fail(Status::Invalid("--compare: " + second_setup.status().message()));
    auto second = engine::ReportRule(second_setup->election, second_setup->rule, second_setup->tie_break,
                                     second_setup->options, args->by);
    if (!second.ok()) return fail(Status::Invalid("--compare: " + second.status().message()));
    reports.push_back(std::move(*second));
    comparison = engine::CompareOutcomes(setup->election, reports[0], reports[1]);
  }
  if (!args->map.empty()) {
    auto svg = ProjectMapSvg(setup->election, reports);
    if (!svg.ok()) return fail(svg.status());
    std::ofstream file(args->map, std::ios::binary);
    file << *svg;
    if (!file.flush()) return fail(Status::Invalid("cannot write the map to '" + args->map + "'"));
  }
  if (args->tally.format == "json") {
    std::cout << ballots::ReportToJson(setup->election, reports, comparison) << "\n";
  } else {
    std::cout << ReportText(setup->election, reports, comparison);
  }
  return kExitOk;
}

}  // namespace psephos::cli
