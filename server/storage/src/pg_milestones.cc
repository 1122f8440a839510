#include "pg_milestones.h"

#include "pg_rows.h"

namespace psephos::server::pg_milestones {

using pg::Int;
using pg::Text;

Result<std::int64_t> AddMilestone(pqxx::work& t, const MilestoneRecord& m) {
  auto r = t.exec_params("INSERT INTO milestones(process_id, budget, project, title, status, date, progress, notes, "
                         "translations, photos, created_at, updated_at) "
                         "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                         m.process, m.budget, m.project, m.title, std::string(MilestoneStatusName(m.status)), m.date,
                         m.progress, m.notes, m.translations, m.photos, m.created_at_ms, m.updated_at_ms);
  t.commit();
  return Int(r[0][0]);
}

Status UpdateMilestone(pqxx::work& t, const MilestoneRecord& m) {
  auto r = t.exec_params("UPDATE milestones SET title = $1, status = $2, date = $3, progress = $4, notes = $5, "
                         "translations = $6, photos = $7, updated_at = $8 WHERE id = $9 AND process_id = $10",
                         m.title, std::string(MilestoneStatusName(m.status)), m.date, m.progress, m.notes,
                         m.translations, m.photos, m.updated_at_ms, m.id, m.process);
  if (r.affected_rows() != 1) {
    return Status::Invalid("storage: no milestone " + std::to_string(m.id) + " in this process");
  }
  t.commit();
  return Status::Ok();
}

Result<std::vector<MilestoneRecord>> LoadMilestones(pqxx::work& t, ProcessId id) {
  std::vector<MilestoneRecord> out;
  for (const auto& r : t.exec_params("SELECT id, budget, project, title, status, date, progress, notes, "
                                     "translations, photos, created_at, updated_at FROM milestones "
                                     "WHERE process_id = $1 ORDER BY id",
                                     id)) {
    MilestoneRecord m;
    m.id = Int(r[0]);
    m.process = id;
    m.budget = Text(r[1]);
    m.project = Text(r[2]);
    m.title = Text(r[3]);
    const auto status = ParseMilestoneStatus(Text(r[4]));
    if (!status) return Status::Invalid("storage: milestone " + std::to_string(m.id) + " has an unknown status");
    m.status = *status;
    m.date = Text(r[5]);
    m.progress = r[6].as<int>();
    m.notes = Text(r[7]);
    m.translations = Text(r[8]);
    m.photos = Text(r[9]);
    m.created_at_ms = Int(r[10]);
    m.updated_at_ms = Int(r[11]);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace psephos::server::pg_milestones
