#include "sqlite_accounts.h"

#include <limits>

namespace psephos::server::sqlite_accounts {
namespace {

Status Failed(const char* what, const std::exception& e) {
  return Status::Invalid(std::string("storage: ") + what + ": " + e.what());
}

}  // namespace

Result<std::int64_t> AddAccount(SQLite::Database& db, const AccountRecord& a) try {
  SQLite::Statement q(db, "INSERT INTO accounts(email, name, password_hash, admin, created_at) "
                          "VALUES(?, ?, ?, ?, ?) ON CONFLICT(email) DO NOTHING RETURNING id");
  q.bind(1, a.email);
  q.bind(2, a.name);
  q.bind(3, a.password_hash);
  q.bind(4, a.admin ? 1 : 0);
  q.bind(5, a.created_at_ms);
  if (!q.executeStep()) return Status::Invalid("email_taken: an account has this email");
  return q.getColumn(0).getInt64();
} catch (const std::exception& e) {
  return Failed("adding an account", e);
}

Result<std::vector<AccountRecord>> LoadAccounts(SQLite::Database& db) try {
  SQLite::Statement q(db, "SELECT id, email, name, password_hash, admin, created_at FROM accounts ORDER BY id");
  std::vector<AccountRecord> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                   q.getColumn(3).getString(), q.getColumn(4).getInt() != 0, q.getColumn(5).getInt64()});
  }
  return out;
} catch (const std::exception& e) {
  return Failed("loading accounts", e);
}

Status SetPasswordHash(SQLite::Database& db, std::int64_t account, const std::string& hash,
                       const std::string& kept_session) try {
  SQLite::Transaction transaction(db);
  SQLite::Statement set(db, "UPDATE accounts SET password_hash = ? WHERE id = ?");
  set.bind(1, hash);
  set.bind(2, account);
  if (set.exec() != 1) return Status::Invalid("storage: no account " + std::to_string(account));
  SQLite::Statement end(db, "DELETE FROM sessions WHERE account_id = ? AND id_hash != ?");
  end.bind(1, account);
  end.bind(2, kept_session);
  end.exec();
  transaction.commit();
  return Status::Ok();
} catch (const std::exception& e) {
  return Failed("changing a password", e);
}

Status SetOrganizerRole(SQLite::Database& db, ProcessId id, std::int64_t account, const std::string& role) try {
  if (role.empty()) {
    SQLite::Statement q(db, "DELETE FROM organizer_roles WHERE process_id = ? AND account_id = ?");
    q.bind(1, id);
    q.bind(2, account);
    q.exec();
  } else {
    SQLite::Statement q(db, "INSERT INTO organizer_roles(process_id, account_id, role) VALUES(?, ?, ?) "
                            "ON CONFLICT(process_id, account_id) DO UPDATE SET role = excluded.role");
    q.bind(1, id);
    q.bind(2, account);
    q.bind(3, role);
    q.exec();
  }
  return Status::Ok();
} catch (const std::exception& e) {
  return Failed("setting an organizer's role", e);
}

Result<std::vector<OrganizerRoleRecord>> LoadOrganizerRoles(SQLite::Database& db) try {
  SQLite::Statement q(db, "SELECT process_id, account_id, role FROM organizer_roles");
  std::vector<OrganizerRoleRecord> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString()});
  }
  return out;
} catch (const std::exception& e) {
  return Failed("loading organizer roles", e);
}

Status PutSession(SQLite::Database& db, const SessionRecord& s) try {
  SQLite::Statement q(db, "INSERT INTO sessions(id_hash, account_id, csrf, created_at, seen_at) VALUES(?, ?, ?, ?, ?) "
                          "ON CONFLICT(id_hash) DO UPDATE SET seen_at = excluded.seen_at");
  q.bind(1, s.id_hash);
  q.bind(2, s.account);
  q.bind(3, s.csrf);
  q.bind(4, s.created_at_ms);
  q.bind(5, s.seen_at_ms);
  q.exec();
  return Status::Ok();
} catch (const std::exception& e) {
  return Failed("storing a session", e);
}

Status DeleteSession(SQLite::Database& db, const std::string& id_hash) try {
  SQLite::Statement q(db, "DELETE FROM sessions WHERE id_hash = ?");
  q.bind(1, id_hash);
  q.exec();
  return Status::Ok();
} catch (const std::exception& e) {
  return Failed("deleting a session", e);
}

Result<std::vector<SessionRecord>> LoadSessions(SQLite::Database& db) try {
  SQLite::Statement q(db, "SELECT id_hash, account_id, csrf, created_at, seen_at FROM sessions");
  std::vector<SessionRecord> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                   q.getColumn(3).getInt64(), q.getColumn(4).getInt64()});
  }
  return out;
} catch (const std::exception& e) {
  return Failed("loading sessions", e);
}

Result<std::int64_t> AppendAction(SQLite::Database& db, const ActionRecord& a) try {
  SQLite::Statement q(db, "INSERT INTO action_log(at, account_id, who, process, action, detail) VALUES(?, ?, ?, ?, ?, ?)");
  q.bind(1, a.at_ms);
  q.bind(2, a.account);
  q.bind(3, a.who);
  q.bind(4, a.process);
  q.bind(5, a.action);
  q.bind(6, a.detail);
  q.exec();
  return db.getLastInsertRowid();
} catch (const std::exception& e) {
  return Failed("logging an action", e);
}

Result<std::vector<ActionRecord>> LoadActions(SQLite::Database& db, const std::string& process, std::int64_t before_id,
                                              std::size_t limit) try {
  SQLite::Statement q(db, "SELECT id, at, account_id, who, process, action, detail FROM action_log "
                          "WHERE process = ? AND id < ? ORDER BY id DESC LIMIT ?");
  q.bind(1, process);
  q.bind(2, before_id > 0 ? before_id : std::numeric_limits<std::int64_t>::max());
  q.bind(3, static_cast<std::int64_t>(limit));
  std::vector<ActionRecord> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                   q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString(),
                   q.getColumn(6).getString()});
  }
  return out;
} catch (const std::exception& e) {
  return Failed("reading the action log", e);
}

}  // namespace psephos::server::sqlite_accounts
