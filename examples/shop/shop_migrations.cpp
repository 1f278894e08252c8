// A migration registered from a static library (examples/CMakeLists.txt links it with
// rowshift_add_migrations, so that it is not dropped).
#include <rowshift/rowshift.hpp>

namespace {

rowshift::Registration copy_customers{rowshift::Migration::copy("0001_copy_customers")
                                          .from("customers")
                                          .key("id")
                                          .to("customers_copy")
                                          .column("id", "id")
                                          .column("name", "upper(name)")};

}  // namespace
