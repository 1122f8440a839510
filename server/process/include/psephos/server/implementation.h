// After the vote: the funded projects (from the published results) and their
// milestones, what each project's delivery stands at, and the CSV of it all.
// Milestones are stored through Storage (MilestoneRecord); this module only
// reads, checks and writes them out.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "psephos/engine/status.h"
#include "psephos/server/process.h"
#include "psephos/server/storage.h"

namespace psephos::server {

// A project the count funded: its budget and project ids, and where they are
// in the definition.
struct FundedProject {
  std::string budget;
  std::string project;
  std::size_t budget_index = 0;
  std::size_t project_index = 0;
};
// In definition order; `results` is the stored results' list of budgets.
std::vector<FundedProject> FundedProjects(const ProcessDefinition& process, const nlohmann::json& results);

// Where a funded project's delivery stands, from its milestones (cancelled ones aside).
enum class ProjectStage {
  kNotStarted,  // no milestone yet
  kPlanned,     // only planned milestones
  kUnderway,    // one in progress or done, not all done
  kDelivered,   // every milestone done (at least one)
};
const char* ProjectStageName(ProjectStage stage);
std::optional<ProjectStage> ParseProjectStage(std::string_view name);

struct ProjectDelivery {
  std::string budget;
  std::string project;
  ProjectStage stage = ProjectStage::kNotStarted;
  bool delivered = false;  // stage == kDelivered
  int progress = 0;        // percent: the mean of its milestones' (100 when delivered)
  std::size_t milestones = 0;  // not cancelled
};
ProjectDelivery DeliveryOf(const std::string& budget, const std::string& project,
                           const std::vector<MilestoneRecord>& milestones);
// Every funded project's delivery, in definition order: what the reflection report reads.
std::vector<ProjectDelivery> Deliveries(const ProcessDefinition& process, const nlohmann::json& results,
                                        const std::vector<MilestoneRecord>& milestones);

inline constexpr std::size_t kMilestoneTitleMax = 200;
inline constexpr std::size_t kMilestoneNotesMax = 4000;
inline constexpr std::size_t kMilestonePhotosMax = 6;

// Reads an editor's POST (`creating`: title and date required) or PUT body
// over `current`; fields left out stay. {"title", "status", "date"
// (YYYY-MM-DD), "progress" (0-100), "notes", "translations" ({"es": {"title",
// "notes"}}, languages of the process), "photos" ([image as POST
// /api/v1/images answered])}. A done milestone is at 100 percent (filled in
// when left out). Refuses, naming the field. Whether the photos are on the
// server is the Api's to check.
Result<MilestoneRecord> ParseMilestone(const nlohmann::json& body, const MilestoneRecord& current, bool creating,
                                       const std::vector<std::string>& languages);

// {"id", "title", "status", "date", "progress", "notes", "translations", "photos", "updated_at_ms"}.
nlohmann::json MilestoneJson(const MilestoneRecord& milestone);

// One row per milestone of each funded project (one row with empty milestone
// cells for a project without any): budget, project, name, delivered,
// project_progress, milestone, title, status, date, progress, notes. Fields as
// CsvField writes them (RFC 4180, formulas defused).
std::string ImplementationCsv(const ProcessDefinition& process, const nlohmann::json& results,
                              const std::vector<MilestoneRecord>& milestones);

}  // namespace psephos::server
