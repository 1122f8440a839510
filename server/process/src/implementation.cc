#include "psephos/server/implementation.h"

#include <algorithm>

#include "process_texts.h"
#include "psephos/server/exports.h"

namespace psephos::server {

using nlohmann::json;

const char* ProjectStageName(ProjectStage stage) {
  switch (stage) {
    case ProjectStage::kNotStarted: return "not_started";
    case ProjectStage::kPlanned: return "planned";
    case ProjectStage::kUnderway: return "underway";
    case ProjectStage::kDelivered: return "delivered";
  }
  return "?";
}

std::optional<ProjectStage> ParseProjectStage(std::string_view name) {
  for (auto s : {ProjectStage::kNotStarted, ProjectStage::kPlanned, ProjectStage::kUnderway, ProjectStage::kDelivered}) {
    if (name == ProjectStageName(s)) return s;
  }
  return std::nullopt;
}

std::vector<FundedProject> FundedProjects(const ProcessDefinition& process, const json& results) {
  std::vector<FundedProject> out;
  if (!results.is_array()) return out;
  for (std::size_t b = 0; b < process.budgets.size(); ++b) {
    const Budget& budget = process.budgets[b];
    const json* selected = nullptr;
    for (const json& entry : results) {
      if (entry.is_object() && entry.value("budget", "") == budget.id && entry.contains("outcome") &&
          entry["outcome"].is_object() && entry["outcome"].contains("selected")) {
        selected = &entry["outcome"]["selected"];
      }
    }
    if (!selected || !selected->is_array()) continue;
    const auto& projects = budget.election.projects;
    for (std::size_t i = 0; i < projects.size(); ++i) {
      if (std::find(selected->begin(), selected->end(), json(projects[i].id)) != selected->end()) {
        out.push_back({budget.id, projects[i].id, b, i});
      }
    }
  }
  return out;
}

ProjectDelivery DeliveryOf(const std::string& budget, const std::string& project,
                           const std::vector<MilestoneRecord>& milestones) {
  ProjectDelivery d{budget, project};
  std::size_t done = 0, started = 0;
  int total = 0;
  for (const MilestoneRecord& m : milestones) {
    if (m.budget != budget || m.project != project || m.status == MilestoneStatus::kCancelled) continue;
    ++d.milestones;
    total += m.progress;
    if (m.status == MilestoneStatus::kDone) ++done;
    if (m.status != MilestoneStatus::kPlanned) ++started;
  }
  // Each milestone weighs the same: the mean of their progress, rounded to the nearest percent.
  if (d.milestones != 0) {
    const int n = static_cast<int>(d.milestones);
    d.progress = (total + n / 2) / n;
  }
  if (d.milestones == 0) {
    d.stage = ProjectStage::kNotStarted;
  } else if (done == d.milestones) {
    d.stage = ProjectStage::kDelivered;
    d.progress = 100;
  } else {
    d.stage = started ? ProjectStage::kUnderway : ProjectStage::kPlanned;
  }
  d.delivered = d.stage == ProjectStage::kDelivered;
  return d;
}

std::vector<ProjectDelivery> Deliveries(const ProcessDefinition& process, const json& results,
                                        const std::vector<MilestoneRecord>& milestones) {
  std::vector<ProjectDelivery> out;
  for (const FundedProject& f : FundedProjects(process, results)) out.push_back(DeliveryOf(f.budget, f.project, milestones));
  return out;
}

namespace {

bool LeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// YYYY-MM-DD, a day of the calendar (years 1900 to 9999).
bool CalendarDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int year = std::stoi(s.substr(0, 4)), month = std::stoi(s.substr(5, 2)), day = std::stoi(s.substr(8, 2));
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return day <= kDays[month - 1] + (month == 2 && LeapYear(year) ? 1 : 0);
}

// Control characters other than line breaks and tabs (which notes may hold; a title may not).
bool HasControl(const std::string& s, bool lines) {
  return std::any_of(s.begin(), s.end(), [lines](char c) {
    const auto u = static_cast<unsigned char>(c);
    if (lines && (c == '\n' || c == '\r' || c == '\t')) return false;
    return u < 0x20 || u == 0x7f;
  });
}

Status CheckTitle(const std::string& text, const std::string& field) {
  if (text.empty()) return Status::Invalid(field + ": must not be empty");
  if (text.size() > kMilestoneTitleMax) {
    return Status::Invalid(field + ": at most " + std::to_string(kMilestoneTitleMax) + " bytes");
  }
  if (HasControl(text, false)) return Status::Invalid(field + ": one line of text");
  return Status::Ok();
}

Status CheckNotes(const std::string& text, const std::string& field) {
  if (text.size() > kMilestoneNotesMax) {
    return Status::Invalid(field + ": at most " + std::to_string(kMilestoneNotesMax) + " bytes");
  }
  if (HasControl(text, true)) return Status::Invalid(field + ": text without control characters");
  return Status::Ok();
}

}  // namespace

