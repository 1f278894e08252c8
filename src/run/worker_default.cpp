#include "run/worker_default.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>

namespace rowshift {

bool on_this_host(const db::DbUrl& url) {
  if (url.scheme != db::Scheme::postgresql) return true;
  // libpq: no host (or a directory) is a unix socket; PGHOST may name one too.
  std::string host = url.host;
  if (host.empty()) {
    const char* env = std::getenv("PGHOST");
    host = env ? env : "";
  }
  if (host.empty() || host.front() == '/' || host.front() == '@') return true;
  if (host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0) return true;
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) == 0 && host == name.data()) return true;
  return false;
}

WorkerChoice default_workers(const std::vector<db::DbUrl>& endpoints, int cores) {
  cores = std::max(1, cores);
  const bool has_server = std::any_of(endpoints.begin(), endpoints.end(),
                                      [](const db::DbUrl& u) { return u.scheme == db::Scheme::postgresql; });
  const bool all_local = std::all_of(endpoints.begin(), endpoints.end(), on_this_host);
  const std::string core_text = std::to_string(cores) + (cores == 1 ? " core" : " cores");
  if (!has_server) return {std::max(2, cores), core_text};
  if (all_local) return {std::max(2, cores), core_text + ", the PostgreSQL servers on this host"};
  return {std::clamp(2 * cores, 4, 16), core_text + ", a PostgreSQL server on another host"};
}

}  // namespace rowshift
