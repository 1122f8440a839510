// The SQLite schema and its migrations, apart from the statements that use it.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

namespace psephos::server {

// Creates the tables of an empty database, or moves an older one to the
// current schema, in one transaction; throws for a database written by a
// newer Psephos.
void MigrateSqliteSchema(SQLite::Database& db);

}  // namespace psephos::server
