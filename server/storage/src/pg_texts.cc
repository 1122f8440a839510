#include "pg_texts.h"

#include "pg_rows.h"
#include "psephos/server/wall_clock.h"

namespace psephos::server::pg_texts {

using pg::Int;
using pg::Text;

// Pictures, kept once per hash.
Status PutImages(pqxx::work& t, const std::vector<ImageRecord>& images) {
  for (const ImageRecord& image : images) {
    t.exec_params("INSERT INTO images(sha256, width, height, jpeg, created_at) VALUES($1, $2, $3, $4, $5) "
                  "ON CONFLICT(sha256) DO NOTHING",
                  image.sha256, image.width, image.height,
                  pqxx::binarystring(image.jpeg.data(), image.jpeg.size()), NowMs());
  }
  t.commit();
  return Status::Ok();
}

Result<std::vector<ImageRecord>> LoadImages(pqxx::work& t) {
  std::vector<ImageRecord> out;
  for (const auto& r : t.exec("SELECT sha256, width, height, jpeg FROM images")) {
    const pqxx::binarystring jpeg(r[3]);
    out.push_back(ImageRecord{Text(r[0]), r[1].as<int>(), r[2].as<int>(), jpeg.str()});
  }
  return out;
}

// The new definition and its changes in one transaction.
Status CorrectDefinition(pqxx::work& t, ProcessId id, const std::string& definition,
                         const std::vector<CorrectionRecord>& changes) {
  auto updated = t.exec_params("UPDATE processes SET definition = $1, updated_at = $2 WHERE id = $3", definition,
                               NowMs(), id);
  if (updated.affected_rows() != 1) return Status::Invalid("storage: no process " + std::to_string(id));
  for (const CorrectionRecord& c : changes) {
    t.exec_params("INSERT INTO corrections(process_id, at, \"by\", field, \"before\", \"after\") "
                  "VALUES($1, $2, $3, $4, $5, $6)",
                  id, c.at_ms, c.by, c.field, c.before, c.after);
  }
  t.commit();
  return Status::Ok();
}

Result<std::vector<CorrectionRecord>> LoadCorrections(pqxx::work& t, ProcessId id) {
  std::vector<CorrectionRecord> out;
  for (const auto& r : t.exec_params("SELECT at, \"by\", field, \"before\", \"after\" FROM corrections "
                                     "WHERE process_id = $1 ORDER BY id",
                                     id)) {
    out.push_back(CorrectionRecord{Int(r[0]), Text(r[1]), Text(r[2]), Text(r[3]), Text(r[4])});
  }
  return out;
}

}  // namespace psephos::server::pg_texts
