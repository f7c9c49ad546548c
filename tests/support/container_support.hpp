// Helpers shared by the container tests: a shrink_request builder, and a measure of the heap
// that memory_bytes() estimates are checked against (glibc's own accounting, mallinfo2).
#pragma once

#include <malloc.h>

#include <cstddef>

#include <gtest/gtest.h>

#include "membound/containers/shrinkable.hpp"
#include "membound/pressure/level.hpp"

// Defined under AddressSanitizer and ThreadSanitizer, whose allocators mallinfo2 does not see.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MEMBOUND_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MEMBOUND_TEST_SANITIZED 1
#endif
#endif

namespace membound::test {

// The request the monitor sends on entering `level` (relative: a re-application while it holds).
inline shrink_request request(pressure_level level, double keep, bool relative = false) {
  shrink_request r;
  r.level = level;
  r.keep_fraction = keep;
  r.relative_to_current = relative;
  return r;
}

#ifndef MEMBOUND_TEST_SANITIZED
// Bytes glibc malloc has handed out: arena chunks in use plus mmapped blocks.
inline std::size_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

inline void expect_within_ten_percent(std::size_t estimate, std::size_t measured) {
  const double ratio = static_cast<double>(estimate) / static_cast<double>(measured);
  EXPECT_GT(ratio, 0.9) << "estimate " << estimate << " measured " << measured;
  EXPECT_LT(ratio, 1.1) << "estimate " << estimate << " measured " << measured;
}
#endif

}  // namespace membound::test
