// The PostgreSQL statements of ideas, their supports and idea codes, apart
// from pg_storage.cc; PgStorage forwards to them. Each runs in the caller's
// transaction (PgStorage::Transact) and commits it where it writes.
#pragma once

#include <pqxx/pqxx>

#include "psephos/server/storage.h"

namespace psephos::server::pg_ideas {

Result<std::optional<std::int64_t>> AddIdea(pqxx::work& t, ProcessId id, const IdeaRecord& idea,
                                           std::size_t author_ideas_before);
Status UpdateIdeas(pqxx::work& t, ProcessId id, const std::vector<IdeaRecord>& ideas);
Result<bool> AddIdeaSupport(pqxx::work& t, ProcessId id, const IdeaSupportRecord& support);
Status MergeIdea(pqxx::work& t, ProcessId id, const IdeaRecord& merged, const std::vector<IdeaSupportRecord>& moved);
Status AddIdeaProject(pqxx::work& t, ProcessId id, const std::string& definition, const std::vector<IdeaRecord>& ideas);
Result<std::vector<IdeaRecord>> LoadIdeas(pqxx::work& t, ProcessId id);
Result<std::vector<IdeaSupportRecord>> LoadIdeaSupports(pqxx::work& t, ProcessId id);
Status AddIdeaCodes(pqxx::work& t, ProcessId id, const std::string& group, const std::vector<std::string>& code_hashes);
Result<std::vector<IdeaCodeRecord>> LoadIdeaCodes(pqxx::work& t, ProcessId id);

}  // namespace psephos::server::pg_ideas
