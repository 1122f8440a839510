// The SQLite statements of funded projects' milestones, apart from
// sqlite_storage.cc; SqliteStorage forwards to them.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include "psephos/server/storage.h"

namespace psephos::server::sqlite_milestones {

Result<std::int64_t> AddMilestone(SQLite::Database& db, const MilestoneRecord& milestone);
Status UpdateMilestone(SQLite::Database& db, const MilestoneRecord& milestone);
Result<std::vector<MilestoneRecord>> LoadMilestones(SQLite::Database& db, ProcessId id);

}  // namespace psephos::server::sqlite_milestones
