#include "pg_ideas.h"

#include "pg_rows.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server::pg_ideas {

using pg::Bool;
using pg::Int;
using pg::Text;
using pg::TextArray;

namespace {

// The first key of the two-key advisory locks that take one author's new ideas in turn.
constexpr int kIdeasByAuthorLock = 0x70736570;

// Within the caller's transaction: the committee's fields of each idea.
Status UpdateIdeaRows(pqxx::work& t, ProcessId id, const std::vector<IdeaRecord>& ideas) {
  for (const IdeaRecord& i : ideas) {
    auto r = t.exec_params("UPDATE ideas SET status = $1, reason = $2, merged_into = $3, cost = $4, project = $5 "
                           "WHERE process_id = $6 AND id = $7",
                           std::string(IdeaStatusName(i.status)), i.reason, i.merged_into, i.cost, i.project, id, i.id);
    if (r.affected_rows() != 1) return Status::Invalid("storage: no idea " + std::to_string(i.id));
  }
  return Status::Ok();
}

}  // namespace

Result<std::optional<std::int64_t>> AddIdea(pqxx::work& t, ProcessId id, const IdeaRecord& i,
                                           std::size_t author_ideas_before) {
  // One author's ideas added one at a time, whichever node: the count read here stays true to the commit.
  t.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", kIdeasByAuthorLock, i.author_hash);
  const auto stored = Int(t.exec_params1("SELECT count(*) FROM ideas WHERE process_id = $1 AND author_hash = $2", id,
                                         i.author_hash)[0]);
  if (stored != static_cast<std::int64_t>(author_ideas_before)) return std::optional<std::int64_t>();
  auto r = t.exec_params("INSERT INTO ideas(process_id, title, description, category, place, image, author_hash, "
                         "grp, idea_code, created_at, status) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                         "RETURNING id",
                         id, i.title, i.description, i.category, i.place, i.image, i.author_hash, i.group,
                         i.idea_code, i.created_at_ms, std::string(IdeaStatusName(i.status)));
  t.commit();
  return std::optional<std::int64_t>(Int(r[0][0]));
}

Status UpdateIdeas(pqxx::work& t, ProcessId id, const std::vector<IdeaRecord>& ideas) {
  if (Status s = UpdateIdeaRows(t, id, ideas); !s.ok()) return s;
  t.commit();
  return Status::Ok();
}

Result<bool> AddIdeaSupport(pqxx::work& t, ProcessId id, const IdeaSupportRecord& s) {
  auto r = t.exec_params("INSERT INTO idea_supports(process_id, idea_id, code_hash, grp, at) "
                         "VALUES($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                         id, s.idea, s.code_hash, s.group, s.at_ms);
  t.commit();
  return r.affected_rows() == 1;
}

Status MergeIdea(pqxx::work& t, ProcessId id, const IdeaRecord& merged, const std::vector<IdeaSupportRecord>& moved) {
  if (Status s = UpdateIdeaRows(t, id, {merged}); !s.ok()) return s;
  for (const IdeaSupportRecord& s : moved) {
    t.exec_params("INSERT INTO idea_supports(process_id, idea_id, code_hash, grp, at) "
                  "VALUES($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                  id, s.idea, s.code_hash, s.group, s.at_ms);
  }
  t.commit();
  return Status::Ok();
}

Status AddIdeaProject(pqxx::work& t, ProcessId id, const std::string& definition,
                      const std::vector<IdeaRecord>& ideas) {
  auto updated = t.exec_params("UPDATE processes SET definition = $1, updated_at = $2 WHERE id = $3", definition,
                               NowMs(), id);
  if (updated.affected_rows() != 1) return Status::Invalid("storage: no process " + std::to_string(id));
  if (Status s = UpdateIdeaRows(t, id, ideas); !s.ok()) return s;
  t.commit();
  return Status::Ok();
}

Result<std::vector<IdeaRecord>> LoadIdeas(pqxx::work& t, ProcessId id) {
  std::vector<IdeaRecord> out;
  for (const auto& r : t.exec_params("SELECT id, title, description, category, place, image, author_hash, grp, "
                                     "idea_code, created_at, status, reason, merged_into, cost, project FROM ideas "
                                     "WHERE process_id = $1 ORDER BY id",
                                     id)) {
    IdeaRecord i;
    i.id = Int(r[0]);
    i.title = Text(r[1]);
    i.description = Text(r[2]);
    i.category = Text(r[3]);
    i.place = Text(r[4]);
    i.image = Text(r[5]);
    i.author_hash = Text(r[6]);
    i.group = Text(r[7]);
    i.idea_code = Bool(r[8]);
    i.created_at_ms = Int(r[9]);
    auto status = ParseIdeaStatus(Text(r[10]));
    if (!status) return Status::Invalid("storage: idea " + std::to_string(i.id) + " has an unknown status");
    i.status = *status;
    i.reason = Text(r[11]);
    i.merged_into = Int(r[12]);
    i.cost = Int(r[13]);
    i.project = Text(r[14]);
    out.push_back(std::move(i));
  }
  return out;
}

Result<std::vector<IdeaSupportRecord>> LoadIdeaSupports(pqxx::work& t, ProcessId id) {
  std::vector<IdeaSupportRecord> out;
  for (const auto& r : t.exec_params("SELECT idea_id, code_hash, grp, at FROM idea_supports WHERE process_id = $1 "
                                     "ORDER BY at, idea_id",
                                     id)) {
    out.push_back(IdeaSupportRecord{Int(r[0]), Text(r[1]), Text(r[2]), Int(r[3])});
  }
  return out;
}

Status AddIdeaCodes(pqxx::work& t, ProcessId id, const std::string& group,
                    const std::vector<std::string>& code_hashes) {
  t.exec_params("INSERT INTO idea_codes(process_id, code_hash, grp) SELECT $1, h, $2 FROM unnest($3::text[]) AS h",
                id, group, TextArray(code_hashes));
  t.commit();
  return Status::Ok();
}

Result<std::vector<IdeaCodeRecord>> LoadIdeaCodes(pqxx::work& t, ProcessId id) {
  std::vector<IdeaCodeRecord> out;
  for (const auto& r : t.exec_params("SELECT code_hash, grp FROM idea_codes WHERE process_id = $1", id)) {
    out.push_back(IdeaCodeRecord{Text(r[0]), Text(r[1])});
  }
  return out;
}

}  // namespace psephos::server::pg_ideas
