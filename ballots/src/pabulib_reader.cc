// Reads pabulib `.pb` files into an engine::Election.
//
// The parser makes one pass over the text: rows come from CsvRowReader as
// views into the buffer, and only values the Election keeps are copied. Every
// error names the source, the physical line where the offending row starts,
// and the column (or section) at fault.

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pabulib_internal.h"
#include "psephos/ballots/pabulib.h"

namespace psephos::ballots {
namespace {

using engine::BallotType;
using engine::Election;
using engine::ProjectIndex;
using internal::CsvRowReader;
using internal::Decimal;
using internal::DecimalError;
using internal::EqualsIgnoreCase;
using internal::Printable;
using internal::Quoted;
using internal::Trim;

enum class Section { kNone, kMeta, kProjects, kVotes };

const char* SectionTitle(Section section) {
  switch (section) {
    case Section::kNone: return "file";
    case Section::kMeta: return "META";
    case Section::kProjects: return "PROJECTS";
    case Section::kVotes: return "VOTES";
  }
  return "file";
}

// Lets maps keyed by std::string be searched with a string_view, no copy.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// Column roles in the VOTES header; extra columns get their voter_columns index.
constexpr int kVoterIdColumn = -1;
constexpr int kVoteColumn = -2;
constexpr int kPointsColumn = -3;

constexpr std::uint32_t kNoBallot = std::numeric_limits<std::uint32_t>::max();

class Parser {
 public:
  Parser(std::string_view text, std::string_view source)
      : text_(StripBom(text)), rows_(text_), source_(source) {}

  Result<Election> Parse();

 private:
  static std::string_view StripBom(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    return text;
  }

  Status Error(std::size_t line, std::string_view field, const std::string& what) const {
    return Status::Invalid(std::string(source_) + ":" + std::to_string(line) + ": " +
                           Printable(field) + ": " + what);
  }

  // The line to blame for something missing at the end of the input.
  std::size_t LastLine() const {
    std::size_t line = rows_.line();
    if (line > 1 && !text_.empty() && (text_.back() == '\n' || text_.back() == '\r')) --line;
    return line;
  }

  std::string ColumnName(std::size_t column) const;
  std::optional<Section> TitleOf(const std::vector<std::string_view>& fields) const;
  Status OnTitle(Section next, std::size_t line);
  Status OnEnd();
  Status FinishMeta();
  Status FinishProjects();
  Status ParseHeader(const std::vector<std::string_view>& fields, std::size_t line,
                     std::vector<std::string>* names) const;
  Status CheckWidth(const std::vector<std::string_view>& fields, std::size_t line,
                    const std::vector<std::string>& header) const;
  Status MetaRow(const std::vector<std::string_view>& fields, std::size_t line);
  Status BallotRuleRow(std::string_view key, std::string_view value, std::size_t line);
  Status ProjectsHeader(const std::vector<std::string_view>& fields, std::size_t line);
  Status ProjectRow(const std::vector<std::string_view>& fields, std::size_t line);
  Status VotesHeader(const std::vector<std::string_view>& fields, std::size_t line);
  Status VoteRow(const std::vector<std::string_view>& fields, std::size_t line);
  Status ParseVote(std::string_view vote, std::size_t line);
  Status ParsePoints(std::string_view points, std::size_t line);
  Status CheckVoterIdUnique(std::size_t ballot, std::size_t line);

  std::string_view text_;
  CsvRowReader rows_;
  std::string_view source_;
  Election election_;
  Section section_ = Section::kNone;
  bool expect_header_ = false;

  // META
  std::size_t meta_line_ = 0;
  std::optional<Decimal> budget_;
  std::size_t budget_line_ = 0;
  std::size_t vote_type_line_ = 0;  // 0 until vote_type is read
  // min_sum_cost / max_sum_cost wait for the money scale, with their lines.
  std::optional<std::pair<Decimal, std::size_t>> min_cost_, max_cost_;

