// Estimates of what glibc malloc really takes for a request, shared by bounded_list and
// object_registry so that their memory_bytes() track mallinfo2 (cache-performance.md §6).
#pragma once

#include <cstddef>

namespace membound::detail {

// Returns the bytes glibc malloc (64-bit) consumes for a request of `n` bytes: the chunk size
// (request + 8-byte header, rounded up to 16, at least 32), or whole pages for requests served
// by mmap (at or above the default 128 KiB M_MMAP_THRESHOLD; glibc may raise the threshold
// dynamically, in which case the estimate is off by at most the header and page rounding).
// Other allocators round differently; the estimate stays within a few percent for them too.
constexpr std::size_t malloc_chunk_bytes(std::size_t n) noexcept {
  constexpr std::size_t mmap_threshold = 128 * 1024;
  constexpr std::size_t page = 4096;
  if (n == 0) return 0;
  if (n >= mmap_threshold) return (n + 16 + page - 1) / page * page;
  const std::size_t chunk = (n + 8 + 15) / 16 * 16;
  return chunk < 32 ? 32 : chunk;
}

}  // namespace membound::detail
