#include "sqlite_milestones.h"

namespace psephos::server::sqlite_milestones {
namespace {

Status Failed(const char* what, const std::exception& e) {
  return Status::Invalid(std::string("storage: ") + what + ": " + e.what());
}

}  // namespace

Result<std::int64_t> AddMilestone(SQLite::Database& db, const MilestoneRecord& m) try {
  SQLite::Statement q(db, "INSERT INTO milestones(process_id, budget, project, title, status, date, progress, notes, "
                          "translations, photos, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                          "RETURNING id");
  q.bind(1, m.process);
  q.bind(2, m.budget);
  q.bind(3, m.project);
  q.bind(4, m.title);
  q.bind(5, MilestoneStatusName(m.status));
  q.bind(6, m.date);
  q.bind(7, m.progress);
  q.bind(8, m.notes);
  q.bind(9, m.translations);
  q.bind(10, m.photos);
  q.bind(11, m.created_at_ms);
  q.bind(12, m.updated_at_ms);
  if (!q.executeStep()) return Status::Invalid("storage: the milestone was not added");
  return q.getColumn(0).getInt64();
} catch (const std::exception& e) {
  return Failed("adding a milestone", e);
}

Status UpdateMilestone(SQLite::Database& db, const MilestoneRecord& m) try {
  SQLite::Statement q(db, "UPDATE milestones SET title = ?, status = ?, date = ?, progress = ?, notes = ?, "
                          "translations = ?, photos = ?, updated_at = ? WHERE id = ? AND process_id = ?");
  q.bind(1, m.title);
  q.bind(2, MilestoneStatusName(m.status));
  q.bind(3, m.date);
  q.bind(4, m.progress);
  q.bind(5, m.notes);
  q.bind(6, m.translations);
  q.bind(7, m.photos);
  q.bind(8, m.updated_at_ms);
  q.bind(9, m.id);
  q.bind(10, m.process);
  if (q.exec() != 1) return Status::Invalid("storage: no milestone " + std::to_string(m.id) + " in this process");
  return Status::Ok();
} catch (const std::exception& e) {
  return Failed("updating a milestone", e);
}

Result<std::vector<MilestoneRecord>> LoadMilestones(SQLite::Database& db, ProcessId id) try {
  SQLite::Statement q(db, "SELECT id, budget, project, title, status, date, progress, notes, translations, photos, "
                          "created_at, updated_at FROM milestones WHERE process_id = ? ORDER BY id");
  q.bind(1, id);
  std::vector<MilestoneRecord> out;
  while (q.executeStep()) {
    MilestoneRecord m;
    m.id = q.getColumn(0).getInt64();
    m.process = id;
    m.budget = q.getColumn(1).getString();
    m.project = q.getColumn(2).getString();
    m.title = q.getColumn(3).getString();
    const auto status = ParseMilestoneStatus(q.getColumn(4).getString());
    if (!status) return Status::Invalid("storage: milestone " + std::to_string(m.id) + " has an unknown status");
    m.status = *status;
    m.date = q.getColumn(5).getString();
    m.progress = q.getColumn(6).getInt();
    m.notes = q.getColumn(7).getString();
    m.translations = q.getColumn(8).getString();
    m.photos = q.getColumn(9).getString();
    m.created_at_ms = q.getColumn(10).getInt64();
    m.updated_at_ms = q.getColumn(11).getInt64();
    out.push_back(std::move(m));
  }
  return out;
} catch (const std::exception& e) {
  return Failed("loading milestones", e);
}

}  // namespace psephos::server::sqlite_milestones