  // PROJECTS
  std::vector<std::string> project_header_;
  std::size_t project_id_column_ = 0;
  std::size_t cost_column_ = 0;
  std::vector<Decimal> costs_;            // parallel to election_.projects
  std::vector<std::size_t> cost_lines_;   // where each project was read
  std::unordered_map<std::string, ProjectIndex, StringHash, std::equal_to<>> project_index_;

  // VOTES
  std::vector<std::string> vote_header_;
  std::vector<int> vote_roles_;  // per header column: k*Column or voter_columns index
  std::size_t voter_id_column_ = 0;
  std::size_t vote_column_ = 0;
  std::optional<std::size_t> points_column_;
  std::vector<std::size_t> ballot_lines_;
  // Open-addressing set of ballot indices keyed by their voter_id; storing
  // indices, not views, keeps it valid while voter_values grows.
  std::vector<std::uint32_t> voter_id_slots_;
  // Per-ballot scratch, reused across rows.
  std::vector<ProjectIndex> ballot_;
  std::vector<std::int64_t> points_;
  std::vector<std::uint32_t> last_ballot_of_project_;  // for repeats within a ballot
};

std::string Parser::ColumnName(std::size_t column) const {
  const std::vector<std::string>* header = nullptr;
  if (section_ == Section::kProjects && !expect_header_) header = &project_header_;
  if (section_ == Section::kVotes && !expect_header_) header = &vote_header_;
  if (header != nullptr && column < header->size()) return (*header)[column];
  return SectionTitle(section_ == Section::kNone ? Section::kMeta : section_);
}

// A title is one unquoted word (META, PROJECTS, VOTES in any case), possibly
// followed by empty fields as spreadsheet exports add them.
std::optional<Section> Parser::TitleOf(const std::vector<std::string_view>& fields) const {
  if (rows_.first_field_quoted()) return std::nullopt;
  for (std::size_t i = 1; i < fields.size(); ++i) {
    if (!Trim(fields[i]).empty()) return std::nullopt;
  }
  const std::string_view word = Trim(fields[0]);
  if (EqualsIgnoreCase(word, "meta")) return Section::kMeta;
  if (EqualsIgnoreCase(word, "projects")) return Section::kProjects;
  if (EqualsIgnoreCase(word, "votes")) return Section::kVotes;
  return std::nullopt;
}

Result<Election> Parser::Parse() {
  while (true) {
    const CsvRowReader::Outcome outcome = rows_.Next();
    if (outcome == CsvRowReader::Outcome::kEnd) break;
    const std::size_t line = rows_.row_line();
    if (outcome == CsvRowReader::Outcome::kUnclosedQuote) {
      return Error(line, ColumnName(rows_.unclosed_field()),
                   "unclosed quote: the field runs to the end of the file");
    }
    const std::vector<std::string_view>& fields = rows_.fields();
    if (std::all_of(fields.begin(), fields.end(), [](std::string_view f) { return Trim(f).empty(); })) {
      continue;  // blank line
    }
    Status status;
    if (std::optional<Section> title = TitleOf(fields)) {
      status = OnTitle(*title, line);
    } else if (section_ == Section::kNone) {
      status = Error(line, "META", "expected the META section title, found " + Quoted(fields[0]));
    } else if (section_ == Section::kMeta) {
      status = MetaRow(fields, line);
    } else if (section_ == Section::kProjects) {
      status = expect_header_ ? ProjectsHeader(fields, line) : ProjectRow(fields, line);
    } else {
      status = expect_header_ ? VotesHeader(fields, line) : VoteRow(fields, line);
    }
    if (!status.ok()) return status;
  }
  if (Status status = OnEnd(); !status.ok()) return status;
  return std::move(election_);
}

Status Parser::OnTitle(Section next, std::size_t line) {
  const char* title = SectionTitle(next);
  if (section_ == Section::kNone && next != Section::kMeta) {
    return Error(line, "META", std::string("missing section: the file starts with ") + title);
  }
  if (next <= section_) {
    return Error(line, title, "section repeated or out of order (expected META, PROJECTS, VOTES)");
  }
  if (section_ == Section::kMeta && next == Section::kVotes) {
    return Error(line, "PROJECTS", "missing section: VOTES follows META");
  }
  if (expect_header_ && section_ != Section::kMeta) {
    return Error(line, SectionTitle(section_), "section has no header row");
  }
  if (section_ == Section::kMeta) {
    if (Status status = FinishMeta(); !status.ok()) return status;
  } else if (section_ == Section::kProjects) {
    if (Status status = FinishProjects(); !status.ok()) return status;
  }
  section_ = next;
  expect_header_ = true;
  if (next == Section::kMeta) meta_line_ = line;
  return Status::Ok();
}

Status Parser::OnEnd() {
  switch (section_) {
    case Section::kNone:
      return Error(LastLine(), "META", "missing section (the file is empty)");
    case Section::kMeta:
      if (Status status = FinishMeta(); !status.ok()) return status;
      return Error(LastLine(), "PROJECTS", "missing section");
    case Section::kProjects:
      if (expect_header_) return Error(LastLine(), "PROJECTS", "section has no header row");
      return FinishProjects();  // no VOTES: an election without ballots
    case Section::kVotes:
      if (expect_header_) return Error(LastLine(), "VOTES", "section has no header row");
      return Status::Ok();
  }
  return Status::Ok();
}

Status Parser::FinishMeta() {
  if (!budget_) return Error(meta_line_, "budget", "missing from META");
  if (vote_type_line_ == 0) return Error(meta_line_, "vote_type", "missing from META");
  return Status::Ok();
}

// Fixes money_scale now that every amount is known, then scales them all.
Status Parser::FinishProjects() {
  int scale = budget_->decimals;
  for (const Decimal& cost : costs_) scale = std::max(scale, cost.decimals);
  for (const auto& limit : {min_cost_, max_cost_}) {
    if (limit) scale = std::max(scale, limit->first.decimals);
  }
  const std::string at_scale = " at " + std::to_string(scale) + " decimal places";
  std::optional<engine::Money> budget = internal::ScaleDecimal(*budget_, scale);
  if (!budget) return Error(budget_line_, "budget", "amount too large" + at_scale);
  election_.budget = *budget;
  for (std::size_t i = 0; i < costs_.size(); ++i) {
    std::optional<engine::Money> cost = internal::ScaleDecimal(costs_[i], scale);
    if (!cost) return Error(cost_lines_[i], "cost", "amount too large" + at_scale);
    election_.projects[i].cost = *cost;
  }
  election_.money_scale = scale;
  const auto scale_limit = [&](const auto& limit, std::optional<engine::Money>* out,
                               const char* key) -> Status {
    if (!limit) return Status::Ok();
    *out = internal::ScaleDecimal(limit->first, scale);
    if (!*out) return Error(limit->second, key, "amount too large" + at_scale);
    return Status::Ok();
  };
  if (Status s = scale_limit(min_cost_, &election_.rules.min_cost, "min_sum_cost"); !s.ok()) return s;
  return scale_limit(max_cost_, &election_.rules.max_cost, "max_sum_cost");
}


// Trims the names, drops empty trailing ones (spreadsheet residue), and
// rejects empty or repeated names.
Status Parser::ParseHeader(const std::vector<std::string_view>& fields, std::size_t line,
                           std::vector<std::string>* names) const {
  std::size_t count = fields.size();
  while (count > 0 && Trim(fields[count - 1]).empty()) --count;
  names->clear();
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view name = Trim(fields[i]);
    if (name.empty()) {
      return Error(line, SectionTitle(section_),
                   "header column " + std::to_string(i + 1) + " has no name");
    }
    if (std::find(names->begin(), names->end(), name) != names->end()) {
      return Error(line, name, std::string("duplicate column in the ") + SectionTitle(section_) + " header");
    }
    names->emplace_back(name);
  }
  return Status::Ok();
}

Status Parser::CheckWidth(const std::vector<std::string_view>& fields, std::size_t line,
                          const std::vector<std::string>& header) const {
  if (fields.size() < header.size()) {
    return Error(line, header[fields.size()],
                 "missing field (the row has " + std::to_string(fields.size()) + " fields, the " +
                     SectionTitle(section_) + " header has " + std::to_string(header.size()) + ")");
  }
  for (std::size_t i = header.size(); i < fields.size(); ++i) {
    if (!Trim(fields[i]).empty()) {
      return Error(line, SectionTitle(section_),
                   "too many fields (the row has " + std::to_string(fields.size()) +
                       ", the header has " + std::to_string(header.size()) + ")");
    }
  }
  return Status::Ok();
}

// Describes why a decimal amount was rejected.
std::string DecimalProblem(DecimalError error, std::string_view text) {
  switch (error) {
    case DecimalError::kNone: break;
    case DecimalError::kNotANumber: return "not a number: " + Quoted(text);
    case DecimalError::kTooManyDecimals:
      return "more than " + std::to_string(internal::kMaxMoneyDecimals) +
             " decimal digits: " + Quoted(text);
    case DecimalError::kTooLarge: return "amount too large: " + Quoted(text);
  }
  return "invalid amount: " + Quoted(text);
}

Status Parser::MetaRow(const std::vector<std::string_view>& fields, std::size_t line) {
  if (expect_header_) {
    expect_header_ = false;
    // The key;value header is customary but optional: skip it when present.
    if (EqualsIgnoreCase(Trim(fields[0]), "key")) return Status::Ok();
  }
  const std::string_view key = Trim(fields[0]);
  if (key.empty()) return Error(line, "META", "empty key");
  if (fields.size() < 2) return Error(line, key, "missing value (META rows are key;value)");
  for (std::size_t i = 2; i < fields.size(); ++i) {
    if (!Trim(fields[i]).empty()) {
      return Error(line, key, "too many fields (META rows are key;value, this one has " +
                                  std::to_string(fields.size()) + ")");
    }
  }
  const std::string_view value = Trim(fields[1]);
  if (key == "budget") {
    if (budget_) return Error(line, key, "given twice (first at line " + std::to_string(budget_line_) + ")");
    Decimal budget;
    if (DecimalError error = internal::ParseDecimal(value, &budget); error != DecimalError::kNone) {
      return Error(line, key, DecimalProblem(error, value));
    }
    if (budget.mantissa < 0) return Error(line, key, "negative budget: " + Quoted(value));
    budget_ = budget;
    budget_line_ = line;
  } else if (key == "vote_type") {
    if (vote_type_line_ != 0) {
      return Error(line, key, "given twice (first at line " + std::to_string(vote_type_line_) + ")");
    }
    std::optional<BallotType> type = internal::ParseBallotType(value);
    if (!type) {
      return Error(line, key, "unknown vote type " + Quoted(value) +
                                  " (expected approval, choose-1, cumulative, scoring or ordinal)");
    }
    election_.ballot_type = *type;
    vote_type_line_ = line;
  } else if (Status status = BallotRuleRow(key, value, line); !status.ok()) {
    return status;
  }
  election_.meta.emplace_back(std::string(key), std::string(value));
  return Status::Ok();
}

// The META keys that say what a valid ballot holds (engine::BallotRules).
Status Parser::BallotRuleRow(std::string_view key, std::string_view value, std::size_t line) {
  engine::BallotRules& rules = election_.rules;
  std::optional<std::int64_t>* count = nullptr;
  for (const auto& rule : kBallotRuleKeys) {
    if (key == rule.pabulib_key) count = &(rules.*rule.member);
  }
  const bool money = key == "min_sum_cost" || key == "max_sum_cost";
  if (!count && !money) return Status::Ok();
  Decimal number;
  if (DecimalError error = internal::ParseDecimal(value, &number); error != DecimalError::kNone) {
    return Error(line, key, DecimalProblem(error, value));
  }
  if (money) {
    if (number.mantissa < 0) return Error(line, key, "negative amount: " + Quoted(value));
    (key == "min_sum_cost" ? min_cost_ : max_cost_) = std::make_pair(number, line);
    return Status::Ok();
  }
  std::optional<engine::Money> whole = number.mantissa;
  for (int i = 0; i < number.decimals && whole; ++i) {
    if (*whole % 10 != 0) whole.reset();
    else *whole /= 10;
  }
  if (!whole) return Error(line, key, "not a whole number: " + Quoted(value));
  *count = *whole;
  return Status::Ok();
}

Status Parser::ProjectsHeader(const std::vector<std::string_view>& fields, std::size_t line) {
  if (Status status = ParseHeader(fields, line, &project_header_); !status.ok()) return status;
  const auto find = [&](std::string_view name) {
    return static_cast<std::size_t>(std::find(project_header_.begin(), project_header_.end(), name) -
                                    project_header_.begin());
  };
  project_id_column_ = find("project_id");
  cost_column_ = find("cost");
  for (std::string_view name : {"project_id", "cost"}) {
    if (find(name) == project_header_.size()) {
      return Error(line, name, "missing column in the PROJECTS header");
    }
  }
  expect_header_ = false;
  return Status::Ok();
}

Status Parser::ProjectRow(const std::vector<std::string_view>& fields, std::size_t line) {
  if (Status status = CheckWidth(fields, line, project_header_); !status.ok()) return status;
  const std::string_view id = Trim(fields[project_id_column_]);
  if (id.empty()) return Error(line, "project_id", "empty project id");
  const std::string_view cost_text = Trim(fields[cost_column_]);
  Decimal cost;
  if (DecimalError error = internal::ParseDecimal(cost_text, &cost); error != DecimalError::kNone) {
    return Error(line, "cost", DecimalProblem(error, cost_text));
  }
  if (cost.mantissa < 0) return Error(line, "cost", "negative cost: " + Quoted(cost_text));
  const std::size_t index = election_.projects.size();
  if (index >= kNoBallot) return Error(line, "project_id", "too many projects");
  const auto [it, inserted] = project_index_.try_emplace(std::string(id), static_cast<ProjectIndex>(index));
  if (!inserted) {
    return Error(line, "project_id", "duplicate project " + Quoted(id) + " (first at line " +
                                         std::to_string(cost_lines_[it->second]) + ")");
  }
  engine::Project& project = election_.projects.emplace_back();
  project.id = std::string(id);
  project.attributes.reserve(project_header_.size() - 2);
  for (std::size_t i = 0; i < project_header_.size(); ++i) {
    if (i == project_id_column_ || i == cost_column_) continue;
    if (project_header_[i] == kExclusiveGroupColumn) {
      project.exclusive_group = std::string(Trim(fields[i]));
      continue;
    }
    project.attributes.emplace_back(project_header_[i], std::string(Trim(fields[i])));
  }
  costs_.push_back(cost);
  cost_lines_.push_back(line);
  return Status::Ok();
}

Status Parser::VotesHeader(const std::vector<std::string_view>& fields, std::size_t line) {
  if (Status status = ParseHeader(fields, line, &vote_header_); !status.ok()) return status;
  const bool wants_points = election_.ballot_type == BallotType::kCumulative ||
                            election_.ballot_type == BallotType::kScoring;
  election_.voter_columns.assign(1, "voter_id");
  vote_roles_.clear();
  bool has_voter_id = false;
  bool has_vote = false;
  for (std::size_t i = 0; i < vote_header_.size(); ++i) {
    const std::string& name = vote_header_[i];
    if (name == "voter_id") {
      has_voter_id = true;
      voter_id_column_ = i;
      vote_roles_.push_back(kVoterIdColumn);
    } else if (name == "vote") {
      has_vote = true;
      vote_column_ = i;
      vote_roles_.push_back(kVoteColumn);
    } else if (name == "points" && wants_points) {
      points_column_ = i;
      vote_roles_.push_back(kPointsColumn);
    } else {
      // Other ballot types keep a points column verbatim, like any extra one.
      vote_roles_.push_back(static_cast<int>(election_.voter_columns.size()));
      election_.voter_columns.push_back(name);
    }
  }
  if (!has_voter_id) return Error(line, "voter_id", "missing column in the VOTES header");
  if (!has_vote) return Error(line, "vote", "missing column in the VOTES header");
  if (wants_points && !points_column_) {
    return Error(line, "points", std::string("missing column in the VOTES header (required for ") +
                                     engine::BallotTypeName(election_.ballot_type) + " ballots)");
  }
  // Size the storage from the line count, capped by what the bytes can hold.
  const std::string_view rest = rows_.rest();
  const std::size_t estimate = std::min<std::size_t>(std::count(rest.begin(), rest.end(), '\n') + 1,
                                                     rest.size() / vote_header_.size() + 1);
  election_.profile.Reserve(estimate, estimate * 4);
  election_.voter_values.reserve(estimate * election_.voter_columns.size());
  ballot_lines_.reserve(estimate);
  voter_id_slots_.assign(std::bit_ceil(std::max<std::size_t>(16, estimate * 2)), kNoBallot);
  last_ballot_of_project_.assign(election_.projects.size(), kNoBallot);
  expect_header_ = false;
  return Status::Ok();
}

Status Parser::VoteRow(const std::vector<std::string_view>& fields, std::size_t line) {
  if (Status status = CheckWidth(fields, line, vote_header_); !status.ok()) return status;
  const std::size_t ballot = election_.profile.size();
  if (ballot + 1 >= kNoBallot) return Error(line, "voter_id", "too many ballots");
  const std::string_view id = Trim(fields[voter_id_column_]);
  if (id.empty()) return Error(line, "voter_id", "empty voter id");
  if (Status status = ParseVote(fields[vote_column_], line); !status.ok()) return status;
  if (points_column_) {
    if (Status status = ParsePoints(fields[*points_column_], line); !status.ok()) return status;
  }
  // voter_values is row-major with voter_id first, then extras in header order.
  election_.voter_values.emplace_back(id);
  for (std::size_t i = 0; i < vote_roles_.size(); ++i) {
    if (vote_roles_[i] > 0) election_.voter_values.emplace_back(Trim(fields[i]));
  }
  ballot_lines_.push_back(line);
  if (Status status = CheckVoterIdUnique(ballot, line); !status.ok()) return status;
  election_.profile.Add(ballot_, points_column_ ? std::span<const std::int64_t>(points_)
                                                : std::span<const std::int64_t>());
  return Status::Ok();
}

// Fills ballot_ from a comma list of project ids, applying the ballot type's
// rule for repeats: approval sets drop them, rankings and points reject them.
Status Parser::ParseVote(std::string_view vote, std::size_t line) {
  ballot_.clear();
  const auto stamp = static_cast<std::uint32_t>(election_.profile.size());
  const BallotType type = election_.ballot_type;
  const bool is_set = type == BallotType::kApproval || type == BallotType::kChoose1;
  while (true) {
    const std::size_t comma = vote.find(',');
    const std::string_view id = Trim(vote.substr(0, comma));
    if (!id.empty()) {
      const auto it = project_index_.find(id);
      if (it == project_index_.end()) return Error(line, "vote", "unknown project " + Quoted(id));
      const ProjectIndex project = it->second;
      if (last_ballot_of_project_[project] != stamp) {
        last_ballot_of_project_[project] = stamp;
        ballot_.push_back(project);
      } else if (!is_set) {
        return Error(line, "vote", "project " + Quoted(id) +
                                       (type == BallotType::kOrdinal ? " ranked twice" : " listed twice"));
      }
    }
    if (comma == std::string_view::npos) break;
    vote.remove_prefix(comma + 1);
  }
  return Status::Ok();
}

// Fills points_ from a comma list parallel to the vote.
Status Parser::ParsePoints(std::string_view points, std::size_t line) {
  points_.clear();
  while (true) {
    const std::size_t comma = points.find(',');
    const std::string_view item = Trim(points.substr(0, comma));
    if (!item.empty()) {
      Decimal value;
      const DecimalError error = internal::ParseDecimal(item, &value);
      if (error == DecimalError::kTooLarge) return Error(line, "points", "too large: " + Quoted(item));
      if (error == DecimalError::kNotANumber) return Error(line, "points", "not an integer: " + Quoted(item));
      // "3.0" is still 3; anything with a real fraction is refused.
      std::int64_t whole = value.mantissa;
      bool fractional = error == DecimalError::kTooManyDecimals;
      for (int i = 0; !fractional && i < value.decimals; ++i) {
        fractional = whole % 10 != 0;
        whole /= 10;
      }
      if (fractional) {
        return Error(line, "points", "fractional points are not supported: " + Quoted(item));
      }
      if (whole < 0 && election_.ballot_type == BallotType::kCumulative) {
        return Error(line, "points", "negative points in a cumulative ballot: " + Quoted(item));
      }
      points_.push_back(whole);
    }
    if (comma == std::string_view::npos) break;
    points.remove_prefix(comma + 1);
  }
  if (points_.size() != ballot_.size()) {
    return Error(line, "points", std::to_string(points_.size()) + " points for " +
                                     std::to_string(ballot_.size()) + " projects in vote");
  }
  return Status::Ok();
}

Status Parser::CheckVoterIdUnique(std::size_t ballot, std::size_t line) {
  const std::size_t columns = election_.voter_columns.size();
  const auto id_of = [&](std::size_t b) -> const std::string& { return election_.voter_values[b * columns]; };
  if ((ballot + 1) * 2 > voter_id_slots_.size()) {
    // Keep the load under one half: rehash every earlier ballot.
    std::vector<std::uint32_t> slots(voter_id_slots_.size() * 2, kNoBallot);
    for (std::uint32_t slot : voter_id_slots_) {
      if (slot == kNoBallot) continue;
      std::size_t i = StringHash{}(id_of(slot)) & (slots.size() - 1);
      while (slots[i] != kNoBallot) i = (i + 1) & (slots.size() - 1);
      slots[i] = slot;
    }
    voter_id_slots_ = std::move(slots);
  }
  const std::string& id = id_of(ballot);
  const std::size_t mask = voter_id_slots_.size() - 1;
  for (std::size_t i = StringHash{}(id) & mask;; i = (i + 1) & mask) {
    const std::uint32_t other = voter_id_slots_[i];
    if (other == kNoBallot) {
      voter_id_slots_[i] = static_cast<std::uint32_t>(ballot);
      return Status::Ok();
    }
    if (id_of(other) == id) {
      return Error(line, "voter_id", "duplicate voter " + Quoted(id) + " (first at line " +
                                         std::to_string(ballot_lines_[other]) + ")");
    }
  }
}

}  // namespace

Result<Election> ParsePabulib(std::string_view text, std::string_view source_name) {
  // pabulib files are UTF-8; a Latin-1 name would reach JSON output and fail there.
  if (const std::size_t bad = internal::FirstInvalidUtf8(text); bad != std::string_view::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    std::string message(source_name);
    message += ":" + std::to_string(line) + ": byte " + internal::EscapedByte(static_cast<unsigned char>(text[bad]));
    message += " is not UTF-8 text; save the file as UTF-8";
    return Status::Invalid(message);
  }
  return Parser(text, source_name).Parse();
}

Result<Election> ReadPabulibFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Status::Invalid("cannot open " + path + ": " + std::strerror(errno));
  std::string text;
  char buffer[1 << 16];
  std::size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, got);
  const bool failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  if (failed) return Status::Invalid("cannot open " + path + ": " + std::strerror(read_errno));
  return ParsePabulib(text, path);
}

}  // namespace psephos::ballots
