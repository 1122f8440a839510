// The SQLite schema and its migrations, apart from the statements that use it.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "psephos/server/storage.h"

namespace psephos::server {

// Creates the tables of an empty database, or moves an older one to the
// current schema, in one transaction, if `upgrade` lets it (kBackUpThenMigrate:
// the file is first copied to <backup_to>.schema-N.bak, unless backup_to is
// empty); throws for a database written by a newer Psephos, or an older one it
// may not migrate.
SchemaChange MigrateSqliteSchema(SQLite::Database& db, SchemaUpgrade upgrade = SchemaUpgrade::kMigrate,
                                 const std::string& backup_to = "");

// Refusing an older schema, for both backends: "the database has <backend>
// schema version 2, this Psephos uses version 3: back it up, then ... --migrate".
std::string OlderSchemaMessage(const std::string& backend, int stored, int expected);

}  // namespace psephos::server
