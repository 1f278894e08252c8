// rowshift/rowshift.hpp — start here. Everything a migration author needs.
#pragma once

#include "rowshift/cli.hpp"
#include "rowshift/error.hpp"
#include "rowshift/migration.hpp"
#include "rowshift/runner.hpp"
#include "rowshift/value.hpp"
