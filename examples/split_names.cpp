// A migration program: C++ migrations registered here run next to the SQL files of
// --migrations (if any), through the same CLI verbs:
//   split_names --db sqlite:app.db plan
//   split_names --db sqlite:app.db --migrations migrations run
//
// 0004_split_names fills `people` from `customers`, splitting "First Last" names; a
// customer without a name (NULL) gives no person. examples/CMakeLists.txt builds it
// against an installed rowshift (find_package) or one added with add_subdirectory.
#include <rowshift/rowshift.hpp>

namespace {

rowshift::Registration split_names{
    rowshift::Migration::transform("0004_split_names")
        .from("customers")
        .key("id")
        .to("people", {"id", "first_name", "last_name"})
        .version("1")
        .map([](const rowshift::Row& in, rowshift::Emitter& out) {
          const rowshift::Value& name = in["name"];
          if (name.is_null()) return;  // no name, no person
          const std::string& full = name.as_text();
          auto space = full.find(' ');
          if (space == std::string::npos) {
            out.emit({in["id"], full, nullptr});
          } else {
            out.emit({in["id"], full.substr(0, space), full.substr(space + 1)});
          }
        })};

}  // namespace

int main(int argc, char** argv) { return rowshift::cli_main(argc, argv); }
