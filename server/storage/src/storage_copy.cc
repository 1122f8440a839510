// psephos-server --copy-to: an SQLite store moved into a new PostgreSQL
// database row for row with every id kept (the ballot log's order, receipts,
// code states, devices, paper), in one transaction; then read back through
// both Storage implementations and compared.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <tuple>

#include "psephos/server/storage.h"

namespace psephos::server {
namespace {

// Parents before children (foreign keys); tables not named here follow in the
// order SQLite made them.
const std::vector<std::string> kTableOrder{
    "settings",      "processes",    "code_batches",  "devices",     "voter_codes",     "ballots",
    "paper_batches", "paper_sheets", "paper_entries", "images",      "corrections",     "accounts",
    "organizer_roles", "sessions",   "action_log",    "milestones"};

constexpr std::size_t kRowsPerInsert = 500;

// A quoted SQL literal (pqxx's quote() trips GCC 12's -Wrestrict once inlined).
void AppendLiteral(pqxx::work& t, const std::string& value, std::string* sql) {
  *sql += '\'';
  *sql += t.esc(value);
  *sql += '\'';
}

std::vector<std::string> SqliteTables(SQLite::Database& db) {
  std::vector<std::string> found;
  SQLite::Statement q(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                          "ORDER BY rowid");
  while (q.executeStep()) found.push_back(q.getColumn(0).getString());
  std::vector<std::string> out;
  for (const auto& name : kTableOrder) {
    if (std::find(found.begin(), found.end(), name) != found.end()) out.push_back(name);
  }
  for (const auto& name : found) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

std::vector<std::string> SqliteColumns(SQLite::Database& db, const std::string& table) {
  std::vector<std::string> out;
  SQLite::Statement q(db, "SELECT name FROM pragma_table_info(?)");
  q.bind(1, table);
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

std::set<std::string> PgColumns(pqxx::work& t, const std::string& table) {
  std::set<std::string> out;
  for (const auto& r : t.exec_params("SELECT column_name FROM information_schema.columns "
                                     "WHERE table_schema = current_schema() AND table_name = $1",
                                     table)) {
    out.insert(r[0].as<std::string>());
  }
  return out;
}

// Copies one table; the rows copied.
std::int64_t CopyTable(SQLite::Database& db, pqxx::work& t, const std::string& table) {
  const std::vector<std::string> columns = SqliteColumns(db, table);
  const std::set<std::string> target = PgColumns(t, table);
  if (target.empty()) throw std::runtime_error("PostgreSQL has no table " + table + " (is Psephos older there?)");
  std::string list;
  for (const auto& c : columns) {
    if (!target.count(c)) throw std::runtime_error("PostgreSQL's table " + table + " has no column " + c);
    list += (list.empty() ? "" : ", ") + t.quote_name(c);
  }
  if (!t.exec("SELECT 1 FROM " + t.quote_name(table) + " LIMIT 1").empty()) {
    throw std::runtime_error("the PostgreSQL database already holds data (table " + table +
                             "); --copy-to fills a new one only");
  }
  const std::string insert = "INSERT INTO " + t.quote_name(table) + "(" + list + ") VALUES ";
  SQLite::Statement rows(db, "SELECT " + list + " FROM \"" + table + "\"");
  std::int64_t copied = 0;
  std::string values;
  std::size_t pending = 0;
  auto flush = [&] {
    if (pending == 0) return;
    t.exec(insert + values);
    values.clear();
    pending = 0;
  };
  while (rows.executeStep()) {
    // Every value as a quoted literal: PostgreSQL casts it to the column's
    // type (SQLite's 0/1 flags become booleans).
    values += pending == 0 ? "(" : ", (";
    for (int i = 0; i < rows.getColumnCount(); ++i) {
      if (i > 0) values += ", ";
      const SQLite::Column value = rows.getColumn(i);
      if (value.isNull()) {
        values += "NULL";
      } else if (value.isBlob()) {  // a picture: bytea's hex form
        values += '\'';
        values += t.esc_raw(static_cast<const unsigned char*>(value.getBlob()),
                            static_cast<std::size_t>(value.getBytes()));
        values += '\'';
      } else {
        AppendLiteral(t, value.getString(), &values);
      }
    }
    values += ")";
    ++copied;
    if (++pending == kRowsPerInsert) flush();
  }
  flush();
  return copied;
}

// Identity columns continue after the ids copied.
void AdvanceIdentities(pqxx::work& t) {
  for (const auto& r : t.exec("SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE table_schema = current_schema() AND is_identity = 'YES'")) {
    const std::string table = t.quote_name(r[0].as<std::string>());
    const std::string column = t.quote_name(r[1].as<std::string>());
    std::string sql = "SELECT setval(pg_get_serial_sequence(";
    AppendLiteral(t, table, &sql);
    sql += ", ";
    AppendLiteral(t, r[1].as<std::string>(), &sql);
    t.exec(sql + "), max(" + column + ")) FROM " + table + " HAVING max(" + column + ") IS NOT NULL");
  }
}

// The two stores read back alike: processes, every ballot of each log, every code.
Status Compare(Storage& from, Storage& to) {
  auto a = from.LoadProcesses();
  auto b = to.LoadProcesses();
  if (!a.ok()) return a.status();
  if (!b.ok()) return b.status();
  auto same_process = [](const ProcessRecord& x, const ProcessRecord& y) {
    return std::tie(x.id, x.slug, x.definition, x.state, x.results) ==
           std::tie(y.id, y.slug, y.definition, y.state, y.results);
  };
  if (!std::equal(a->begin(), a->end(), b->begin(), b->end(), same_process)) {
    return Status::Invalid("the copy's processes differ from the original's");
  }
  for (const ProcessRecord& p : *a) {
    auto log_a = from.LoadLog(p.id);
    auto log_b = to.LoadLog(p.id);
    if (!log_a.ok()) return log_a.status();
    if (!log_b.ok()) return log_b.status();
    auto same_ballot = [](const StoredBallot& x, const StoredBallot& y) {
      return std::tie(x.id, x.group, x.area, x.ballot, x.salt, x.receipt, x.created_at_ms, x.superseded,
                      x.code_hash) == std::tie(y.id, y.group, y.area, y.ballot, y.salt, y.receipt, y.created_at_ms,
                                               y.superseded, y.code_hash);
    };
    if (!std::equal(log_a->begin(), log_a->end(), log_b->begin(), log_b->end(), same_ballot)) {
      return Status::Invalid("the copy's ballot log of " + p.slug + " differs from the original's");
    }
    auto codes_a = from.LoadCodes(p.id);
    auto codes_b = to.LoadCodes(p.id);
    if (!codes_a.ok()) return codes_a.status();
    if (!codes_b.ok()) return codes_b.status();
    auto same_code = [](const VoterCodeRecord& x, const VoterCodeRecord& y) {
      return std::tie(x.code_hash, x.group, x.area, x.spent, x.checked_in, x.device, x.checkin_device,
                      x.session_at_ms, x.walk_in, x.submission_hash) ==
             std::tie(y.code_hash, y.group, y.area, y.spent, y.checked_in, y.device, y.checkin_device,
                      y.session_at_ms, y.walk_in, y.submission_hash);
    };
    if (!std::equal(codes_a->begin(), codes_a->end(), codes_b->begin(), codes_b->end(), same_code)) {
      return Status::Invalid("the copy's voter codes of " + p.slug + " differ from the original's");
    }
    auto corrections_a = from.LoadCorrections(p.id);
    auto corrections_b = to.LoadCorrections(p.id);
    if (!corrections_a.ok()) return corrections_a.status();
    if (!corrections_b.ok()) return corrections_b.status();
    auto same_correction = [](const CorrectionRecord& x, const CorrectionRecord& y) {
      return std::tie(x.at_ms, x.by, x.field, x.before, x.after) == std::tie(y.at_ms, y.by, y.field, y.before, y.after);
    };
    if (!std::equal(corrections_a->begin(), corrections_a->end(), corrections_b->begin(), corrections_b->end(),
                    same_correction)) {
      return Status::Invalid("the copy's corrections of " + p.slug + " differ from the original's");
    }
    auto milestones_a = from.LoadMilestones(p.id);
    auto milestones_b = to.LoadMilestones(p.id);
    if (!milestones_a.ok()) return milestones_a.status();
    if (!milestones_b.ok()) return milestones_b.status();
    auto same_milestone = [](const MilestoneRecord& x, const MilestoneRecord& y) {
      return std::tie(x.id, x.budget, x.project, x.title, x.status, x.date, x.progress, x.notes, x.translations, x.photos,
                      x.created_at_ms, x.updated_at_ms) == std::tie(y.id, y.budget, y.project, y.title, y.status, y.date,
                                                                    y.progress, y.notes, y.translations, y.photos,
                                                                    y.created_at_ms, y.updated_at_ms);
    };
    if (!std::equal(milestones_a->begin(), milestones_a->end(), milestones_b->begin(), milestones_b->end(),
                    same_milestone)) {
      return Status::Invalid("the copy's milestones of " + p.slug + " differ from the original's");
    }
  }
  // Pictures byte for byte (the bundle pins them by hash), accounts with their hashes.
  auto images_a = from.LoadImages();
  auto images_b = to.LoadImages();
  if (!images_a.ok()) return images_a.status();
  if (!images_b.ok()) return images_b.status();
  auto by_hash = [](std::vector<ImageRecord>& v) {
    std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) { return x.sha256 < y.sha256; });
  };
  by_hash(*images_a);
  by_hash(*images_b);
  auto same_image = [](const ImageRecord& x, const ImageRecord& y) {
    return std::tie(x.sha256, x.width, x.height, x.jpeg) == std::tie(y.sha256, y.width, y.height, y.jpeg);
  };
  if (!std::equal(images_a->begin(), images_a->end(), images_b->begin(), images_b->end(), same_image)) {
    return Status::Invalid("the copy's pictures differ from the original's");
  }
  auto accounts_a = from.LoadAccounts();
  auto accounts_b = to.LoadAccounts();
  if (!accounts_a.ok()) return accounts_a.status();
  if (!accounts_b.ok()) return accounts_b.status();
  auto same_account = [](const AccountRecord& x, const AccountRecord& y) {
    return std::tie(x.id, x.email, x.name, x.password_hash, x.admin, x.created_at_ms) ==
           std::tie(y.id, y.email, y.name, y.password_hash, y.admin, y.created_at_ms);
  };
  if (!std::equal(accounts_a->begin(), accounts_a->end(), accounts_b->begin(), accounts_b->end(), same_account)) {
    return Status::Invalid("the copy's organizer accounts differ from the original's");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> CopySqliteToPostgres(const std::string& sqlite_path, const std::string& url) {
  if (!std::filesystem::exists(sqlite_path)) return Status::Invalid("no SQLite database at " + sqlite_path);
  // Both opened as a server would: the SQLite store moved to the current
  // schema, PostgreSQL's made.
  auto from = OpenSqliteStorage(sqlite_path);
  if (!from.ok()) return from.status();
  auto to = OpenPgStorage(url);
  if (!to.ok()) return to.status();
  std::map<std::string, std::int64_t> copied;
  try {
    SQLite::Database db(sqlite_path, SQLite::OPEN_READONLY);
    pqxx::connection connection(url);
    pqxx::work t(connection);
    SQLite::Transaction snapshot(db);  // every table read at one moment
    for (const std::string& table : SqliteTables(db)) copied[table] = CopyTable(db, t, table);
    AdvanceIdentities(t);
    t.commit();
  } catch (const std::exception& e) {
    return Status::Invalid("copying to " + RedactedDatabaseUrl(url) + ": " + e.what());
  }
  if (Status same = Compare(**from, **to); !same.ok()) {
    return Status::Invalid("copying to " + RedactedDatabaseUrl(url) + ": " + same.message());
  }
  return "copied " + std::to_string(copied["processes"]) + " processes, " + std::to_string(copied["ballots"]) +
         " ballots, " + std::to_string(copied["voter_codes"]) + " voter codes and " +
         std::to_string(copied["paper_sheets"]) + " paper sheets to " + RedactedDatabaseUrl(url) +
         "; the copy reads back the same";
}

}  // namespace psephos::server
