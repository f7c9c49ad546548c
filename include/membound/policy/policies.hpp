// Aggregate header of the policy area: includes every eviction policy.
#pragma once

#include "membound/policy/policy.hpp"
#include "membound/policy/lru.hpp"
#include "membound/policy/sieve.hpp"
#include "membound/policy/fifo.hpp"
#include "membound/policy/clock.hpp"
#include "membound/policy/s3fifo.hpp"
#include "membound/policy/w_tinylfu.hpp"
#include "membound/policy/arc.hpp"
#include "membound/policy/lirs.hpp"
#include "membound/policy/two_queue.hpp"
#include "membound/policy/slru.hpp"
#include "membound/policy/belady.hpp"
