#include "rowshift/cli.hpp"

int main(int argc, char** argv) { return rowshift::cli_main(argc, argv); }
