// The shop's migration program: its migrations come from the shop_migrations library.
#include <rowshift/rowshift.hpp>

int main(int argc, char** argv) { return rowshift::cli_main(argc, argv); }
