// Pabulib import and export of processes.
#include "psephos/server/process_pabulib.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "psephos/ballots/official_rule.h"
#include "psephos/ballots/pabulib.h"
#include "psephos/engine/rules.h"

namespace psephos::server {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxFiles = 20;    // a definition holds at most 20 budgets
constexpr std::size_t kMaxIdLength = 64;  // budget ids: [A-Za-z0-9][A-Za-z0-9._/-]{0,63}
constexpr std::size_t kMaxAreaLength = 100;

std::string WithSource(std::string_view source, const std::string& message) {
  std::string out(source);
  out += ": ";
  out += message;
  return out;
}

// The budget rule a file's META names: a Psephos rule name stays (so our own
// exports read back) when it counts the file's ballots, a pabulib name becomes
// the rule the city counted with (ResolveOfficialRule: equalshares/add1 is
// equalshares-add1, Poznań's greedy-custom greedy-reserve at 80%), an unknown
// one greedy (by score for ranks and points). greedy-exclusive without
// exclusive groups is refused: counted as plain greedy it would fund projects
// that exclude each other. Ties are broken in the file's project order, as
// cities rank them. min_project_score_threshold becomes min_score.
Status ApplyMetaRule(const engine::Election& e, std::string_view source, Budget* b) {
  const auto fits = [&](engine::RuleKind kind) { return engine::CheckRuleCounts(kind, e.ballot_type).ok(); };
  // greedy counts approval ballots; for ranks and points, greedy by score.
  b->rule = fits(engine::RuleKind::kGreedy) ? engine::RuleKind::kGreedy : engine::RuleKind::kGreedyScore;
  b->tie_break = engine::TieBreakOrder::kFile;
  if (const std::string* rule = e.Meta("rule")) {
    auto official = ballots::ResolveOfficialRule(e);
    auto named = engine::ParseRule(*rule);  // a Psephos rule name, not a pabulib one
    if (named.ok() && fits(*named) && official.ok() && *named != engine::RuleKind::kGreedy) {
      b->rule = *named;  // a Psephos export: its rule and options read back
      b->reserve_share = official->options.reserve_share;
      b->comparison = official->options.comparison;
    } else if (named.ok() && fits(*named)) {
      b->rule = *named;
    } else if (official.ok()) {
      b->rule = official->rule;
      b->reserve_share = official->options.reserve_share;
    } else if (*rule == "greedy-exclusive") {
      return Status::Invalid(WithSource(source, official.status().message()));
    }
  }
  auto threshold = ballots::MetaThreshold(e);
  if (!threshold.ok()) return Status::Invalid(WithSource(source, threshold.status().message()));
  b->min_score = *threshold;
  return Status::Ok();
}

// A file's election as a budget: only what a definition holds (projects with
// name, description and category, amount, ballot type and rules, the rule).
// Its ballots are not imported.
Result<Budget> BudgetFromElection(engine::Election e, std::string_view source) {
  Budget b;
  if (const std::string* description = e.Meta("description")) b.title = *description;
  if (const std::string* currency = e.Meta("currency")) b.currency = *currency;
  if (Status s = ApplyMetaRule(e, source, &b); !s.ok()) return s;
  for (auto& project : e.projects) {
    std::vector<engine::Field> kept;
    for (auto& [key, value] : project.attributes) {
      if ((key == "name" || key == "description" || key == "category") && !value.empty()) {
        kept.emplace_back(key, value);
      }
    }
    // Some files (Stanford's) have no names; a definition needs one.
    if (std::none_of(kept.begin(), kept.end(), [](const engine::Field& f) { return f.first == "name"; })) {
      std::string name = "Project ";
      name += project.id;
      kept.insert(kept.begin(), {"name", std::move(name)});
    }
    project.attributes = std::move(kept);
  }
  e.profile = engine::Profile();
  e.voter_columns.clear();
  e.voter_values.clear();
  e.meta.clear();
  b.election = std::move(e);
  return b;
}

// "dir/Poland_Warszawa_2026_Wlochy.pb" -> "Poland_Warszawa_2026_Wlochy": a
// valid budget id, other characters (a UTF-8 sequence counts as one) as "_".
std::string BudgetIdFromName(std::string_view name) {
  if (const std::size_t slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  if (name.ends_with(".pb")) name.remove_suffix(3);
  std::string id;
  for (std::size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i++]);
    if (c >= 0x80) {
      while (i < name.size() && (static_cast<unsigned char>(name[i]) & 0xc0) == 0x80) ++i;
      id += '_';
    } else {
      id += std::isalnum(c) || c == '.' || c == '_' || c == '-' ? static_cast<char>(c) : '_';
    }
  }
  // The first character must be a letter or digit (ids starting "_" are reserved).
  const std::size_t start = std::find_if(id.begin(), id.end(), [](char c) {
                              return std::isalnum(static_cast<unsigned char>(c)) != 0;
                            }) - id.begin();
  id.erase(0, start);
  if (id.empty()) id = "budget";
  if (id.size() > kMaxIdLength) id.resize(kMaxIdLength);
  return id;
}

