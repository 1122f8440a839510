#include "psephos/server/process.h"

#include "psephos/ballots/json_reader.h"

#include <algorithm>
#include <map>
#include <regex>
#include <unordered_set>

#include "psephos/ballots/explain_json.h"
#include "psephos/ballots/outcome_json.h"
#include "psephos/ballots/pabulib.h"
#include "psephos/ballots/report_json.h"
#include "psephos/engine/explain.h"
#include "psephos/engine/rules.h"
#include "process_texts.h"
#include "psephos/server/slug.h"

namespace psephos::server {
namespace {

using nlohmann::json;

// Collects the first error with its field path.
class Reader {
 public:
  bool failed() const { return !error_.empty(); }
  Status status() const { return Status::Invalid(error_); }
  void Fail(const std::string& path, const std::string& what) {
    if (error_.empty()) error_ = path + ": " + what;
  }

  std::string String(const json& obj, const std::string& path, const char* key, bool required,
                     std::size_t max_length = 10000) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) Fail(path + key, "missing");
      return {};
    }
    if (!it->is_string()) {
      Fail(path + key, "must be a string");
      return {};
    }
    std::string value = it->get<std::string>();
    if (value.size() > max_length) Fail(path + key, "longer than " + std::to_string(max_length) + " bytes");
    if (required && value.empty()) Fail(path + key, "must not be empty");
    return value;
  }

  // A typo in a key ("balot") must not silently drop what it meant to say.
  void OnlyKnownKeys(const json& obj, const std::string& path, std::initializer_list<std::string_view> known) {
    for (const auto& item : obj.items()) {
      if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
        Fail(path + item.key(), "unknown field");
        return;
      }
    }
  }

  std::optional<std::int64_t> Count(const json& obj, const std::string& path, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 ||
        it->get<std::int64_t>() > 1'000'000'000) {
      Fail(path + key, "must be a whole number from 0 to 1000000000");
      return std::nullopt;
    }
    return it->get<std::int64_t>();
  }

  // Whole numbers, or decimal strings ("1234.50"): never binary floating point.
  std::optional<ballots::Amount> Amount(const json& value, const std::string& path) {
    if (value.is_number_integer()) {
      if (value.is_number_unsigned() && value.get<std::uint64_t>() > 1'000'000'000'000'000ULL) {
        Fail(path, "too large");
        return std::nullopt;
      }
      return ballots::Amount{value.get<std::int64_t>(), 0};
    }
    if (value.is_string()) {
      // "50,000" is fifty thousand to some and fifty to others: refuse rather than guess.
      if (value.get<std::string>().find(',') != std::string::npos) {
        Fail(path, "a comma is ambiguous (\"50,000\" or \"50,00\"?): write digits with a dot before the cents "
                   "and no thousands separator, e.g. \"50000\" or \"50000.00\"");
        return std::nullopt;
      }
      auto amount = ballots::ParseAmount(value.get<std::string>());
      if (!amount) Fail(path, "not an amount: \"" + value.get<std::string>() + "\"");
      return amount;
    }
    Fail(path, value.is_number() ? "write amounts with decimals as strings, e.g. \"1234.50\""
                                 : "must be an amount");
    return std::nullopt;
  }

 private:
  std::string error_;
};

bool ValidId(const std::string& id) {
  static const std::regex kId("[A-Za-z0-9][A-Za-z0-9._/-]{0,63}");
  return std::regex_match(id, kId);
}

constexpr const char* kGroupColumn = "group";  // the voter column TallyProcess adds for groups

const char* kAttributeKeys[] = {"name", "description", "category"};

