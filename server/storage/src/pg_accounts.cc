#include "pg_accounts.h"

#include <limits>

#include "pg_rows.h"

namespace psephos::server::pg_accounts {

using pg::Bool;
using pg::Int;
using pg::Text;

Result<std::int64_t> AddAccount(pqxx::work& t, const AccountRecord& a) {
  auto r = t.exec_params("INSERT INTO accounts(email, name, password_hash, admin, created_at) "
                         "VALUES($1, $2, $3, $4, $5) ON CONFLICT(email) DO NOTHING RETURNING id",
                         a.email, a.name, a.password_hash, a.admin, a.created_at_ms);
  if (r.empty()) return Status::Invalid("email_taken: an account has this email");
  t.commit();
  return Int(r[0][0]);
}

Result<std::vector<AccountRecord>> LoadAccounts(pqxx::work& t) {
  std::vector<AccountRecord> out;
  for (const auto& r : t.exec("SELECT id, email, name, password_hash, admin, created_at FROM accounts ORDER BY id")) {
    out.push_back(AccountRecord{Int(r[0]), Text(r[1]), Text(r[2]), Text(r[3]), Bool(r[4]), Int(r[5])});
  }
  return out;
}

Status SetPasswordHash(pqxx::work& t, std::int64_t account, const std::string& hash, const std::string& kept_session) {
  auto set = t.exec_params("UPDATE accounts SET password_hash = $1 WHERE id = $2", hash, account);
  if (set.affected_rows() != 1) return Status::Invalid("storage: no account " + std::to_string(account));
  t.exec_params("DELETE FROM sessions WHERE account_id = $1 AND id_hash != $2", account, kept_session);
  t.commit();
  return Status::Ok();
}

Status SetOrganizerRole(pqxx::work& t, ProcessId id, std::int64_t account, const std::string& role) {
  if (role.empty()) {
    t.exec_params("DELETE FROM organizer_roles WHERE process_id = $1 AND account_id = $2", id, account);
  } else {
    t.exec_params("INSERT INTO organizer_roles(process_id, account_id, role) VALUES($1, $2, $3) "
                  "ON CONFLICT(process_id, account_id) DO UPDATE SET role = excluded.role",
                  id, account, role);
  }
  t.commit();
  return Status::Ok();
}

Result<std::vector<OrganizerRoleRecord>> LoadOrganizerRoles(pqxx::work& t) {
  std::vector<OrganizerRoleRecord> out;
  for (const auto& r : t.exec("SELECT process_id, account_id, role FROM organizer_roles")) {
    out.push_back(OrganizerRoleRecord{Int(r[0]), Int(r[1]), Text(r[2])});
  }
  return out;
}

Status PutSession(pqxx::work& t, const SessionRecord& s) {
  t.exec_params("INSERT INTO sessions(id_hash, account_id, csrf, created_at, seen_at) VALUES($1, $2, $3, $4, $5) "
                "ON CONFLICT(id_hash) DO UPDATE SET seen_at = excluded.seen_at",
                s.id_hash, s.account, s.csrf, s.created_at_ms, s.seen_at_ms);
  t.commit();
  return Status::Ok();
}

Status DeleteSession(pqxx::work& t, const std::string& id_hash) {
  t.exec_params("DELETE FROM sessions WHERE id_hash = $1", id_hash);
  t.commit();
  return Status::Ok();
}

Result<std::vector<SessionRecord>> LoadSessions(pqxx::work& t) {
  std::vector<SessionRecord> out;
  for (const auto& r : t.exec("SELECT id_hash, account_id, csrf, created_at, seen_at FROM sessions")) {
    out.push_back(SessionRecord{Text(r[0]), Int(r[1]), Text(r[2]), Int(r[3]), Int(r[4])});
  }
  return out;
}

Result<std::int64_t> AppendAction(pqxx::work& t, const ActionRecord& a) {
  auto r = t.exec_params("INSERT INTO action_log(at, account_id, who, process, action, detail) "
                         "VALUES($1, $2, $3, $4, $5, $6) RETURNING id",
                         a.at_ms, a.account, a.who, a.process, a.action, a.detail);
  t.commit();
  return Int(r[0][0]);
}

Result<std::vector<ActionRecord>> LoadActions(pqxx::work& t, const std::string& process, std::int64_t before_id,
                                              std::size_t limit) {
  std::vector<ActionRecord> out;
  for (const auto& r : t.exec_params("SELECT id, at, account_id, who, process, action, detail FROM action_log "
                                     "WHERE process = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                                     process, before_id > 0 ? before_id : std::numeric_limits<std::int64_t>::max(),
                                     static_cast<std::int64_t>(limit))) {
    out.push_back(ActionRecord{Int(r[0]), Int(r[1]), Int(r[2]), Text(r[3]), Text(r[4]), Text(r[5]), Text(r[6])});
  }
  return out;
}

}  // namespace psephos::server::pg_accounts
