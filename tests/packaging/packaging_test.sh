#!/usr/bin/env bash
# Builds rowshift's examples as an outside project and runs them on a real SQLite file.
#   packaging_test.sh install BUILD SRC WORK   cmake --install, then find_package(rowshift)
#                                              and pkg-config against the installed prefix
#   packaging_test.sh subdir  BUILD SRC WORK   add_subdirectory(rowshift) in a new project
#   packaging_test.sh deb     BUILD SRC WORK   cpack -G DEB, its contents, and the packaged
#                                              binary run from the extracted tree
set -euo pipefail
mode=$1 build=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
fail() { echo "packaging_test($mode): FAILED: $*" >&2; exit 1; }

# A database for the examples: customers (one without a name), and the tables they fill.
make_db() {
  sqlite3 "$1" "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
    INSERT INTO customers VALUES (1, 'Ada Lovelace'), (2, 'Plato'), (3, NULL), (4, 'Grace Brewster Hopper');
    CREATE TABLE people (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT);
    CREATE TABLE customers_copy (id INTEGER PRIMARY KEY, name TEXT);"
}

# Runs the examples built in $1 and checks what they wrote.
run_examples() {
  local bin=$1 db=$work/app.db
  rm -f "$db"
  make_db "$db"
  "$bin/split_names" --db "sqlite:$db" --quiet run || fail "split_names run exited $?"
  got=$(sqlite3 "$db" "SELECT group_concat(id || ':' || first_name || ':' || coalesce(last_name, '-'), ',') FROM (SELECT * FROM people ORDER BY id)")
  [[ "$got" == "1:Ada:Lovelace,2:Plato:-,4:Grace:Brewster Hopper" ]] || fail "people holds '$got'"
  "$bin/split_names" --db "sqlite:$db" verify 0004_split_names >/dev/null || fail "verify 0004_split_names"
  plan=$("$bin/shop" --db "sqlite:$db" plan) || fail "shop plan exited $?"
  grep -q 0001_copy_customers <<<"$plan" || fail "shop (rowshift_add_migrations) lost its migration: $plan"
  "$bin/shop" --db "sqlite:$db" --quiet run >/dev/null || fail "shop run"
  [[ $(sqlite3 "$db" "SELECT name FROM customers_copy WHERE id = 1") == "ADA LOVELACE" ]] || fail "customers_copy"
  if [[ -x "$bin/shop_dropped" ]]; then
    # The negative control: the same library linked plainly loses the registration, which
    # is what the helper is for (if this ever passes, the test above proves nothing).
    dropped=$("$bin/shop_dropped" --db "sqlite:$db" plan 2>&1 || true)
    grep -q 0001_copy_customers <<<"$dropped" && fail "shop_dropped kept its migration: the control is void"
  fi
  echo "packaging_test($mode): examples ran: people and customers_copy as expected"
}

case $mode in
  install)
    prefix=$work/prefix
    cmake --install "$build" --prefix "$prefix" >/dev/null
    for f in bin/rowshift lib/librowshift.a include/rowshift/rowshift.hpp lib/cmake/rowshift/rowshiftConfig.cmake \
             lib/cmake/rowshift/rowshiftConfigVersion.cmake lib/cmake/rowshift/rowshiftTargets.cmake \
             lib/cmake/rowshift/rowshiftMigrations.cmake lib/pkgconfig/rowshift.pc share/man/man1/rowshift.1; do
      [[ -e "$prefix/$f" ]] || fail "cmake --install did not install $f"
    done
    grep -q "^prefix=$prefix\$" "$prefix/lib/pkgconfig/rowshift.pc" || fail "rowshift.pc names another prefix"
    cmake -S "$src/examples" -B "$work/ex" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
      -DROWSHIFT_EXAMPLES_SHOW_DROPPED=ON >/dev/null
    cmake --build "$work/ex" >/dev/null
    run_examples "$work/ex"
    # pkg-config: one compiler line, no flags copied from rowshift's CMakeLists.
    PKG_CONFIG_PATH=$prefix/lib/pkgconfig
    export PKG_CONFIG_PATH
    # shellcheck disable=SC2046
    g++ -o "$work/split_names_pc" "$src/examples/split_names.cpp" $(pkg-config --cflags --libs rowshift) ||
      fail "g++ with pkg-config --cflags --libs rowshift"
    mkdir -p "$work/pc" && cp "$work/split_names_pc" "$work/pc/split_names" && cp "$work/ex/shop" "$work/pc/shop"
    run_examples "$work/pc"
    ;;
  subdir)
    cmake -S "$src/tests/packaging/subdir" -B "$work/sub" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DROWSHIFT_SOURCE_DIR="$src" -DROWSHIFT_EXAMPLES_SHOW_DROPPED=ON >/dev/null
    cmake --build "$work/sub" --target split_names shop shop_dropped >/dev/null
    run_examples "$work/sub/examples"
    ;;
  deb)
    (cd "$build" && cpack -G DEB -B "$work/pkg" >/dev/null)
    deb=$(ls "$work"/pkg/rowshift_*.deb) || fail "cpack made no .deb"
    contents=$(dpkg-deb -c "$deb")
    for f in ./usr/bin/rowshift ./usr/lib/librowshift.a ./usr/include/rowshift/rowshift.hpp \
             ./usr/lib/cmake/rowshift/rowshiftConfig.cmake ./usr/lib/pkgconfig/rowshift.pc \
             ./usr/share/man/man1/rowshift.1; do
      grep -q " $f\$" <<<"$contents" || fail "the package lacks $f"
    done
    [[ $(dpkg-deb -f "$deb" Package) == rowshift ]] || fail "package name"
    dpkg-deb -f "$deb" Depends | grep -q libpqxx || fail "Depends names no libpqxx"
    dpkg-deb -x "$deb" "$work/root"
    grep -q '^prefix=/usr$' "$work/root/usr/lib/pkgconfig/rowshift.pc" || fail "the packaged rowshift.pc"
    version=$("$work/root/usr/bin/rowshift" --version) || fail "packaged rowshift --version"
    [[ "$version" == "rowshift "* ]] || fail "packaged rowshift --version printed '$version'"
    make_db "$work/app.db"
    "$work/root/usr/bin/rowshift" --db "sqlite:$work/app.db" plan >/dev/null || fail "packaged rowshift plan"
    echo "packaging_test(deb): $(basename "$deb"), $(wc -l <<<"$contents") entries, $version"
    ;;
  *) fail "unknown mode" ;;
esac
