// The PostgreSQL statements by which nodes on one database follow each other
// (#17 item 2): the revisions of what they changed, and the wrong codes and
// passwords their limiters share; apart from pg_storage.cc, which forwards to
// them. Each runs in the caller's transaction (PgStorage::Transact) and commits
// it where it writes.
#pragma once

#include <pqxx/pqxx>

#include "psephos/server/storage.h"

namespace psephos::server::pg_nodes {

Result<Revisions> LoadRevisions(pqxx::work& t);
Status ShareWrongAttempts(pqxx::work& t, const std::vector<WrongAttemptsRecord>& attempts);
Result<std::vector<WrongAttemptsRecord>> LoadWrongAttempts(pqxx::work& t, std::int64_t after);

}  // namespace psephos::server::pg_nodes
