// The PostgreSQL statements of processes and settings, apart from
// pg_storage.cc; PgStorage forwards to them. Each runs in the caller's
// transaction (PgStorage::Transact) and commits it where it writes.
#pragma once

#include <pqxx/pqxx>

#include "psephos/server/storage.h"

namespace psephos::server::pg_processes {

Result<std::optional<std::string>> GetSetting(pqxx::work& t, const std::string& key);
Status PutSetting(pqxx::work& t, const std::string& key, const std::string& value);
Result<std::string> SettingOnce(pqxx::work& t, const std::string& key, const std::string& value);
Result<ProcessId> CreateProcess(pqxx::work& t, const std::string& slug, const std::string& definition);
Status UpdateDefinition(pqxx::work& t, ProcessId id, const std::string& definition);
Status SetState(pqxx::work& t, ProcessId id, ProcessState state);
Status SetResults(pqxx::work& t, ProcessId id, const std::string& results);
Result<std::vector<ProcessRecord>> LoadProcesses(pqxx::work& t);

}  // namespace psephos::server::pg_processes