// `base`, or base with "-2", "-3", ... (kept within 64 characters) when taken.
std::string UniqueId(const std::string& base, std::set<std::string>* taken) {
  std::string id = base;
  for (int n = 2; !taken->insert(id).second; ++n) {
    std::string suffix = "-";
    suffix += std::to_string(n);
    id = base.substr(0, kMaxIdLength - suffix.size());
    id += suffix;
  }
  return id;
}

// "budgets[3].projects[0].cost: ..." names the file budget 3 came from.
std::string NameBudgetFile(const std::string& message, const std::vector<PabulibFile>& files) {
  static constexpr std::string_view kPrefix = "budgets[";
  if (!message.starts_with(kPrefix)) return message;
  std::size_t index = 0;
  std::size_t i = kPrefix.size();
  for (; i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])); ++i) {
    index = index * 10 + static_cast<std::size_t>(message[i] - '0');
  }
  if (i == kPrefix.size() || index >= files.size()) return message;
  return WithSource(files[index].name, message);
}

}  // namespace

Result<ProcessDefinition> ProcessFromPabulib(std::string_view pb_text, const std::string& slug) {
  auto parsed = ballots::ParsePabulib(pb_text, "upload.pb");
  if (!parsed.ok()) return parsed.status();
  auto budget = BudgetFromElection(std::move(parsed).value(), "upload.pb");
  if (!budget.ok()) return budget.status();
  ProcessDefinition p;
  p.slug = slug;
  p.title = budget->title.empty() ? slug : budget->title;
  budget->id = "main";
  budget->title = p.title;
  p.budgets.push_back(std::move(budget).value());
  // Round-trip through JSON so an upload obeys exactly the rules a definition does.
  return ParseProcessDefinition(ProcessDefinitionJson(p));
}

