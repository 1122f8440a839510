// The PostgreSQL schema and its migrations, apart from the statements that use it.
#pragma once

#include <pqxx/pqxx>

#include <functional>
#include <string>
#include <vector>

#include "psephos/server/storage.h"

namespace psephos::server {

// One step of the schema: brings a database at version - 1 to `version`.
struct PgSchemaStep {
  int version;
  std::string name;
  std::function<void(pqxx::work&)> run;
};

// This build's steps, 1 to PgSchemaVersion(), in order.
const std::vector<PgSchemaStep>& PgSchemaSteps();

// Creates the tables of an empty database, or runs the steps an older one
// lacks (each in its own transaction: `upgrade` says whether it may), all under
// an advisory lock held by the session: nodes starting or migrating together
// wait for each other, and the steps run once. Throws for a database written by
// a newer Psephos, or an older one it may not migrate. `steps`: tests add one.
SchemaChange MigratePgSchema(pqxx::connection& connection, SchemaUpgrade upgrade,
                             const std::vector<PgSchemaStep>& steps = PgSchemaSteps());

// The schema version this Psephos writes, and the one a database holds (0: none yet).
int PgSchemaVersion();
int PgStoredSchemaVersion(pqxx::transaction_base& t);

}  // namespace psephos::server
