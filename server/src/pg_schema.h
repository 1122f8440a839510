// The PostgreSQL schema and its migrations, apart from the statements that use it.
#pragma once

#include <pqxx/pqxx>

namespace psephos::server {

// Creates the tables of an empty database, or moves an older one to the
// current schema, in one transaction under an advisory lock (nodes starting
// together wait for each other); throws for a database written by a newer
// Psephos.
void MigratePgSchema(pqxx::connection& connection);

// The schema version this Psephos writes, and the one a database holds (0: none yet).
int PgSchemaVersion();
int PgStoredSchemaVersion(pqxx::transaction_base& t);

}  // namespace psephos::server
