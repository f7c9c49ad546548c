// Aggregate header of this area: includes each of its public headers.
#pragma once

#include "membound/sim/trace.hpp"
#include "membound/sim/simulator.hpp"
#include "membound/sim/svg_plot.hpp"