Result<MilestoneRecord> ParseMilestone(const json& body, const MilestoneRecord& current, bool creating,
                                       const std::vector<std::string>& languages) {
  if (!body.is_object()) return Status::Invalid("the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (key != "title" && key != "status" && key != "date" && key != "progress" && key != "notes" &&
        key != "translations" && key != "photos") {
      return Status::Invalid(key + ": unknown field");
    }
  }
  MilestoneRecord m = current;
  if (creating && !body.contains("title")) return Status::Invalid("title: a milestone needs a title");
  if (creating && !body.contains("date")) return Status::Invalid("date: a milestone needs a date (YYYY-MM-DD)");
  if (body.contains("title")) {
    if (!body["title"].is_string()) return Status::Invalid("title: must be text");
    m.title = body["title"].get<std::string>();
    if (Status s = CheckTitle(m.title, "title"); !s.ok()) return s;
  }
  if (body.contains("status")) {
    const auto status = body["status"].is_string() ? ParseMilestoneStatus(body["status"].get<std::string>())
                                                   : std::nullopt;
    if (!status) return Status::Invalid("status: planned, in_progress, done or cancelled");
    m.status = *status;
  }
  if (body.contains("date")) {
    if (!body["date"].is_string() || !CalendarDate(body["date"].get<std::string>())) {
      return Status::Invalid("date: a day as YYYY-MM-DD");
    }
    m.date = body["date"].get<std::string>();
  }
  if (body.contains("progress")) {
    const json& v = body["progress"];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 100) {
      return Status::Invalid("progress: a whole percent from 0 to 100");
    }
    m.progress = static_cast<int>(v.get<std::int64_t>());
  } else if (m.status == MilestoneStatus::kDone) {
    m.progress = 100;
  }
  if (m.status == MilestoneStatus::kDone && m.progress != 100) {
    return Status::Invalid("progress: a done milestone is at 100 percent");
  }
  if (body.contains("notes")) {
    if (!body["notes"].is_string()) return Status::Invalid("notes: must be text");
    m.notes = body["notes"].get<std::string>();
    if (Status s = CheckNotes(m.notes, "notes"); !s.ok()) return s;
  }
  if (body.contains("translations")) {
    auto translations = ReadTranslations(body, "", {"title", "notes"}, languages);
    if (!translations.ok()) return translations.status();
    for (const auto& [language, texts] : translations->items()) {
      const std::string at = "translations." + language + ".";
      if (texts.contains("title")) {
        if (Status s = CheckTitle(texts["title"].get<std::string>(), at + "title"); !s.ok()) return s;
      }
      if (texts.contains("notes")) {
        if (Status s = CheckNotes(texts["notes"].get<std::string>(), at + "notes"); !s.ok()) return s;
      }
    }
    m.translations = translations->dump();
  }
  if (body.contains("photos")) {
    const json& photos = body["photos"];
    if (!photos.is_array() || photos.size() > kMilestonePhotosMax) {
      return Status::Invalid("photos: a list of at most " + std::to_string(kMilestonePhotosMax) + " pictures");
    }
    json kept = json::array();
    for (std::size_t i = 0; i < photos.size(); ++i) {
      auto image = ReadImage(json{{"image", photos[i]}}, "photos[" + std::to_string(i) + "].");
      if (!image.ok()) return image.status();
      if (image->is_null()) return Status::Invalid("photos[" + std::to_string(i) + "]: must be a picture");
      kept.push_back(std::move(*image));
    }
    m.photos = kept.dump();
  }
  return m;
}

json MilestoneJson(const MilestoneRecord& m) {
  return {{"id", m.id},
          {"title", m.title},
          {"status", MilestoneStatusName(m.status)},
          {"date", m.date},
          {"progress", m.progress},
          {"notes", m.notes},
          {"translations", json::parse(m.translations, nullptr, false)},
          {"photos", json::parse(m.photos, nullptr, false)},
          {"updated_at_ms", m.updated_at_ms}};
}

std::string ImplementationCsv(const ProcessDefinition& process, const json& results,
                              const std::vector<MilestoneRecord>& milestones) {
  std::string csv = "budget,project,name,delivered,project_progress,milestone,title,status,date,progress,notes\n";
  for (const FundedProject& f : FundedProjects(process, results)) {
    const engine::Project& project = process.budgets[f.budget_index].election.projects[f.project_index];
    const std::string* name = project.Attribute("name");
    const ProjectDelivery d = DeliveryOf(f.budget, f.project, milestones);
    const std::string head = CsvField(f.budget) + "," + CsvField(f.project) + "," + CsvField(name ? *name : "") + "," +
                             (d.delivered ? "yes" : "no") + "," + std::to_string(d.progress) + ",";
    bool any = false;
    for (const MilestoneRecord& m : milestones) {
      if (m.budget != f.budget || m.project != f.project) continue;
      any = true;
      csv += head + std::to_string(m.id) + "," + CsvField(m.title) + "," + MilestoneStatusName(m.status) + "," +
             m.date + "," + std::to_string(m.progress) + "," + CsvField(m.notes) + "\n";
    }
    if (!any) csv += head + ",,,,,\n";
  }
  return csv;
}

}  // namespace psephos::server
