// A PB process as organizers define it: one or more budgets, each an election
// the engine can tally. Definitions travel as JSON (see server/API.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/ballots/validation.h"
#include "psephos/engine/election.h"
#include "psephos/engine/outcome.h"
#include "psephos/engine/rules.h"
#include "psephos/engine/tie_break.h"
#include "psephos/engine/status.h"

namespace psephos::server {

// What voters read of a project beyond its name and description (item texts
// in other languages, a longer text, where it is, a picture). Nothing here is counted.
struct ProjectExtras {
  std::string details;   // a longer description
  std::string location;  // where it would be, in words
  nlohmann::json image;  // {"width", "height", "files": [{"width", "height", "sha256"}]} or null
  // {"es": {"name", "description", "details", "location"}} or null; also on
  // the process (title, description), budgets and headings (title).
  nlohmann::json translations;
  std::vector<std::int64_t> ideas;  // the community's ideas it was made from (ideas.h), by id
};

struct Budget {
  std::string id;
  std::string title;
  std::string currency;
  engine::RuleKind rule = engine::RuleKind::kGreedy;
  engine::TieBreakOrder tie_break = engine::TieBreakOrder::kId;
  std::optional<std::int64_t> min_score;  // greedy-threshold's threshold (default 1)
  std::optional<std::int64_t> reserve_share;  // greedy-reserve: percent (Poznań 80)
  engine::Comparison comparison = engine::Comparison::kNone;  // equalshares-add1(u) only
  std::string area;     // empty: every voter; else only codes of this area
  std::string heading;  // budgets sharing a heading are alternatives: a voter picks one
  // Projects (name, description, category kept as attributes), amount,
  // ballot type and rules. Its profile is empty: ballots live in storage.
  engine::Election election;
  nlohmann::json translations;          // {"es": {"title"}} or null
  std::vector<ProjectExtras> extras;    // parallel to election.projects
};

struct Heading {
  std::string id;
  std::string title;
  nlohmann::json translations;  // {"es": {"title"}} or null
};

// How a ballot came in; stored in the ballot ("_channel", absent: online).
enum class Channel { kOnline, kKiosk, kPaper };
const char* ChannelName(Channel channel);
std::optional<Channel> ParseChannel(std::string_view name);
inline constexpr Channel kChannels[] = {Channel::kOnline, Channel::kKiosk, Channel::kPaper};

// What a receipt lets its holder see after the close (server/AUDIT.md "Receipt modes").
// kVerifiable: the receipt names the ballot's log entry, ballot and counted flag
// included. kPrivate: the log publishes leaf hashes only and the counted ballots
// separately, in sorted order, so no receipt or arrival order links to a ballot.
enum class ReceiptMode { kVerifiable, kPrivate };
const char* ReceiptModeName(ReceiptMode mode);
std::optional<ReceiptMode> ParseReceiptMode(std::string_view name);

// Public counts never show a group, area or channel with fewer voters than this.
inline constexpr std::int64_t kDefaultMinGroupSize = 5;

struct ProcessDefinition {
  std::string slug;
  std::string title;
  std::string description;
  std::vector<std::string> languages{"en"};
  std::vector<std::string> groups;   // interest-holder groups voter codes can carry
  std::vector<std::string> areas;    // schools or districts voter codes can carry
  std::vector<Heading> headings;
  bool latest_ballot_counts = false;  // false: a code's first ballot is final
  ReceiptMode receipts = ReceiptMode::kVerifiable;
  std::int64_t min_group_size = kDefaultMinGroupSize;  // k of the public counts, 1 to 1000
  std::vector<Budget> budgets;
  nlohmann::json translations;  // {"es": {"title", "description"}} or null (the first language is the fields')

  const Budget* FindBudget(std::string_view id) const;
  bool HasArea(std::string_view area) const;
  // The budgets a code of `area` votes in ("" : a code without area), in definition order.
  std::vector<const Budget*> EligibleBudgets(std::string_view area) const;
};

// Parses and checks a definition; errors name the field ("budgets[0].projects[2].cost: ...").
Result<ProcessDefinition> ParseProcessDefinition(const nlohmann::json& json);
// The slips a steering committee makes, checked when an organizer saves a
// definition (not when a stored one or a bundle is read back): a project
// dearer than its budget or costing nothing, two projects with one name, a
// budget of nothing, limits no ballot can meet. Fills what "blank" means at
// save: min_projects absent is 1 (an empty ballot is chosen only as an explicit 0).
// Errors name the field as ParseProcessDefinition's do (definition_checks.cc).
Status CheckDefinitionAtSave(ProcessDefinition* process);
nlohmann::json ProcessDefinitionJson(const ProcessDefinition& process);
// What voters see: the definition without anything private (nothing is yet).
nlohmann::json PublicBallotJson(const ProcessDefinition& process);


// A voter's ballot for every budget of a process, as submitted.
struct ProcessBallot {
  std::vector<std::pair<std::string, ballots::BallotInput>> budgets;  // in definition order
};
// What turnout counts of a stored ballot: its budgets (bit i: budgets[i]; at
// most 20 budgets) and channel.
struct BallotFacts {
  std::uint32_t budgets = 0;
  Channel channel = Channel::kOnline;
};
// The channel a stored (canonical) ballot came through.
Channel BallotChannel(const nlohmann::json& stored);
BallotFacts StoredBallotFacts(const ProcessDefinition& process, const nlohmann::json& stored);

// Reads {"ballots": {"<budget>": {"projects": [...], "points": [...]}}} for a
// voter of `area`; `problems` receives every broken rule (with the budget
// named) and eligibility problem; returns the canonical JSON to store (with
// the channel) when there is none, and its facts in `facts` when given.
std::string CheckProcessBallot(const ProcessDefinition& process, const nlohmann::json& body,
                               std::vector<ballots::BallotProblem>* problems, std::string_view area = "",
                               Channel channel = Channel::kOnline, BallotFacts* facts = nullptr);

// The options a budget's rule is counted with (greedy-threshold's default threshold 1).
engine::RuleOptions BudgetRuleOptions(const Budget& budget);

// One budget's election with the given ballots (canonical JSON objects, one
// per voter) as its profile; errors name the ballot.
Result<engine::Election> BudgetElection(const Budget& budget, const std::vector<nlohmann::json>& ballots);

// Tallies every budget over the stored ballots (canonical JSON, one per voter).
// `groups`, parallel to `ballots` when given, names each ballot's interest-holder
// group ("(walk-in)", "(none)"): each budget's report then has `by_group`.
Result<nlohmann::json> TallyProcess(const ProcessDefinition& process, const std::vector<std::string>& ballots,
                                    const std::vector<std::string>& groups = {});

}  // namespace psephos::server
