// The PostgreSQL statements of organizer accounts, roles, sessions and the
// action log, apart from pg_storage.cc; PgStorage forwards to them. Each runs in
// the caller's transaction (PgStorage::Transact) and commits it where it writes.
#pragma once

#include <pqxx/pqxx>

#include "psephos/server/storage.h"

namespace psephos::server::pg_accounts {

Result<std::int64_t> AddAccount(pqxx::work& t, const AccountRecord& account);
Result<std::vector<AccountRecord>> LoadAccounts(pqxx::work& t);
Status SetPasswordHash(pqxx::work& t, std::int64_t account, const std::string& hash, const std::string& kept_session);
Status SetOrganizerRole(pqxx::work& t, ProcessId id, std::int64_t account, const std::string& role);
Result<std::vector<OrganizerRoleRecord>> LoadOrganizerRoles(pqxx::work& t);
Status PutSession(pqxx::work& t, const SessionRecord& session);
Status DeleteSession(pqxx::work& t, const std::string& id_hash);
Result<std::vector<SessionRecord>> LoadSessions(pqxx::work& t);
Result<std::int64_t> AppendAction(pqxx::work& t, const ActionRecord& action);
Result<std::vector<ActionRecord>> LoadActions(pqxx::work& t, const std::string& process, std::int64_t before_id,
                                              std::size_t limit);

}  // namespace psephos::server::pg_accounts