Result<Budget> ParseBudget(const json& j, const std::string& path, Reader& r, const std::vector<std::string>& languages) {
  Budget b;
  if (!j.is_object()) {
    r.Fail(path, "must be an object");
    return r.status();
  }
  r.OnlyKnownKeys(j, path + ".", {"id", "title", "currency", "rule", "tie_break", "min_score", "reserve_share",
                                   "comparison", "area", "heading", "amount", "ballot", "projects", "translations"});
  b.id = r.String(j, path + ".", "id", true, 64);
  if (!r.failed() && !ValidId(b.id)) r.Fail(path + ".id", "use letters, digits and . _ / - (at most 64)");
  b.title = r.String(j, path + ".", "title", false, 500);
  b.currency = r.String(j, path + ".", "currency", false, 10);
  const std::string rule_name = r.String(j, path + ".", "rule", false, 40);
  const std::string tie_break = r.String(j, path + ".", "tie_break", false, 10);
  b.min_score = r.Count(j, path + ".", "min_score");
  b.reserve_share = r.Count(j, path + ".", "reserve_share");
  const std::string comparison = r.String(j, path + ".", "comparison", false, 20);
  b.area = r.String(j, path + ".", "area", false, 100);
  b.heading = r.String(j, path + ".", "heading", false, 64);
  if (r.failed()) return r.status();
  if (auto texts = ReadTranslations(j, path + ".", {"title"}, languages); texts.ok()) {
    b.translations = std::move(texts).value();
  } else {
    const std::string& m = texts.status().message();
    r.Fail(m.substr(0, m.find(": ")), m.substr(m.find(": ") + 2));
  }
  if (auto kind = engine::ParseRule(rule_name.empty() ? "greedy" : rule_name); kind.ok()) {
    b.rule = *kind;
  } else {
    r.Fail(path + ".rule", kind.status().message());
  }
  if (auto order = engine::ParseTieBreakOrder(tie_break.empty() ? "id" : tie_break); order.ok()) {
    b.tie_break = *order;
  } else {
    r.Fail(path + ".tie_break", "must be id, cost or file (the projects' order)");
  }
  if (auto step = engine::ParseComparison(comparison.empty() ? "none" : comparison); step.ok()) {
    b.comparison = *step;
  } else {
    r.Fail(path + ".comparison", step.status().message());
  }
  if (b.reserve_share && *b.reserve_share > 100) r.Fail(path + ".reserve_share", "is a percentage: 0 to 100");
  if (b.comparison != engine::Comparison::kNone && b.rule != engine::RuleKind::kEqualSharesAdd1 &&
      b.rule != engine::RuleKind::kEqualSharesAdd1u) {
    r.Fail(path + ".comparison", "is a step of equalshares-add1 and equalshares-add1u only");
  }
  if (b.rule == engine::RuleKind::kGreedyReserve && !b.reserve_share) {
    r.Fail(path + ".reserve_share", "greedy-reserve needs it: the share (percent) of the stopping project's cost the "
                                    "money left must cover for the reserve to pay the rest (Poznań: 80)");
  }

  engine::Election& e = b.election;
  const json ballot = j.value("ballot", json::object());
  if (!ballot.is_object()) r.Fail(path + ".ballot", "must be an object");
  if (ballot.is_object()) {
    r.OnlyKnownKeys(ballot, path + ".ballot.", {"type", "min_projects", "max_projects", "min_points", "max_points",
                                                "min_total_points", "max_total_points", "min_cost", "max_cost"});
  }
  const std::string type = ballot.is_object() ? r.String(ballot, path + ".ballot.", "type", false, 20) : "";
  if (type.empty() || type == "approval" || type == "knapsack") {
    e.ballot_type = engine::BallotType::kApproval;
  } else if (type == "choose-1") {
    e.ballot_type = engine::BallotType::kChoose1;
  } else if (type == "cumulative") {
    e.ballot_type = engine::BallotType::kCumulative;
  } else if (type == "scoring") {
    e.ballot_type = engine::BallotType::kScoring;
  } else if (type == "ordinal" || type == "ranked") {
    e.ballot_type = engine::BallotType::kOrdinal;
  } else {
    r.Fail(path + ".ballot.type", "unknown ballot type \"" + type +
                                      "\" (approval, knapsack, choose-1, cumulative, scoring, ranked)");
  }
  if (!r.failed()) {
    // A rule that cannot count this ballot would fail only at the close.
    if (Status fits = engine::CheckRuleCounts(b.rule, e.ballot_type); !fits.ok()) r.Fail(path + ".rule", fits.message());
  }
  if (r.failed()) return r.status();
  const std::string bp = path + ".ballot.";
  for (const auto& rule : ballots::kBallotRuleKeys) e.rules.*rule.member = r.Count(ballot, bp, rule.json_key);

  // Amounts: the budget, costs and cost limits share one scale.
  std::vector<std::pair<ballots::Amount, std::string>> amounts;
  auto amount_at = [&](const json& v, const std::string& where) {
    auto a = r.Amount(v, where);
    if (a) {
      if (a->mantissa < 0) r.Fail(where, "must not be negative");
      amounts.emplace_back(*a, where);
    }
    return a;
  };
  if (!j.contains("amount")) r.Fail(path + ".amount", "missing (the money this budget spends)");
  if (r.failed()) return r.status();
  auto amount = amount_at(j["amount"], path + ".amount");
  std::optional<ballots::Amount> min_cost, max_cost;
  if (ballot.contains("min_cost")) min_cost = amount_at(ballot["min_cost"], bp + "min_cost");
  if (ballot.contains("max_cost")) max_cost = amount_at(ballot["max_cost"], bp + "max_cost");
  if (type == "knapsack" && !max_cost) max_cost = amount;  // a knapsack ballot fits the budget

  const json projects = j.value("projects", json::array());
  if (!projects.is_array() || projects.empty()) r.Fail(path + ".projects", "must list at least one project");
  if (projects.is_array() && projects.size() > 1000) r.Fail(path + ".projects", "more than 1000 projects");
  std::vector<std::optional<ballots::Amount>> costs;
  std::unordered_set<std::string> ids;
  for (std::size_t i = 0; !r.failed() && i < projects.size(); ++i) {
    const std::string pp = path + ".projects[" + std::to_string(i) + "]";
    const json& pj = projects[i];
    if (!pj.is_object()) {
      r.Fail(pp, "must be an object");
      break;
    }
    r.OnlyKnownKeys(pj, pp + ".", {"id", "name", "description", "category", "cost", "exclusive_group", "details",
                                    "location", "image", "translations", "ideas"});
    engine::Project project;
    project.id = r.String(pj, pp + ".", "id", true, 64);
    if (!r.failed() && !ValidId(project.id)) r.Fail(pp + ".id", "use letters, digits and . _ / - (at most 64)");
    if (!r.failed() && !ids.insert(project.id).second) r.Fail(pp + ".id", "\"" + project.id + "\" is used twice");
    for (const char* key : kAttributeKeys) {
      std::string value = r.String(pj, pp + ".", key, std::string(key) == "name", 5000);
      if (!value.empty()) project.attributes.emplace_back(key, std::move(value));
    }
    // Projects sharing this label exclude each other: at most one is funded.
    project.exclusive_group = r.String(pj, pp + ".", "exclusive_group", false, 64);
    ProjectExtras extras;
    extras.details = r.String(pj, pp + ".", "details", false, 20000);
    extras.location = r.String(pj, pp + ".", "location", false, 500);
    if (r.failed()) break;
    if (pj.contains("ideas")) {  // the ideas it came from: at most 100 ids
      const json& ideas = pj["ideas"];
      const bool listed = ideas.is_array() && ideas.size() <= 100 &&
                          std::all_of(ideas.begin(), ideas.end(), [](const json& idea) {
                            return idea.is_number_integer() && idea.get<std::int64_t>() > 0;
                          });
      if (!listed) r.Fail(pp + ".ideas", "must list at most 100 idea ids (whole numbers from 1)");
      if (r.failed()) break;
      for (const json& idea : ideas) extras.ideas.push_back(idea.get<std::int64_t>());
    }
    auto image = ReadImage(pj, pp + ".");
    auto texts = ReadTranslations(pj, pp + ".", {"name", "description", "details", "location"}, languages);
    for (const Status& s : {image.status(), texts.status()}) {
      if (!s.ok()) r.Fail(s.message().substr(0, s.message().find(": ")), s.message().substr(s.message().find(": ") + 2));
    }
    if (r.failed()) break;
    extras.image = std::move(image).value();
    extras.translations = std::move(texts).value();
    b.extras.push_back(std::move(extras));
    if (!pj.contains("cost")) r.Fail(pp + ".cost", "missing");
    if (r.failed()) break;
    costs.push_back(amount_at(pj["cost"], pp + ".cost"));
    e.projects.push_back(std::move(project));
  }
  if (r.failed()) return r.status();

  int scale = 0;
  for (const auto& [a, where] : amounts) scale = std::max(scale, a.decimals);
  auto scaled = [&](const ballots::Amount& a, const std::string& where) -> engine::Money {
    auto m = ballots::ScaleAmount(a, scale);
    if (!m) r.Fail(where, "too large");
    return m.value_or(0);
  };
  e.money_scale = scale;
  e.budget = scaled(*amount, path + ".amount");
  for (std::size_t i = 0; i < costs.size(); ++i) {
    e.projects[i].cost = scaled(*costs[i], path + ".projects[" + std::to_string(i) + "].cost");
  }
  if (min_cost) e.rules.min_cost = scaled(*min_cost, bp + "min_cost");
  if (max_cost) e.rules.max_cost = scaled(*max_cost, bp + "max_cost");
  if (r.failed()) return r.status();
  const auto& rules = e.rules;
  if (rules.min_projects && rules.max_projects && *rules.min_projects > *rules.max_projects) {
    r.Fail(bp + "min_projects", "is more than max_projects");
  }
  if (rules.min_projects && *rules.min_projects > static_cast<std::int64_t>(e.projects.size())) {
    r.Fail(bp + "min_projects", "is more than the number of projects");
  }
  if (rules.min_total_points && rules.max_total_points && *rules.min_total_points > *rules.max_total_points) {
    r.Fail(bp + "min_total_points", "is more than max_total_points");
  }
  if (r.failed()) return r.status();
  return b;
}

