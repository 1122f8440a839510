// The PostgreSQL statements of texts: project pictures and corrections, apart
// from pg_storage.cc; PgStorage forwards to them. Each runs in the caller's
// transaction (PgStorage::Transact) and commits it where it writes.
#pragma once

#include <pqxx/pqxx>

#include "psephos/server/storage.h"

namespace psephos::server::pg_texts {

Status PutImages(pqxx::work& t, const std::vector<ImageRecord>& images);
Result<std::vector<ImageRecord>> LoadImages(pqxx::work& t);
Status CorrectDefinition(pqxx::work& t, ProcessId id, const std::string& definition,
                         const std::vector<CorrectionRecord>& changes);
Result<std::vector<CorrectionRecord>> LoadCorrections(pqxx::work& t, ProcessId id);

}  // namespace psephos::server::pg_texts
