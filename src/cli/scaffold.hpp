// `rowshift new NAME [--kind schema|copy|update]`: writes the next numbered migration
// file, a commented template of every directive its kind takes.
#pragma once

#include <string>

namespace rowshift::cli {

// Creates `folder` when missing and writes NNNN_NAME.sql in it, NNNN one more than the
// largest number of the folder's files (as wide as theirs, at least 4 digits). Returns
// the path written. Throws Error(config) for a bad name or kind, or a file that exists.
std::string new_migration(const std::string& folder, const std::string& name, const std::string& kind);

}  // namespace rowshift::cli
