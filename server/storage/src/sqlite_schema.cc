#include "sqlite_schema.h"

#include <SQLiteCpp/Backup.h>
#include <sqlite3.h>

#include <cstdio>
#include <iterator>
#include <stdexcept>
#include <string>

namespace psephos::server {
namespace {

constexpr int kSchemaVersion = 9;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS settings(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS processes(
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  definition TEXT NOT NULL,
  state TEXT NOT NULL,
  results TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS code_batches(
  id INTEGER PRIMARY KEY,
  process_id INTEGER NOT NULL REFERENCES processes(id),
  grp TEXT NOT NULL,
  area TEXT NOT NULL DEFAULT '',
  count INTEGER NOT NULL,
  csv TEXT,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS devices(
  id INTEGER PRIMARY KEY,
  process_id INTEGER NOT NULL REFERENCES processes(id),
  role TEXT NOT NULL,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  walk_in_allowance INTEGER NOT NULL DEFAULT 0,  -- a kiosk's walk-in sessions in all (0: none)
  session_seconds INTEGER NOT NULL DEFAULT 60);  -- least time between two of a kiosk's sessions
CREATE TABLE IF NOT EXISTS voter_codes(
  process_id INTEGER NOT NULL REFERENCES processes(id),
  code_hash TEXT NOT NULL,
  grp TEXT NOT NULL,
  area TEXT NOT NULL DEFAULT '',
  batch_id INTEGER REFERENCES code_batches(id),  -- NULL: a kiosk's one-time code
  device_id INTEGER REFERENCES devices(id),
  spent INTEGER NOT NULL DEFAULT 0,
  checked_in TEXT NOT NULL DEFAULT '',  -- spent without a ballot: paper, kiosk, void
  checkin_device INTEGER,  -- the clerk's device that checked it in (NULL: the organizer, or none)
  ballot_id INTEGER,  -- the ballot that counts for this code (revoting needs it)
  session_at INTEGER NOT NULL DEFAULT 0,  -- a kiosk's one-time code: when its session started
  walk_in INTEGER NOT NULL DEFAULT 0,  -- ...for a walk-in (no voter code): the record of the walk-in
  submission_hash TEXT NOT NULL DEFAULT '',  -- the voting page's id of its latest ballot, hashed (a retry)
  PRIMARY KEY(process_id, code_hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ballots(
  id INTEGER PRIMARY KEY,
  process_id INTEGER NOT NULL REFERENCES processes(id),
  code_hash TEXT NOT NULL,  -- for a paper ballot, "paper:" and its serial
  grp TEXT NOT NULL,
  area TEXT NOT NULL DEFAULT '',
  ballot TEXT NOT NULL,
  salt TEXT NOT NULL,
  receipt TEXT NOT NULL,  -- unique by its random salt; an index on it would cost every write
  created_at INTEGER NOT NULL,
  superseded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS paper_batches(
  id INTEGER PRIMARY KEY,
  process_id INTEGER NOT NULL REFERENCES processes(id),
  area TEXT NOT NULL,
  language TEXT NOT NULL,
  count INTEGER NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS paper_sheets(
  process_id INTEGER NOT NULL REFERENCES processes(id),
  serial TEXT NOT NULL,
  batch_id INTEGER NOT NULL REFERENCES paper_batches(id),
  state TEXT NOT NULL DEFAULT 'printed',
  PRIMARY KEY(process_id, serial)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS paper_entries(
  id INTEGER PRIMARY KEY,
  process_id INTEGER NOT NULL REFERENCES processes(id),
  serial TEXT NOT NULL,
  device_id INTEGER NOT NULL,  -- 0: the organizer
  ballot TEXT NOT NULL,
  spoiled INTEGER NOT NULL,
  resolution TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS paper_entries_by_sheet ON paper_entries(process_id, serial);
CREATE INDEX IF NOT EXISTS voter_codes_by_device ON voter_codes(process_id, device_id) WHERE device_id IS NOT NULL;
)sql";

// Schema 1 (before areas, devices and paper): voter_codes needs a nullable
// batch_id, which SQLite can only give by rebuilding the table.
constexpr const char* kMigrateFrom1 = R"sql(
ALTER TABLE code_batches ADD COLUMN area TEXT NOT NULL DEFAULT '';
ALTER TABLE ballots ADD COLUMN area TEXT NOT NULL DEFAULT '';
ALTER TABLE voter_codes RENAME TO voter_codes_1;
)sql";
constexpr const char* kMigrateFrom1Copy = R"sql(
INSERT INTO voter_codes(process_id, code_hash, grp, batch_id, spent, ballot_id)
  SELECT process_id, code_hash, grp, batch_id, spent, ballot_id FROM voter_codes_1;
DROP TABLE voter_codes_1;
)sql";

// Schema 2 (before kiosk limits): walk-ins are recorded from now on; kiosks
// signed in before take none until the organizer allows them.
constexpr const char* kMigrateFrom2 = R"sql(
ALTER TABLE devices ADD COLUMN walk_in_allowance INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN session_seconds INTEGER NOT NULL DEFAULT 60;
ALTER TABLE voter_codes ADD COLUMN session_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE voter_codes ADD COLUMN walk_in INTEGER NOT NULL DEFAULT 0;
)sql";

// Schema 4, step "texts" (#16 items 5-7): project pictures, corrections made
// while voting is open. New tables only, so any earlier database takes them as
// they are; idempotent, so it can run at any version below 4.
constexpr const char* kTextsTables = R"sql(
CREATE TABLE IF NOT EXISTS images(
  sha256 TEXT PRIMARY KEY,  -- of jpeg: the name the definition pins
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  jpeg BLOB NOT NULL,
  created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS corrections(
  id INTEGER PRIMARY KEY,
  process_id INTEGER NOT NULL REFERENCES processes(id),
  at INTEGER NOT NULL,
  by TEXT NOT NULL,
  field TEXT NOT NULL,
  before TEXT NOT NULL,  -- JSON
  after TEXT NOT NULL);  -- JSON
CREATE INDEX IF NOT EXISTS corrections_by_process ON corrections(process_id, id);
)sql";

void MigrateTexts(SQLite::Database& db) { db.exec(kTextsTables); }

// Schema 5: organizer accounts, their roles per process, browser sessions
// (only the cookie's hash) and the log of every organizer action.
constexpr const char* kOrganizerAccounts = R"sql(
CREATE TABLE IF NOT EXISTS accounts(
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,  -- lowercase
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,  -- Argon2id encoded string, parameters included
  admin INTEGER NOT NULL DEFAULT 0,  -- the first account: every process
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS organizer_roles(
  process_id INTEGER NOT NULL REFERENCES processes(id),
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  role TEXT NOT NULL,  -- owner, editor, observer
  PRIMARY KEY(process_id, account_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions(
  id_hash TEXT PRIMARY KEY,  -- SHA-256 of the cookie
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  seen_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS action_log(
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  account_id INTEGER NOT NULL,  -- 0: the organizer token
  who TEXT NOT NULL,  -- the account's name and email at the time
  process TEXT NOT NULL,  -- slug, '' for none
  action TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS action_log_by_process ON action_log(process, id);
)sql";

// Step to schema 5 (from any earlier one, or an empty database): new tables only.
void AddOrganizerAccounts(SQLite::Database& db) { db.exec(kOrganizerAccounts); }

// Schema 6 (#19 items 2 and 3): ideas
// from the community, their supports (one per code and idea) and idea codes.
// New tables only, idempotent: it runs on any earlier database.
constexpr const char* kIdeasTables = R"sql(
CREATE TABLE IF NOT EXISTS ideas(
  id INTEGER PRIMARY KEY,
  process_id INTEGER NOT NULL REFERENCES processes(id),
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  category TEXT NOT NULL,
  place TEXT NOT NULL,
  image TEXT NOT NULL,  -- JSON of the picture's files, or ''
  author_hash TEXT NOT NULL,  -- the hash of the code it was sent with: never published
  grp TEXT NOT NULL,
  idea_code INTEGER NOT NULL,  -- 1: sent with an idea code
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL,  -- submitted, hidden, merged, feasible, not_feasible
  reason TEXT NOT NULL DEFAULT '',
  merged_into INTEGER NOT NULL DEFAULT 0,
  cost INTEGER NOT NULL DEFAULT 0,
  project TEXT NOT NULL DEFAULT '');  -- budget/project once on the ballot
CREATE INDEX IF NOT EXISTS ideas_by_process ON ideas(process_id, id);
CREATE TABLE IF NOT EXISTS idea_supports(
  process_id INTEGER NOT NULL REFERENCES processes(id),
  idea_id INTEGER NOT NULL REFERENCES ideas(id),
  code_hash TEXT NOT NULL,
  grp TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY(process_id, idea_id, code_hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idea_codes(
  process_id INTEGER NOT NULL REFERENCES processes(id),
  code_hash TEXT NOT NULL,
  grp TEXT NOT NULL,
  PRIMARY KEY(process_id, code_hash)) WITHOUT ROWID;
)sql";

void AddIdeas(SQLite::Database& db) { db.exec(kIdeasTables); }

// Schema 7 (#19 item 4): milestones of funded projects. A new table only, idempotent, so it runs at any version.
constexpr const char* kMilestones = R"sql(
CREATE TABLE IF NOT EXISTS milestones(
  id INTEGER PRIMARY KEY,
  process_id INTEGER NOT NULL REFERENCES processes(id),
  budget TEXT NOT NULL,
  project TEXT NOT NULL,
  title TEXT NOT NULL,
  status TEXT NOT NULL,  -- planned, in_progress, done, cancelled
  date TEXT NOT NULL,    -- YYYY-MM-DD
  progress INTEGER NOT NULL CHECK(progress BETWEEN 0 AND 100),
  notes TEXT NOT NULL,
  translations TEXT NOT NULL,  -- JSON {"es": {"title", "notes"}} or null
  photos TEXT NOT NULL,        -- JSON array of pictures (images table)
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS milestones_by_process ON milestones(process_id, id);
)sql";

void AddMilestones(SQLite::Database& db) { db.exec(kMilestones); }

// Schema 8: a code's submission hash, so a ballot retried after a lost answer is
// told apart from a second ballot. kSchema has the column for a new or rebuilt
// (schema 1) table; any other earlier table gets it here.
void AddSubmissionHash(SQLite::Database& db) {
  if (db.execAndGet("SELECT count(*) FROM pragma_table_info('voter_codes') WHERE name = 'submission_hash'").getInt() == 0) {
    db.exec("ALTER TABLE voter_codes ADD COLUMN submission_hash TEXT NOT NULL DEFAULT ''");
  }
}
// Each step's version and name, as --migrate reports them: a new step is a
// function called in MigrateSqliteSchema and one line here.
constexpr struct {
  int version;
  const char* name;
} kSteps[] = {
    {2, "areas, devices and paper (voter_codes rebuilt)"},
    {3, "kiosk limits"},
    {4, "texts: project pictures, corrections"},
    {5, "organizer accounts, roles, sessions, action log"},
    {6, "ideas, supports, idea codes"},
    {7, "milestones of funded projects"},
    {8, "submission hashes of voter codes (a retried ballot)"},
    {9, "an index of one-time codes by kiosk (its limits read in the session's transaction)"},
};
static_assert(std::size(kSteps) > 0 && kSteps[std::size(kSteps) - 1].version == kSchemaVersion);

// The whole file, as it is, through SQLite's online backup API.
void BackUp(SQLite::Database& db, const std::string& to) {
  std::remove(to.c_str());  // a copy left by an attempt that failed: of the same version, made again
  SQLite::Database copy(to, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  SQLite::Backup backup(copy, db);
  if (backup.executeStep() != SQLITE_DONE) throw std::runtime_error("cannot write the backup " + to);
}

}  // namespace

std::string OlderSchemaMessage(const std::string& backend, int stored, int expected) {
  return "the database has " + backend + " schema version " + std::to_string(stored) + ", this Psephos uses version " +
         std::to_string(expected) + ": back it up, then run psephos-server with the same --database and --migrate";
}

SchemaChange MigrateSqliteSchema(SQLite::Database& db, SchemaUpgrade upgrade, const std::string& backup_to) {
  SchemaChange change;
  change.backend = "SQLite";
  change.to = kSchemaVersion;
  change.from = db.execAndGet("PRAGMA user_version").getInt();
  const int version = change.from;
  if (version > kSchemaVersion) {
    throw std::runtime_error("the data was written by a newer Psephos (schema " + std::to_string(version) +
                             "); this one knows SQLite schema " + std::to_string(kSchemaVersion));
  }
  if (version == kSchemaVersion) return change;
  if (version > 0) {
    if (upgrade == SchemaUpgrade::kRefuse) throw std::runtime_error(OlderSchemaMessage("SQLite", version, kSchemaVersion));
    if (upgrade == SchemaUpgrade::kBackUpThenMigrate && !backup_to.empty()) {
      change.backup = backup_to + ".schema-" + std::to_string(version) + ".bak";
      BackUp(db, change.backup);
    }
    for (const auto& step : kSteps) {
      if (step.version > version) change.steps.push_back(std::to_string(step.version) + ": " + step.name);
    }
  }
  // All steps in one transaction: they share kSchema, the current tables.
  SQLite::Transaction transaction(db);
  if (version == 1) db.exec(kMigrateFrom1);
  if (version == 2) db.exec(kMigrateFrom2);
  db.exec(kSchema);
  if (version == 1) db.exec(kMigrateFrom1Copy);
  if (version < 4) MigrateTexts(db);
  if (version < 5) AddOrganizerAccounts(db);
  if (version < 6) AddIdeas(db);
  if (version < 7) AddMilestones(db);
  if (version < 8) AddSubmissionHash(db);
  db.exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
  transaction.commit();
  return change;
}

}  // namespace psephos::server
