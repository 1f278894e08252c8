// PostgreSQL's built-in type ids (pg_type.h), the ones rowshift treats specially. They
// are the same in every database; ids from kFirstUserType on are not.
#pragma once

namespace rowshift::db::pg_type {

inline constexpr unsigned kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kOid = 26,
                          kFloat4 = 700, kFloat8 = 701, kVarchar = 1043, kDate = 1082, kTimestamp = 1114,
                          kTimestamptz = 1184, kNumeric = 1700;
inline constexpr unsigned kFirstUserType = 16384;

}  // namespace rowshift::db::pg_type
