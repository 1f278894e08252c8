// The conformance suite's copy: orders into orders_v2 (examples/demo's migrations in C++),
// shared by the tests that run it in-process.
#pragma once

#include <string>

#include "rowshift/rowshift.hpp"

namespace rowshift::testing {

inline const std::string kCreate =
    "CREATE TABLE orders_v2 (id BIGINT PRIMARY KEY, customer_name TEXT NOT NULL, total_cents BIGINT,"
    " currency TEXT NOT NULL, note TEXT, ordered_on TEXT NOT NULL, total_with_vat_cents BIGINT)";

inline MigrationDef copy_orders() {
  return Migration::copy("0002_copy")
      .from("orders")
      .key("id")
      .to("orders_v2")
      .column("id", "id")
      .column("customer_name", "coalesce(trim(customer), '(unknown)')")
      .column("total_cents", "CAST(round(amount * 100) AS INTEGER)")
      .column("currency", "currency")
      .column("note", "note")
      .column("ordered_on", "date(created_at)")
      .def();
}

}  // namespace rowshift::testing