Result<ProcessDefinition> ProcessFromPabulibSet(const std::vector<PabulibFile>& files, const std::string& slug,
                                                const std::string& title, LocalBudgets local) {
  if (files.empty()) return Status::Invalid("files: no .pb file given (one budget per file)");
  if (files.size() > kMaxFiles) {
    std::string message = "files: at most ";
    message += std::to_string(kMaxFiles);
    message += " .pb files (one budget each), got ";
    message += std::to_string(files.size());
    return Status::Invalid(message);
  }
  ProcessDefinition p;
  p.slug = slug;
  p.title = title;
  std::set<std::string> ids;
  std::set<std::string> units;  // of the local budgets, for the heading's title
  bool any_local = false;
  for (const PabulibFile& file : files) {
    auto parsed = ballots::ParsePabulib(file.text, file.name);
    if (!parsed.ok()) return parsed.status();
    const engine::Election& e = *parsed;
    const std::string* district = e.Meta("district");
    const std::string* subunit = e.Meta("subunit");
    std::string area = subunit && !subunit->empty() ? *subunit : district ? *district : "";
    const bool is_local = (district && !district->empty()) || (subunit && !subunit->empty());
    if (p.title.empty()) {
      // No title given: "Warszawa 2026" from the first file, else its description.
      const std::string* unit = e.Meta("unit");
      const std::string* instance = e.Meta("instance");
      const std::string* description = e.Meta("description");
      if (unit && !unit->empty()) {
        p.title = *unit;
        if (instance && !instance->empty()) {
          p.title += ' ';
          p.title += *instance;
        }
      } else if (description) {
        p.title = *description;
      }
    }
    if (is_local) {
      if (const std::string* unit = e.Meta("unit"); unit && !unit->empty()) units.insert(*unit);
    }
    auto budget = BudgetFromElection(std::move(parsed).value(), file.name);
    if (!budget.ok()) return budget.status();
    budget->id = UniqueId(BudgetIdFromName(file.name), &ids);
    if (budget->title.empty()) budget->title = file.name;
    if (is_local) {
      any_local = true;
      if (local == LocalBudgets::kHeading) {
        budget->heading = "local";
      } else {
        if (area.size() > kMaxAreaLength) {
          return Status::Invalid(WithSource(file.name, "META subunit/district: longer than 100 bytes"));
        }
        if (!p.HasArea(area)) p.areas.push_back(area);
        budget->area = std::move(area);
      }
    }
    p.budgets.push_back(std::move(budget).value());
  }
  if (p.title.empty()) p.title = slug;
  if (any_local && local == LocalBudgets::kHeading) {
    std::string heading = "Local budget";
    if (units.size() == 1) {
      heading += " in ";
      heading += *units.begin();
    }
    heading += ": choose one";
    p.headings.push_back({"local", std::move(heading), {}});
  }
  // Round-trip through JSON so the set obeys exactly the rules a definition does.
  auto checked = ParseProcessDefinition(ProcessDefinitionJson(p));
  if (!checked.ok()) return Status::Invalid(NameBudgetFile(checked.status().message(), files));
  return checked;
}

Result<std::string> BudgetPabulib(const ProcessDefinition& process, const Budget& budget,
                                  const std::vector<json>& ballots) {
  auto e = BudgetElection(budget, ballots);
  if (!e.ok()) return e.status();
  e->meta = {{"description", process.title + (process.budgets.size() > 1 ? " - " + budget.id : "")},
             {"unit", process.slug},
             {"instance", budget.id}};
  // Where the budget applies, as pabulib says it: an area budget is a
  // district's; a budget of a heading is a local one (ProcessFromPabulibSet
  // reads both back as local budgets).
  if (!budget.area.empty()) {
    e->meta.emplace_back("district", budget.area);
  } else if (!budget.heading.empty()) {
    e->meta.emplace_back("subunit", budget.title.empty() ? budget.id : budget.title);
  }
  e->meta.emplace_back("num_projects", std::to_string(e->projects.size()));
  e->meta.emplace_back("num_votes", std::to_string(e->profile.size()));
  e->meta.emplace_back("rule", engine::RuleName(budget.rule));
  if (budget.reserve_share) e->meta.emplace_back("reserve_share", std::to_string(*budget.reserve_share));
  if (budget.comparison != engine::Comparison::kNone) {
    e->meta.emplace_back("comparison", engine::ComparisonName(budget.comparison));
  }
  // The threshold the budget is counted with (greedy-threshold's default 1
  // too), so `psephos tally --rule official` counts the file the same way.
  if (const auto options = BudgetRuleOptions(budget); options.min_score) {
    e->meta.emplace_back("min_project_score_threshold", std::to_string(*options.min_score));
  }
  if (!budget.currency.empty()) e->meta.emplace_back("currency", budget.currency);
  const auto& rules = e->rules;
  for (const auto& rule : ballots::kBallotRuleKeys) {
    if (const auto& v = rules.*rule.member) e->meta.emplace_back(rule.pabulib_key, std::to_string(*v));
  }
  if (rules.min_cost) e->meta.emplace_back("min_sum_cost", ballots::FormatMoney(*rules.min_cost, e->money_scale));
  if (rules.max_cost) e->meta.emplace_back("max_sum_cost", ballots::FormatMoney(*rules.max_cost, e->money_scale));
  return ballots::WritePabulib(*e);
}

}  // namespace psephos::server
