// "?" placeholders in SQL text, found outside quoted literals, quoted identifiers and
// comments: rowshift writes "?" everywhere; PostgreSQL wants $1, $2, ... or literals.
#pragma once

#include <functional>
#include <string>

namespace rowshift::db {

// "?" placeholders outside quotes and comments -> $1, $2, ...
std::string to_dollar_placeholders(const std::string& sql);
// Each "?" outside quotes and comments replaced by what next() returns, in order.
std::string substitute_placeholders(const std::string& sql, const std::function<std::string()>& next);

}  // namespace rowshift::db
