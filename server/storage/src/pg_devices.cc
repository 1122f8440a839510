#include "pg_devices.h"

#include "pg_rows.h"
#include "stored_names.h"

namespace psephos::server::pg_devices {

using pg::Bool;
using pg::Int;
using pg::Text;

Result<std::int64_t> AddDevice(pqxx::work& t, ProcessId id, const DeviceRecord& device) {
  auto r = t.exec_params("INSERT INTO devices(process_id, role, name, token_hash, created_at, walk_in_allowance, "
                         "session_seconds) VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                         id, std::string(DeviceRoleName(device.role)), device.name, device.token_hash,
                         device.created_at_ms, device.walk_in_allowance, device.session_seconds);
  t.commit();
  return Int(r[0][0]);
}

Status RevokeDevice(pqxx::work& t, ProcessId id, std::int64_t device) {
  auto r = t.exec_params("UPDATE devices SET revoked = true WHERE process_id = $1 AND id = $2", id, device);
  t.commit();
  if (r.affected_rows() != 1) return Status::Invalid("storage: no device " + std::to_string(device));
  return Status::Ok();
}

Status SetDeviceLimits(pqxx::work& t, ProcessId id, std::int64_t device, std::int64_t walk_in_allowance,
                       std::int64_t session_seconds) {
  auto r = t.exec_params("UPDATE devices SET walk_in_allowance = $1, session_seconds = $2 "
                         "WHERE process_id = $3 AND id = $4",
                         walk_in_allowance, session_seconds, id, device);
  t.commit();
  if (r.affected_rows() != 1) return Status::Invalid("storage: no device " + std::to_string(device));
  return Status::Ok();
}

Result<std::vector<DeviceRecord>> LoadDevices(pqxx::work& t, ProcessId id) {
  std::vector<DeviceRecord> out;
  for (const auto& r : t.exec_params("SELECT id, role, name, token_hash, revoked, created_at, walk_in_allowance, "
                                     "session_seconds FROM devices WHERE process_id = $1 ORDER BY id",
                                     id)) {
    out.push_back(DeviceRecord{Int(r[0]), StoredName(ParseDeviceRole, "device role", Text(r[1])), Text(r[2]),
                               Text(r[3]), Bool(r[4]), Int(r[5]), Int(r[6]), Int(r[7])});
  }
  return out;
}

}  // namespace psephos::server::pg_devices
