// The PostgreSQL statements of paper batches and sheets, apart from
// pg_storage.cc; PgStorage forwards to them. Each runs in the caller's
// transaction (PgStorage::Transact) and commits it where it writes. A sheet's
// entries are stored with the ballot path (AddPaperEntry, in pg_storage.cc).
#pragma once

#include <pqxx/pqxx>

#include "psephos/server/storage.h"

namespace psephos::server::pg_paper {

Result<std::int64_t> AddPaperBatch(pqxx::work& t, ProcessId id, const std::string& area, const std::string& language,
                                   std::int64_t count,
                                   const std::function<std::string(std::int64_t, std::int64_t)>& serial);
Result<std::vector<PaperBatchRecord>> LoadPaperBatches(pqxx::work& t, ProcessId id);
Result<std::vector<PaperSheetRecord>> LoadPaperSheets(pqxx::work& t, ProcessId id, std::int64_t batch);

}  // namespace psephos::server::pg_paper
