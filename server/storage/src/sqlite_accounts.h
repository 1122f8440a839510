// The SQLite statements of organizer accounts, roles, sessions and the action
// log, apart from sqlite_storage.cc; SqliteStorage forwards to them.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include "psephos/server/storage.h"

namespace psephos::server::sqlite_accounts {

Result<std::int64_t> AddAccount(SQLite::Database& db, const AccountRecord& account);
Result<std::vector<AccountRecord>> LoadAccounts(SQLite::Database& db);
Status SetPasswordHash(SQLite::Database& db, std::int64_t account, const std::string& hash,
                       const std::string& kept_session);
Status SetOrganizerRole(SQLite::Database& db, ProcessId id, std::int64_t account, const std::string& role);
Result<std::vector<OrganizerRoleRecord>> LoadOrganizerRoles(SQLite::Database& db);
Status PutSession(SQLite::Database& db, const SessionRecord& session);
Status DeleteSession(SQLite::Database& db, const std::string& id_hash);
Result<std::vector<SessionRecord>> LoadSessions(SQLite::Database& db);
Result<std::int64_t> AppendAction(SQLite::Database& db, const ActionRecord& action);
Result<std::vector<ActionRecord>> LoadActions(SQLite::Database& db, const std::string& process, std::int64_t before_id,
                                              std::size_t limit);

}  // namespace psephos::server::sqlite_accounts
