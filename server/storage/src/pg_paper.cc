#include "pg_paper.h"

#include <map>

#include "pg_rows.h"
#include "stored_names.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server::pg_paper {

using pg::Bool;
using pg::Int;
using pg::Text;
using pg::TextArray;

Result<std::int64_t> AddPaperBatch(pqxx::work& t, ProcessId id, const std::string& area, const std::string& language,
                                   std::int64_t count,
                                   const std::function<std::string(std::int64_t, std::int64_t)>& serial) {
  auto batch = t.exec_params("INSERT INTO paper_batches(process_id, area, language, count, created_at) "
                             "VALUES($1, $2, $3, $4, $5) RETURNING id",
                             id, area, language, count, NowMs());
  const std::int64_t batch_id = Int(batch[0][0]);
  std::vector<std::string> serials;
  for (std::int64_t n = 1; n <= count; ++n) serials.push_back(serial(batch_id, n));
  t.exec_params("INSERT INTO paper_sheets(process_id, serial, batch_id) "
                "SELECT $1, serial, $2 FROM unnest($3::text[]) AS serial",
                id, batch_id, TextArray(serials));
  t.commit();
  return batch_id;
}

Result<std::vector<PaperBatchRecord>> LoadPaperBatches(pqxx::work& t, ProcessId id) {
  std::vector<PaperBatchRecord> out;
  for (const auto& r : t.exec_params("SELECT id, area, language, count FROM paper_batches WHERE process_id = $1 "
                                     "ORDER BY id",
                                     id)) {
    out.push_back(PaperBatchRecord{Int(r[0]), Text(r[1]), Text(r[2]), Int(r[3])});
  }
  return out;
}

Result<std::vector<PaperSheetRecord>> LoadPaperSheets(pqxx::work& t, ProcessId id, std::int64_t batch) {
  std::vector<PaperSheetRecord> out;
  std::map<std::string, std::size_t> index;
  // By serial, byte by byte as SQLite orders them: PaperSerial's numbers are zero-padded.
  auto sheets = batch != 0 ? t.exec_params("SELECT serial, batch_id, state FROM paper_sheets "
                                           "WHERE process_id = $1 AND batch_id = $2 "
                                           "ORDER BY serial COLLATE \"C\"",
                                           id, batch)
                           : t.exec_params("SELECT serial, batch_id, state FROM paper_sheets "
                                           "WHERE process_id = $1 AND state != 'printed' "
                                           "ORDER BY serial COLLATE \"C\"",
                                           id);
  for (const auto& r : sheets) {
    index[Text(r[0])] = out.size();
    out.push_back(PaperSheetRecord{Text(r[0]), Int(r[1]),
                                   StoredName(ParsePaperSheetState, "paper sheet state", Text(r[2])), {}});
  }
  for (const auto& r : t.exec_params("SELECT serial, device_id, ballot, spoiled, resolution, created_at "
                                     "FROM paper_entries WHERE process_id = $1 ORDER BY id",
                                     id)) {
    auto it = index.find(Text(r[0]));
    if (it == index.end()) continue;
    out[it->second].entries.push_back(PaperEntryRecord{
        Int(r[1]), Text(r[2]), Bool(r[3]), StoredOptionalName(ParsePaperResolution, "paper resolution", Text(r[4])),
        Int(r[5])});
  }
  return out;
}

}  // namespace psephos::server::pg_paper
