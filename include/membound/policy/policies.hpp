// Aggregate header of the policy area: includes every eviction policy.
#pragma once

#include "membound/policy/policy.hpp"
#include "membound/policy/lru.hpp"
#include "membound/policy/sieve.hpp"
// (the policy lab adds the rest here)
