#include "rowshift/error.hpp"

namespace rowshift {

ExitCode exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::config: return ExitCode::config;
    case ErrorKind::cancelled: return ExitCode::interrupted;
    case ErrorKind::conflict: return ExitCode::store_changed;
    case ErrorKind::partly_applied: return ExitCode::partly_applied;
    case ErrorKind::transient:
    case ErrorKind::permanent: break;
  }
  return ExitCode::internal_error;
}

}  // namespace rowshift
