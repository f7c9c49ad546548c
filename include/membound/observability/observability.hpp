// Aggregate header of this area: includes each of its public headers.
#pragma once

#include "membound/observability/export.hpp"
