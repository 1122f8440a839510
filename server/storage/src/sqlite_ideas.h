// The SQLite statements of ideas, their supports and idea codes, apart from
// sqlite_storage.cc; SqliteStorage forwards to them.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include "psephos/server/storage.h"

namespace psephos::server::sqlite_ideas {

Result<std::optional<std::int64_t>> AddIdea(SQLite::Database& db, ProcessId id, const IdeaRecord& idea,
                                           std::size_t author_ideas_before);
Status UpdateIdeas(SQLite::Database& db, ProcessId id, const std::vector<IdeaRecord>& ideas);
Result<bool> AddIdeaSupport(SQLite::Database& db, ProcessId id, const IdeaSupportRecord& support);
Status MergeIdea(SQLite::Database& db, ProcessId id, const IdeaRecord& merged,
                 const std::vector<IdeaSupportRecord>& moved);
Status AddIdeaProject(SQLite::Database& db, ProcessId id, const std::string& definition,
                      const std::vector<IdeaRecord>& ideas);
Result<std::vector<IdeaRecord>> LoadIdeas(SQLite::Database& db, ProcessId id);
Result<std::vector<IdeaSupportRecord>> LoadIdeaSupports(SQLite::Database& db, ProcessId id);
Status AddIdeaCodes(SQLite::Database& db, ProcessId id, const std::string& group,
                    const std::vector<std::string>& code_hashes);
Result<std::vector<IdeaCodeRecord>> LoadIdeaCodes(SQLite::Database& db, ProcessId id);

}  // namespace psephos::server::sqlite_ideas
