// Aggregate header of this area: includes each of its public headers.
#pragma once

#include "membound/observability/export.hpp"
#include "membound/observability/subscription.hpp"
#include "membound/observability/memory_tracker.hpp"
#include "membound/observability/leak_detector.hpp"
#include "membound/observability/alerts.hpp"
// membound::admin (link it to use these two):
#include "membound/observability/admin_server.hpp"
#include "membound/observability/sqlite_history.hpp"
