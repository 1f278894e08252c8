// Who holds a batch: owner ids "host:pid:n", one per runner, written into the batches it
// claims, and how a runner tells that an owner can no longer be working.
#pragma once

#include <string>

namespace rowshift::checkpoint {

// A new owner id for one runner of this process.
std::string new_owner();

// True when `owner` cannot be working on its batches: a process of this host that no
// longer exists, or an earlier runner of this very process (`self` is the asking runner;
// one process runs one Runner per migration at a time). Owners of other hosts are never
// taken for gone: their leases expire instead.
bool owner_is_gone(const std::string& owner, const std::string& self);

}  // namespace rowshift::checkpoint
