#include "sqlite_ideas.h"

#include "psephos/server/wall_clock.h"

namespace psephos::server::sqlite_ideas {
namespace {

Status Failed(const char* what, const std::exception& e) {
  return Status::Invalid(std::string("storage: ") + what + ": " + e.what());
}

// Within the caller's transaction: the committee's fields of each idea.
void Update(SQLite::Database& db, ProcessId id, const std::vector<IdeaRecord>& ideas) {
  SQLite::Statement q(db, "UPDATE ideas SET status = ?, reason = ?, merged_into = ?, cost = ?, project = ? "
                          "WHERE process_id = ? AND id = ?");
  for (const IdeaRecord& idea : ideas) {
    q.bind(1, IdeaStatusName(idea.status));
    q.bind(2, idea.reason);
    q.bind(3, idea.merged_into);
    q.bind(4, idea.cost);
    q.bind(5, idea.project);
    q.bind(6, id);
    q.bind(7, idea.id);
    if (q.exec() != 1) throw std::runtime_error("no idea " + std::to_string(idea.id));
    q.reset();
  }
}

}  // namespace

Result<std::optional<std::int64_t>> AddIdea(SQLite::Database& db, ProcessId id, const IdeaRecord& i,
                                           std::size_t author_ideas_before) try {
  SQLite::Statement stored(db, "SELECT count(*) FROM ideas WHERE process_id = ? AND author_hash = ?");
  stored.bind(1, id);
  stored.bind(2, i.author_hash);
  stored.executeStep();
  if (stored.getColumn(0).getInt64() != static_cast<std::int64_t>(author_ideas_before)) {
    return std::optional<std::int64_t>();
  }
  SQLite::Statement q(db, "INSERT INTO ideas(process_id, title, description, category, place, image, author_hash, "
                          "grp, idea_code, created_at, status) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  q.bind(1, id);
  q.bind(2, i.title);
  q.bind(3, i.description);
  q.bind(4, i.category);
  q.bind(5, i.place);
  q.bind(6, i.image);
  q.bind(7, i.author_hash);
  q.bind(8, i.group);
  q.bind(9, i.idea_code ? 1 : 0);
  q.bind(10, i.created_at_ms);
  q.bind(11, IdeaStatusName(i.status));
  q.executeStep();
  return std::optional<std::int64_t>(q.getColumn(0).getInt64());
} catch (const std::exception& e) {
  return Failed("adding an idea", e);
}

Status UpdateIdeas(SQLite::Database& db, ProcessId id, const std::vector<IdeaRecord>& ideas) try {
  SQLite::Transaction transaction(db);
  Update(db, id, ideas);
  transaction.commit();
  return Status::Ok();
} catch (const std::exception& e) {
  return Failed("updating ideas", e);
}

Result<bool> AddIdeaSupport(SQLite::Database& db, ProcessId id, const IdeaSupportRecord& s) try {
  SQLite::Statement q(db, "INSERT INTO idea_supports(process_id, idea_id, code_hash, grp, at) VALUES(?, ?, ?, ?, ?) "
                          "ON CONFLICT DO NOTHING");
  q.bind(1, id);
  q.bind(2, s.idea);
  q.bind(3, s.code_hash);
  q.bind(4, s.group);
  q.bind(5, s.at_ms);
  return q.exec() == 1;
} catch (const std::exception& e) {
  return Failed("adding a support", e);
}

Status MergeIdea(SQLite::Database& db, ProcessId id, const IdeaRecord& merged,
                 const std::vector<IdeaSupportRecord>& moved) try {
  SQLite::Transaction transaction(db);
  Update(db, id, {merged});
  SQLite::Statement q(db, "INSERT INTO idea_supports(process_id, idea_id, code_hash, grp, at) VALUES(?, ?, ?, ?, ?) "
                          "ON CONFLICT DO NOTHING");
  for (const IdeaSupportRecord& s : moved) {
    q.bind(1, id);
    q.bind(2, s.idea);
    q.bind(3, s.code_hash);
    q.bind(4, s.group);
    q.bind(5, s.at_ms);
    q.exec();
    q.reset();
  }
  transaction.commit();
  return Status::Ok();
} catch (const std::exception& e) {
  return Failed("merging ideas", e);
}

Status AddIdeaProject(SQLite::Database& db, ProcessId id, const std::string& definition,
                      const std::vector<IdeaRecord>& ideas) try {
  SQLite::Transaction transaction(db);
  SQLite::Statement update(db, "UPDATE processes SET definition = ?, updated_at = ? WHERE id = ?");
  update.bind(1, definition);
  update.bind(2, NowMs());
  update.bind(3, id);
  if (update.exec() != 1) return Status::Invalid("storage: no process " + std::to_string(id));
  Update(db, id, ideas);
  transaction.commit();
  return Status::Ok();
} catch (const std::exception& e) {
  return Failed("adding a project from ideas", e);
}

Result<std::vector<IdeaRecord>> LoadIdeas(SQLite::Database& db, ProcessId id) try {
  SQLite::Statement q(db, "SELECT id, title, description, category, place, image, author_hash, grp, idea_code, "
                          "created_at, status, reason, merged_into, cost, project FROM ideas "
                          "WHERE process_id = ? ORDER BY id");
  q.bind(1, id);
  std::vector<IdeaRecord> out;
  while (q.executeStep()) {
    IdeaRecord i;
    i.id = q.getColumn(0).getInt64();
    i.title = q.getColumn(1).getString();
    i.description = q.getColumn(2).getString();
    i.category = q.getColumn(3).getString();
    i.place = q.getColumn(4).getString();
    i.image = q.getColumn(5).getString();
    i.author_hash = q.getColumn(6).getString();
    i.group = q.getColumn(7).getString();
    i.idea_code = q.getColumn(8).getInt() != 0;
    i.created_at_ms = q.getColumn(9).getInt64();
    auto status = ParseIdeaStatus(q.getColumn(10).getString());
    if (!status) return Status::Invalid("storage: idea " + std::to_string(i.id) + " has an unknown status");
    i.status = *status;
    i.reason = q.getColumn(11).getString();
    i.merged_into = q.getColumn(12).getInt64();
    i.cost = q.getColumn(13).getInt64();
    i.project = q.getColumn(14).getString();
    out.push_back(std::move(i));
  }
  return out;
} catch (const std::exception& e) {
  return Failed("loading ideas", e);
}

Result<std::vector<IdeaSupportRecord>> LoadIdeaSupports(SQLite::Database& db, ProcessId id) try {
  SQLite::Statement q(db, "SELECT idea_id, code_hash, grp, at FROM idea_supports WHERE process_id = ? "
                          "ORDER BY at, idea_id");
  q.bind(1, id);
  std::vector<IdeaSupportRecord> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                   q.getColumn(3).getInt64()});
  }
  return out;
} catch (const std::exception& e) {
  return Failed("loading supports", e);
}

Status AddIdeaCodes(SQLite::Database& db, ProcessId id, const std::string& group,
                    const std::vector<std::string>& code_hashes) try {
  SQLite::Transaction transaction(db);
  SQLite::Statement q(db, "INSERT INTO idea_codes(process_id, code_hash, grp) VALUES(?, ?, ?)");
  for (const std::string& hash : code_hashes) {
    q.bind(1, id);
    q.bind(2, hash);
    q.bind(3, group);
    q.exec();
    q.reset();
  }
  transaction.commit();
  return Status::Ok();
} catch (const std::exception& e) {
  return Failed("adding idea codes", e);
}

Result<std::vector<IdeaCodeRecord>> LoadIdeaCodes(SQLite::Database& db, ProcessId id) try {
  SQLite::Statement q(db, "SELECT code_hash, grp FROM idea_codes WHERE process_id = ?");
  q.bind(1, id);
  std::vector<IdeaCodeRecord> out;
  while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString()});
  return out;
} catch (const std::exception& e) {
  return Failed("loading idea codes", e);
}

}  // namespace psephos::server::sqlite_ideas