// At the full scale ("1000.00"): the scale is part of the definition, and
// the published .pb files must read back with it.
json AmountJson(engine::Money m, int scale) {
  if (scale == 0) return m;
  return ballots::FormatAmount(m, scale);
}

json BudgetJson(const Budget& b, bool with_rule) {
  const engine::Election& e = b.election;
  json j;
  j["id"] = b.id;
  if (!b.title.empty()) j["title"] = b.title;
  if (!b.translations.is_null()) j["translations"] = b.translations;
  if (!b.currency.empty()) j["currency"] = b.currency;
  j["amount"] = AmountJson(e.budget, e.money_scale);
  if (with_rule) {
    j["rule"] = engine::RuleName(b.rule);
    j["tie_break"] = engine::TieBreakOrderName(b.tie_break);
    if (b.min_score) j["min_score"] = *b.min_score;
    if (b.reserve_share) j["reserve_share"] = *b.reserve_share;
    if (b.comparison != engine::Comparison::kNone) j["comparison"] = engine::ComparisonName(b.comparison);
  }
  if (!b.area.empty()) j["area"] = b.area;
  if (!b.heading.empty()) j["heading"] = b.heading;
  json ballot;
  const bool knapsack = e.ballot_type == engine::BallotType::kApproval && e.rules.max_cost;
  ballot["type"] = knapsack ? "knapsack" : e.ballot_type == engine::BallotType::kOrdinal
                                               ? "ranked"
                                               : engine::BallotTypeName(e.ballot_type);
  const auto& rules = e.rules;
  for (const auto& rule : ballots::kBallotRuleKeys) {
    if (const auto& v = rules.*rule.member) ballot[rule.json_key] = *v;
  }
  if (rules.min_cost) ballot["min_cost"] = AmountJson(*rules.min_cost, e.money_scale);
  if (rules.max_cost) ballot["max_cost"] = AmountJson(*rules.max_cost, e.money_scale);
  j["ballot"] = std::move(ballot);
  json projects = json::array();
  for (std::size_t i = 0; i < e.projects.size(); ++i) {
    const engine::Project& p = e.projects[i];
    json pj;
    pj["id"] = p.id;
    for (const char* key : kAttributeKeys) {
      if (const std::string* v = p.Attribute(key)) pj[key] = *v;
    }
    pj["cost"] = AmountJson(p.cost, e.money_scale);
    if (!p.exclusive_group.empty()) pj["exclusive_group"] = p.exclusive_group;
    if (i < b.extras.size()) {
      const ProjectExtras& x = b.extras[i];
      if (!x.details.empty()) pj["details"] = x.details;
      if (!x.location.empty()) pj["location"] = x.location;
      if (!x.image.is_null()) pj["image"] = x.image;
      if (!x.translations.is_null()) pj["translations"] = x.translations;
      if (!x.ideas.empty()) pj["ideas"] = x.ideas;
    }
    projects.push_back(std::move(pj));
  }
  j["projects"] = std::move(projects);
  return j;
}

}  // namespace

