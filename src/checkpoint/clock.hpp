// The times the checkpoint store writes: UTC text for people (status, events), epoch
// seconds for leases, epoch microseconds for claim epochs (checkpoint/fence.hpp).
#pragma once

#include <cstdint>
#include <string>

namespace rowshift::checkpoint {

// Seconds since 1970 by this host's clock: leases are compared with it.
std::int64_t now_epoch();
// Microseconds since 1970 by this host's clock: the least epoch a claim takes now.
std::int64_t new_epoch_floor();
// 2026-12-02T04:27:44Z
std::string now_utc();
// 2026-12-02T04:27:44.123456Z (events, which happen several per second)
std::string now_utc_us();

}  // namespace rowshift::checkpoint
