// The PostgreSQL statements of a process's devices (kiosks, check-in and paper
// desks), apart from pg_storage.cc; PgStorage forwards to them. Each runs in the
// caller's transaction (PgStorage::Transact) and commits it where it writes.
// What the code-spending path reads of a device (DeviceRevoked, OverKioskLimits)
// stays in pg_storage.cc, under kLockWrites.
#pragma once

#include <pqxx/pqxx>

#include "psephos/server/storage.h"

namespace psephos::server::pg_devices {

Result<std::int64_t> AddDevice(pqxx::work& t, ProcessId id, const DeviceRecord& device);
Status RevokeDevice(pqxx::work& t, ProcessId id, std::int64_t device);
Status SetDeviceLimits(pqxx::work& t, ProcessId id, std::int64_t device, std::int64_t walk_in_allowance,
                       std::int64_t session_seconds);
Result<std::vector<DeviceRecord>> LoadDevices(pqxx::work& t, ProcessId id);

}  // namespace psephos::server::pg_devices
