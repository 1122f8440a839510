#include "pg_processes.h"

#include "pg_rows.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server::pg_processes {

using pg::Int;
using pg::Text;

namespace {

// The process's `column` set to `value`, and its time of change.
Status UpdateColumn(pqxx::work& t, ProcessId id, const char* column, const std::string& value) {
  auto r = t.exec_params(std::string("UPDATE processes SET ") + column + " = $1, updated_at = $2 WHERE id = $3",
                         value, NowMs(), id);
  t.commit();
  if (r.affected_rows() != 1) return Status::Invalid("storage: no process with id " + std::to_string(id));
  return Status::Ok();
}

}  // namespace

Result<std::optional<std::string>> GetSetting(pqxx::work& t, const std::string& key) {
  auto r = t.exec_params("SELECT value FROM settings WHERE key = $1", key);
  if (r.empty()) return std::optional<std::string>();
  return std::optional<std::string>(Text(r[0][0]));
}

Status PutSetting(pqxx::work& t, const std::string& key, const std::string& value) {
  t.exec_params("INSERT INTO settings(key, value) VALUES($1, $2) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                key, value);
  t.commit();
  return Status::Ok();
}

Result<std::string> SettingOnce(pqxx::work& t, const std::string& key, const std::string& value) {
  t.exec_params("INSERT INTO settings(key, value) VALUES($1, $2) ON CONFLICT(key) DO NOTHING", key, value);
  auto stored = t.exec_params1("SELECT value FROM settings WHERE key = $1", key)[0].as<std::string>();
  t.commit();
  return stored;
}

Result<ProcessId> CreateProcess(pqxx::work& t, const std::string& slug, const std::string& definition) {
  const std::int64_t now = NowMs();
  auto r = t.exec_params("INSERT INTO processes(slug, definition, state, created_at, updated_at) "
                         "VALUES($1, $2, 'draft', $3, $4) RETURNING id",
                         slug, definition, now, now);
  t.commit();
  return Int(r[0][0]);
}

Status UpdateDefinition(pqxx::work& t, ProcessId id, const std::string& definition) {
  return UpdateColumn(t, id, "definition", definition);
}
Status SetState(pqxx::work& t, ProcessId id, ProcessState state) {
  return UpdateColumn(t, id, "state", ProcessStateName(state));
}
Status SetResults(pqxx::work& t, ProcessId id, const std::string& results) {
  return UpdateColumn(t, id, "results", results);
}

Result<std::vector<ProcessRecord>> LoadProcesses(pqxx::work& t) {
  std::vector<ProcessRecord> out;
  for (const auto& row : t.exec("SELECT id, slug, definition, state, results FROM processes ORDER BY id")) {
    ProcessRecord r;
    r.id = Int(row[0]);
    r.slug = Text(row[1]);
    r.definition = Text(row[2]);
    auto state = ParseProcessState(Text(row[3]));
    if (!state) return Status::Invalid("storage: process " + r.slug + " has an unknown state");
    r.state = *state;
    r.results = Text(row[4]);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace psephos::server::pg_processes
