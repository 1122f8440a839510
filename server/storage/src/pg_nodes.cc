#include "pg_nodes.h"

#include <algorithm>
#include <string>

#include "pg_rows.h"

namespace psephos::server::pg_nodes {

using pg::Int;
using pg::Text;
using pg::TextArray;

namespace {
// Held by a node writing its batch of wrong attempts, to its commit (pg_storage.cc's
// scheduler lock, "psephos", + 1).
constexpr long long kWrongAttemptsLock = 0x70736570686f75;
}  // namespace

Result<Revisions> LoadRevisions(pqxx::work& t) {
  Revisions revisions;
  for (const auto& row : t.exec("SELECT scope, part, revision FROM changes")) {
    const auto part = ParseStoredPart(row[1].as<std::string>());
    if (!part) return Status::Invalid("storage: changes: unknown part " + row[1].as<std::string>());
    revisions[{row[0].as<std::int64_t>(), *part}] = row[2].as<std::int64_t>();
  }
  return revisions;
}

Status ShareWrongAttempts(pqxx::work& t, const std::vector<WrongAttemptsRecord>& attempts) {
  // Writers one at a time: rows become visible in the order of their ids,
  // so a reader that has seen row n has seen every row before it.
  t.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kWrongAttemptsLock) + ")");
  std::vector<std::string> kinds, keys, counts, nodes;
  for (const WrongAttemptsRecord& a : attempts) {
    kinds.emplace_back(AttemptKindName(a.kind));
    keys.push_back(a.key);
    counts.push_back(std::to_string(a.count));
    nodes.push_back(a.node);
  }
  t.exec_params("INSERT INTO wrong_attempts(kind, key, count, node) "
                "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])",
                TextArray(kinds), TextArray(keys), TextArray(counts), TextArray(nodes));
  t.exec_params("DELETE FROM wrong_attempts WHERE at < clock_timestamp() - make_interval(mins => $1)",
                static_cast<int>(kWrongAttemptsKept.count()));
  t.commit();
  return Status::Ok();
}

Result<std::vector<WrongAttemptsRecord>> LoadWrongAttempts(pqxx::work& t, std::int64_t after) {
  std::vector<WrongAttemptsRecord> out;
  for (const auto& r : t.exec_params(
           "SELECT id, kind, key, count, node, "
           "(extract(epoch FROM clock_timestamp() - at) * 1000)::bigint FROM wrong_attempts "
           "WHERE id > $1 AND at >= clock_timestamp() - make_interval(mins => $2) ORDER BY id LIMIT 100000",
           after, static_cast<int>(kWrongAttemptsKept.count()))) {
    const auto kind = ParseAttemptKind(Text(r[1]));
    if (!kind) return Status::Invalid("storage: wrong_attempts: unknown kind " + Text(r[1]));
    out.push_back(WrongAttemptsRecord{*kind, Text(r[2]), Int(r[3]), Text(r[4]), Int(r[0]),
                                      std::max<std::int64_t>(0, Int(r[5]))});
  }
  return out;
}

}  // namespace psephos::server::pg_nodes