const char* ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kOnline: return "online";
    case Channel::kKiosk: return "kiosk";
    case Channel::kPaper: return "paper";
  }
  return "online";
}

std::optional<Channel> ParseChannel(std::string_view name) {
  for (Channel c : kChannels) {
    if (name == ChannelName(c)) return c;
  }
  return std::nullopt;
}

Channel BallotChannel(const json& stored) {
  if (stored.is_object()) {
    auto it = stored.find("_channel");
    if (it != stored.end() && it->is_string()) {
      return ParseChannel(it->get_ref<const std::string&>()).value_or(Channel::kOnline);
    }
  }
  return Channel::kOnline;
}

BallotFacts StoredBallotFacts(const ProcessDefinition& process, const json& ballot) {
  BallotFacts facts{0, BallotChannel(ballot)};
  for (std::size_t i = 0; i < process.budgets.size() && ballot.is_object(); ++i) {
    if (ballot.contains(process.budgets[i].id)) facts.budgets |= 1u << i;
  }
  return facts;
}

const char* ReceiptModeName(ReceiptMode mode) {
  switch (mode) {
    case ReceiptMode::kVerifiable: return "verifiable";
    case ReceiptMode::kPrivate: return "private";
  }
  return "verifiable";
}

std::optional<ReceiptMode> ParseReceiptMode(std::string_view name) {
  if (name == "verifiable") return ReceiptMode::kVerifiable;
  if (name == "private") return ReceiptMode::kPrivate;
  return std::nullopt;
}

