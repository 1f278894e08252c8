#include "checkpoint/owner.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

namespace rowshift::checkpoint {
namespace {

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

std::string new_owner() {
  static std::atomic<int> runners{0};
  return hostname() + ":" + std::to_string(getpid()) + ":" + std::to_string(++runners);
}

bool owner_is_gone(const std::string& owner, const std::string& self) {
  auto last = owner.rfind(':');
  if (last == std::string::npos || last == 0) return false;
  auto mid = owner.rfind(':', last - 1);
  if (mid == std::string::npos || owner.substr(0, mid) != hostname()) return false;
  pid_t pid = static_cast<pid_t>(std::atoll(owner.c_str() + mid + 1));
  if (pid <= 0) return false;
  if (pid == getpid()) return owner != self;
  return kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace rowshift::checkpoint
