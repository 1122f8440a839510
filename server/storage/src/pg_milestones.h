// The PostgreSQL statements of funded projects' milestones, apart from
// pg_storage.cc; PgStorage forwards to them. Each runs in the caller's
// transaction (PgStorage::Transact) and commits it where it writes.
#pragma once

#include <pqxx/pqxx>

#include "psephos/server/storage.h"

namespace psephos::server::pg_milestones {

Result<std::int64_t> AddMilestone(pqxx::work& t, const MilestoneRecord& milestone);
Status UpdateMilestone(pqxx::work& t, const MilestoneRecord& milestone);
Result<std::vector<MilestoneRecord>> LoadMilestones(pqxx::work& t, ProcessId id);

}  // namespace psephos::server::pg_milestones