const Budget* ProcessDefinition::FindBudget(std::string_view id) const {
  for (const auto& b : budgets) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

bool ProcessDefinition::HasArea(std::string_view area) const {
  return std::find(areas.begin(), areas.end(), area) != areas.end();
}

std::vector<const Budget*> ProcessDefinition::EligibleBudgets(std::string_view area) const {
  std::vector<const Budget*> out;
  for (const auto& b : budgets) {
    if (b.area.empty() || b.area == area) out.push_back(&b);
  }
  return out;
}

Result<ProcessDefinition> ParseProcessDefinition(const json& j) {
  Reader r;
  ProcessDefinition p;
  if (!j.is_object()) return Status::Invalid("the process definition must be a JSON object");
  static const std::unordered_set<std::string> kKnown{"slug",  "title",    "description", "languages", "groups",
                                                      "areas", "headings", "revoting",    "budgets",
                                                      "receipts", "min_group_size", "translations"};
  for (const auto& [key, value] : j.items()) {
    if (!kKnown.count(key)) return Status::Invalid(key + ": unknown field");
  }
  p.slug = r.String(j, "", "slug", true, 64);
  if (!r.failed() && !IsValidSlug(p.slug)) {
    r.Fail("slug", "use lowercase letters, digits and dashes (at most 64), e.g. \"roosevelt-2026\"");
  }
  p.title = r.String(j, "", "title", true, 500);
  p.description = r.String(j, "", "description", false, 20000);
  const std::string revoting = r.String(j, "", "revoting", false, 10);
  if (revoting == "latest") {
    p.latest_ballot_counts = true;
  } else if (!revoting.empty() && revoting != "first") {
    r.Fail("revoting", "must be first (a code's first ballot is final) or latest (the latest ballot counts)");
  }
  const std::string receipts = r.String(j, "", "receipts", false, 20);
  if (!receipts.empty()) {
    if (auto mode = ParseReceiptMode(receipts)) {
      p.receipts = *mode;
    } else {
      r.Fail("receipts", "must be verifiable (a receipt shows its ballot after the close) or private (it shows only "
                         "that the ballot is in the log)");
    }
  }
  if (auto k = r.Count(j, "", "min_group_size")) {
    if (*k < 1 || *k > 1000) r.Fail("min_group_size", "must be from 1 to 1000");
    p.min_group_size = *k;
  }
  for (const char* list : {"languages", "groups", "areas"}) {
    if (!j.contains(list)) continue;
    const json& items = j[list];
    std::vector<std::string> values;
    if (!items.is_array() || items.size() > 50) r.Fail(list, "must be a list of at most 50 strings");
    for (std::size_t i = 0; !r.failed() && i < items.size(); ++i) {
      if (!items[i].is_string() || items[i].get<std::string>().empty() || items[i].get<std::string>().size() > 100) {
        r.Fail(std::string(list) + "[" + std::to_string(i) + "]", "must be a non-empty string");
      } else {
        values.push_back(items[i].get<std::string>());
      }
    }
    const std::string name = list;
    (name == "languages" ? p.languages : name == "groups" ? p.groups : p.areas) = values;
  }
  const json headings = j.value("headings", json::array());
  if (!headings.is_array() || headings.size() > 20) r.Fail("headings", "must be a list of at most 20 headings");
  for (std::size_t i = 0; !r.failed() && i < headings.size(); ++i) {
    const std::string hp = "headings[" + std::to_string(i) + "]";
    if (!headings[i].is_object()) {
      r.Fail(hp, "must be an object {\"id\", \"title\"}");
      break;
    }
    r.OnlyKnownKeys(headings[i], hp + ".", {"id", "title", "translations"});
    Heading h{r.String(headings[i], hp + ".", "id", true, 64), r.String(headings[i], hp + ".", "title", false, 500), {}};
    if (auto texts = ReadTranslations(headings[i], hp + ".", {"title"}, p.languages); texts.ok()) {
      h.translations = std::move(texts).value();
    } else {
      return texts.status();
    }
    for (const Heading& other : p.headings) {
      if (other.id == h.id) r.Fail(hp + ".id", "\"" + h.id + "\" is used twice");
    }
    p.headings.push_back(std::move(h));
  }
  if (r.failed()) return r.status();
  if (p.languages.empty()) p.languages = {"en"};
  auto texts = ReadTranslations(j, "", {"title", "description"}, p.languages);
  if (!texts.ok()) return texts.status();
  p.translations = std::move(texts).value();
  const json budgets = j.value("budgets", json::array());
  if (!budgets.is_array() || budgets.empty() || budgets.size() > 20) {
    return Status::Invalid("budgets: must list 1 to 20 budgets");
  }
  std::unordered_set<std::string> ids;
  for (std::size_t i = 0; i < budgets.size(); ++i) {
    const std::string path = "budgets[" + std::to_string(i) + "]";
    auto budget = ParseBudget(budgets[i], path, r, p.languages);
    if (!budget.ok()) return budget.status();
    if (!ids.insert(budget->id).second) return Status::Invalid(path + ".id: \"" + budget->id + "\" is used twice");
    if (!budget->area.empty() && !p.HasArea(budget->area)) {
      return Status::Invalid(path + ".area: \"" + budget->area + "\" is not one of the process's areas");
    }
    if (!budget->heading.empty() && std::none_of(p.headings.begin(), p.headings.end(),
                                                 [&](const Heading& h) { return h.id == budget->heading; })) {
      return Status::Invalid(path + ".heading: \"" + budget->heading + "\" is not one of the process's headings");
    }
    p.budgets.push_back(std::move(budget).value());
  }
  return p;
}

json ProcessDefinitionJson(const ProcessDefinition& p) {
  json j;
  j["slug"] = p.slug;
  j["title"] = p.title;
  if (!p.description.empty()) j["description"] = p.description;
  if (!p.translations.is_null()) j["translations"] = p.translations;
  j["languages"] = p.languages;
  j["groups"] = p.groups;
  if (!p.areas.empty()) j["areas"] = p.areas;
  if (!p.headings.empty()) {
    json headings = json::array();
    for (const Heading& h : p.headings) {
      json hj{{"id", h.id}, {"title", h.title}};
      if (!h.translations.is_null()) hj["translations"] = h.translations;
      headings.push_back(std::move(hj));
    }
    j["headings"] = std::move(headings);
  }
  j["revoting"] = p.latest_ballot_counts ? "latest" : "first";
  j["receipts"] = ReceiptModeName(p.receipts);
  j["min_group_size"] = p.min_group_size;
  json budgets = json::array();
  for (const auto& b : p.budgets) budgets.push_back(BudgetJson(b, true));
  j["budgets"] = std::move(budgets);
  return j;
}

json PublicBallotJson(const ProcessDefinition& p) {
  json j = ProcessDefinitionJson(p);
  j.erase("groups");
  return j;
}

std::string CheckProcessBallot(const ProcessDefinition& process, const json& body,
                               std::vector<ballots::BallotProblem>* problems, std::string_view area,
                               Channel channel, BallotFacts* facts) {
  const json* ballots_json = body.is_object() && body.contains("ballots") ? &body["ballots"] : nullptr;
  if (!ballots_json || !ballots_json->is_object()) {
    problems->push_back({"malformed_ballot", "The ballot must hold \"ballots\": {budget id: {\"projects\": [...]}}."});
    return {};
  }
  const std::vector<const Budget*> eligible = process.EligibleBudgets(area);
  const auto is_eligible = [&](const Budget* b) { return std::find(eligible.begin(), eligible.end(), b) != eligible.end(); };
  const auto title = [](const Budget& b) { return b.title.empty() ? b.id : b.title; };
  for (const auto& [id, value] : ballots_json->items()) {
    const Budget* budget = process.FindBudget(id);
    if (!budget) {
      problems->push_back({"unknown_budget", "\"" + id + "\" is not a budget of this vote."});
    } else if (!is_eligible(budget)) {
      problems->push_back({"not_eligible", "Your code does not vote in \"" + title(*budget) + "\"."});
    }
  }
  // Headings: exactly one budget of each heading the voter has budgets in.
  for (const Heading& heading : process.headings) {
    std::vector<const Budget*> chosen;
    bool any = false;
    for (const Budget* b : eligible) {
      if (b->heading != heading.id) continue;
      any = true;
      if (ballots_json->contains(b->id)) chosen.push_back(b);
    }
    const std::string name = heading.title.empty() ? heading.id : heading.title;
    if (any && chosen.empty()) {
      problems->push_back({"missing_heading", "Choose one budget of \"" + name + "\" and vote in it."});
    } else if (chosen.size() > 1) {
      problems->push_back({"one_per_heading", "Vote in only one budget of \"" + name + "\" (you voted in " +
                                                  std::to_string(chosen.size()) + ")."});
    }
  }
  json canonical = json::object();
  for (const Budget* budget_ptr : eligible) {
    const Budget& budget = *budget_ptr;
    auto it = ballots_json->find(budget.id);
    if (it == ballots_json->end()) {
      if (budget.heading.empty()) problems->push_back({"missing_budget", "Vote in \"" + title(budget) + "\" too."});
      continue;
    }
    ballots::BallotInput input;
    const json& b = *it;
    const json projects = b.is_object() ? b.value("projects", json()) : json();
    const json points = b.is_object() ? b.value("points", json::array()) : json();
    bool shaped = projects.is_array() && points.is_array() && projects.size() <= 1000 && points.size() <= 1000;
    for (const auto& p : projects.is_array() ? projects : json::array()) shaped = shaped && p.is_string();
    for (const auto& p : points.is_array() ? points : json::array()) shaped = shaped && p.is_number_integer();
    if (!shaped) {
      problems->push_back({"malformed_ballot", "The ballot for \"" + budget.id +
                                                   "\" must list project ids and, for points, whole numbers."});
      continue;
    }
    for (const auto& p : projects) input.projects.push_back(p.get<std::string>());
    for (const auto& p : points) input.points.push_back(p.get<std::int64_t>());
    for (auto& problem : ballots::ValidateBallot(budget.election, input)) {
      if (process.budgets.size() > 1) problem.message = budget.id + ": " + problem.message;
      problems->push_back(std::move(problem));
    }
    json stored;
    stored["projects"] = input.projects;
    if (!input.points.empty()) stored["points"] = input.points;
    canonical[budget.id] = std::move(stored);
  }
  // Budget ids cannot start with "_": the channel never collides with one.
  if (channel != Channel::kOnline) canonical["_channel"] = ChannelName(channel);
  if (!problems->empty()) return {};
  if (facts) *facts = StoredBallotFacts(process, canonical);
  return canonical.dump();
}

engine::RuleOptions BudgetRuleOptions(const Budget& budget) {
  engine::RuleOptions options;
  options.reserve_share = budget.reserve_share;
  options.comparison = budget.comparison;
  if (budget.min_score) {
    options.min_score = *budget.min_score;
  } else if (budget.rule == engine::RuleKind::kGreedyThreshold) {
    options.min_score = 1;
  }
  return options;
}

namespace {

// Builds a budget's election one stored ballot at a time, so a count need not
// hold every ballot parsed at once (a city's 60,000 parsed ballots were tens
// of megabytes beside the count).
class ElectionBuilder {
 public:
  explicit ElectionBuilder(const Budget& budget) : budget_(budget), e_(budget.election) {
    for (std::size_t i = 0; i < e_.projects.size(); ++i) index_[e_.projects[i].id] = static_cast<engine::ProjectIndex>(i);
  }

  // Adds ballot n (0-based) when it holds this budget; false when it does not.
  Result<bool> Add(const json& ballot, std::size_t n) {
    if (!ballot.is_object() || !ballot.contains(budget_.id)) return false;
    const json& b = ballot[budget_.id];
    const std::string where = "ballot " + std::to_string(n + 1) + ", budget " + budget_.id + ": ";
    if (!b.is_object() || !b.contains("projects") || !b["projects"].is_array()) {
      return Status::Invalid(where + "no list of projects");
    }
    projects_.clear();
    points_.clear();
    for (const auto& id : b["projects"]) {
      auto it = id.is_string() ? index_.find(id.get<std::string>()) : index_.end();
      if (it == index_.end()) return Status::Invalid(where + "unknown project " + id.dump());
      projects_.push_back(it->second);
    }
    if (b.contains("points")) {
      if (!b["points"].is_array() || b["points"].size() != projects_.size()) {
        return Status::Invalid(where + "points do not match the projects");
      }
      for (const auto& p : b["points"]) {
        if (!p.is_number_integer()) return Status::Invalid(where + "points must be whole numbers");
        points_.push_back(p.get<std::int64_t>());
      }
    }
    e_.profile.Add(projects_, points_);
    return true;
  }

  engine::Election& election() { return e_; }

 private:
  const Budget& budget_;
  engine::Election e_;
  std::unordered_map<std::string, engine::ProjectIndex> index_;
  std::vector<engine::ProjectIndex> projects_;
  std::vector<std::int64_t> points_;
};

}  // namespace

Result<engine::Election> BudgetElection(const Budget& budget, const std::vector<json>& ballots) {
  ElectionBuilder builder(budget);
  for (std::size_t n = 0; n < ballots.size(); ++n) {
    if (auto added = builder.Add(ballots[n], n); !added.ok()) return added.status();
  }
  return std::move(builder.election());
}

Result<json> TallyProcess(const ProcessDefinition& process, const std::vector<std::string>& stored,
                          const std::vector<std::string>& groups) {
  if (!groups.empty() && groups.size() != stored.size()) {
    return Status::Invalid("tally: " + std::to_string(groups.size()) + " groups for " + std::to_string(stored.size()) +
                           " ballots");
  }
  json out = json::array();
  // Every budget's election in one pass, each ballot parsed and dropped in
  // turn; a budget's first broken ballot is reported when its turn comes, as
  // before.
  std::vector<ElectionBuilder> builders;
  builders.reserve(process.budgets.size());
  std::vector<Status> broken(process.budgets.size(), Status::Ok());
  for (const Budget& budget : process.budgets) {
    builders.emplace_back(budget);
    if (!groups.empty()) {
      // Each counted ballot's group as a voter column: the report's `--by` figures.
      builders.back().election().voter_columns = {"voter_id", kGroupColumn};
      builders.back().election().voter_values.clear();
    }
  }
  std::vector<BallotFacts> facts;
  facts.reserve(stored.size());
  for (std::size_t n = 0; n < stored.size(); ++n) {
    const json parsed = ballots::ParseJson(stored[n]).value_or(json());
    facts.push_back(StoredBallotFacts(process, parsed));
    for (std::size_t index = 0; index < builders.size(); ++index) {
      if (!broken[index].ok()) continue;
      auto added = builders[index].Add(parsed, n);
      if (!added.ok()) {
        broken[index] = added.status();
      } else if (*added && !groups.empty()) {
        engine::Election& e = builders[index].election();
        e.voter_values.push_back(std::to_string(n + 1));
        e.voter_values.push_back(groups[n].empty() ? "(none)" : groups[n]);
      }
    }
  }
  for (std::size_t index = 0; index < process.budgets.size(); ++index) {
    const Budget& budget = process.budgets[index];
    if (!broken[index].ok()) return broken[index];
    engine::Election& e = builders[index].election();
    const std::vector<std::int64_t> votes = e.SupportCounts();
    const engine::RuleKind rule = budget.rule;
    const engine::RuleOptions options = BudgetRuleOptions(budget);
    const engine::TieBreak tie_break = engine::TieBreak::By(e, budget.tie_break);
    json entry;
    entry["budget"] = budget.id;
    entry["ballots"] = e.profile.size();
    std::map<std::string, std::int64_t> channels;
    for (Channel c : kChannels) channels[ChannelName(c)] = 0;
    for (const BallotFacts& f : facts) {
      if (f.budgets & (1u << index)) ++channels[ChannelName(f.channel)];
    }
    entry["by_channel"] = channels;
    json per_project = json::object();
    for (std::size_t i = 0; i < e.projects.size(); ++i) per_project[e.projects[i].id] = votes[i];
    entry["votes"] = std::move(per_project);
    if (e.profile.size() == 0) {
      entry["outcome"] = nullptr;
      entry["note"] = "no ballots were cast";
    } else {
      // The outcome and why each project was or was not funded, as `psephos
      // explain` says it, from one count.
      auto counted = engine::ExplainAll(e, rule, tie_break, options);
      if (!counted.ok()) return Status::Invalid("budget " + budget.id + ": " + counted.status().message());
      entry["outcome"] = json::parse(ballots::OutcomeToJson(e, counted->outcome, -1));
      json why = json::object();
      for (std::size_t i = 0; i < e.projects.size(); ++i) {
        why[e.projects[i].id] = json::parse(ballots::ExplanationToJson(e, counted->projects[i], -1));
      }
      entry["explanations"] = std::move(why);
      // Who got what (psephos report), beside greedy by votes.
      auto report = ballots::PublishedReportJson(e, counted->outcome, rule, tie_break, options, -1,
                                                 groups.empty() ? "" : kGroupColumn);
      if (!report.ok()) return Status::Invalid("budget " + budget.id + ": " + report.status().message());
      entry["report"] = json::parse(*report);
      json& first = entry["report"]["outcomes"][0];
      if (first.contains("groups")) {
        // By interest-holder group: [{"value", "figures", "money_share"}] (disclosure.h hides small ones).
        json& by_group = entry["report"]["by_group"];
        by_group = std::move(first["groups"]["values"]);
        first.erase("groups");
        // Every group of the definition has a row, its voters 0 where none
        // voted here: a missing row would say so publicly, where a hidden 0 does not.
        for (const std::string& name : process.groups) {
          const bool listed = std::any_of(by_group.begin(), by_group.end(), [&](const json& row) { return row["value"] == name; });
          if (listed) continue;
          by_group.push_back({{"value", name},
                              {"figures", {{"voters", 0}, {"nothing_funded", 0}, {"nothing_funded_share", 0.0},
                                           {"average_funded", 0.0}, {"average_funded_cost", 0.0},
                                           {"distribution", json::array()}}},
                              {"money_share", 0.0}});
        }
        std::sort(by_group.begin(), by_group.end(),
                  [](const json& a, const json& b) { return a["value"].get<std::string>() < b["value"].get<std::string>(); });
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace psephos::server
