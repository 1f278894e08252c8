// The benchmark's C++ transform: copies `events` into `events_copy` with one column
// computed in C++, label = kind || ':' || user_id. bench/run.sh compares it with the
// same-file `INSERT ... SELECT` that computes label in SQL.
//   rowshift_bench_transform --db sqlite:work.sqlite --migrations EMPTY_DIR run
#include <string>

#include <rowshift/rowshift.hpp>

namespace {

rowshift::Registration label_events{
    rowshift::Migration::transform("0001_transform_events")
        .from("events")
        .key("id")
        .read_columns({"id", "user_id", "kind", "amount", "note", "created_at"})
        .to("events_copy", {"id", "user_id", "kind", "amount", "note", "created_at", "label"})
        .version("1")
        .map([](const rowshift::Row& in, rowshift::Emitter& out) {
          const auto& kind = in["kind"].as_text();
          std::string label;
          label.reserve(kind.size() + 8);
          label += kind;
          label += ':';
          label += std::to_string(in["user_id"].as_int());
          out.emit({in["id"], in["user_id"], in["kind"], in["amount"], in["note"], in["created_at"], std::move(label)});
        })};

}  // namespace

int main(int argc, char** argv) { return rowshift::cli_main(argc, argv); }
