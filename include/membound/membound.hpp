// Umbrella header: every public header of membound.
#pragma once

#include "membound/clock.hpp"
#include "membound/log.hpp"
#include "membound/pressure/classifier.hpp"
#include "membound/pressure/level.hpp"
#include "membound/pressure/monitor.hpp"
#include "membound/pressure/sample.hpp"
#include "membound/pressure/source.hpp"
#include "membound/pressure/thresholds.hpp"
#include "membound/containers/shrinkable.hpp"
#include "membound/policy/policy.hpp"
#include "membound/policy/lru.hpp"
// Areas (each aggregates its own headers):
#include "membound/containers/containers.hpp"
#include "membound/policy/policies.hpp"
#include "membound/sim/sim.hpp"
#include "membound/observability/observability.hpp"
