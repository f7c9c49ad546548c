// sim::trace and load_trace(): cache traces read into a compact in-memory vector for replay.
//
// Formats (sim::trace_format, CLI names in parentheses):
//   lirs (lirs)                 text, one integer block id per line; empty and `*` lines skipped.
//   arc (arc)                   ARC `.lis` text `start n ignore req`, expanded to n unit requests
//                               for blocks start..start+n-1; each is a 512-byte page.
//   oracle_general              libCacheSim oracleGeneral: 24-byte little-endian records
//     (oracle-general)          {u32 time; u64 id; u32 size; i64 next_access_vtime}.
//   csv (csv)                   delimited text; 1-based id/size/time columns (csv_options).
//   u32be / u32le / i64be       raw key streams (cache2k and CloudPhysics: big-endian int32;
//                               Corda: big-endian int64).
//   webcachesim (webcachesim)   text `time id size`; keyed by (id, size) by default, as
//                               Caffeine's adapt-size reader does, or by id alone.
// Any file whose name ends in `.zst` is decompressed on the fly (libzstd streaming).
// Formats without sizes (lirs, u32*, i64be) give every request size 1; arc gives 512.
//
// Errors never crash: load_trace returns a message naming the file and the line (text formats)
// or byte offset in the decompressed stream (binary formats) of the first malformed record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace membound::sim {

enum class trace_format { lirs, arc, oracle_general, csv, u32be, u32le, i64be, webcachesim };

// Returns the format named `name` (the CLI spelling, e.g. "oracle-general"), if any.
std::optional<trace_format> parse_trace_format(std::string_view name) noexcept;
// Returns the CLI spelling of `format`.
std::string_view to_string(trace_format format) noexcept;

// Column layout of a CSV trace. Columns are 1-based (libCacheSim's convention); 0 = absent.
// A non-numeric id is hashed (64-bit FNV-1a of its bytes), so string keys work too.
struct csv_options {
  unsigned id_column = 1;
  unsigned size_column = 0;  // 0: every request has size 1
  unsigned time_column = 0;  // validated when set (must be an integer), otherwise unused
  bool has_header = false;
  char delimiter = ',';
};

enum class webcachesim_key { id_and_size, id };

struct trace_options {
  trace_format format = trace_format::lirs;
  csv_options csv;
  webcachesim_key webcachesim = webcachesim_key::id_and_size;
  std::uint64_t max_requests = 0;  // 0: read the whole trace
};

// One request after loading: `object` is a dense id (0..unique_objects()-1, in order of first
// appearance), `size` the request's object size in bytes (1 for formats without sizes).
struct request {
  std::uint32_t object;
  std::uint32_t size;
};

// An in-memory trace: the requests in order, keys densified to object ids at load time so that a
// replay needs no hashing. Memory: 8 bytes per request plus 8 bytes per unique key (plus 4 bytes
// per request once next-access information is computed for Belady).
// Complexity: load and compute_next_access O(requests) (expected, one hash probe per request).
// Thread-compatible: const members may be called concurrently once loaded. Copying may throw
// std::bad_alloc (strong guarantee). References into the vectors are stable until modified.
// Bounded by 2^32 - 2 requests (load_trace reports an error beyond that). A request size is held
// in 32 bits: a larger one is counted as 2^32 - 1 bytes (4 GiB - 1) and in clamped_sizes, so that a
// caller can warn (`membound sim` does): caches of 4 GiB and more then hold such objects as smaller.
class trace {
 public:
  static constexpr std::uint32_t never = ~std::uint32_t{0};  // "not requested again"

  std::string path;
  std::vector<request> requests;
  std::vector<std::uint64_t> keys;  // keys[object]: the object's key in the file
  std::uint64_t total_bytes = 0;    // sum of request sizes
  std::uint64_t unique_bytes = 0;   // sum of each object's size at its first request
  std::uint64_t clamped_sizes = 0;  // requests whose size was above 2^32 - 1 (counted as that)

  std::size_t size() const noexcept { return requests.size(); }
  std::size_t unique_objects() const noexcept { return keys.size(); }

  // next_access()[i] = index of the next request to the same object as request i, or `never`.
  // Computed on first use by compute_next_access() (not thread-safe; call before sharing).
  const std::vector<std::uint32_t>& next_access() const noexcept { return next_access_; }
  void compute_next_access();
  bool has_next_access() const noexcept { return next_access_.size() == requests.size(); }

 private:
  std::vector<std::uint32_t> next_access_;
};

// The outcome of load_trace: a trace, or an error message (never both).
struct load_result {
  trace value;
  std::string error;  // empty on success
  bool ok() const noexcept { return error.empty(); }
};

// Reads the trace at `path` (decompressing `.zst`), streaming it in 1 MiB chunks into memory.
// Never throws except std::bad_alloc.
load_result load_trace(const std::string& path, const trace_options& options);

// Builds a trace from keys in memory (tests, benchmarks, synthetic workloads).
trace make_trace(const std::vector<std::uint64_t>& keys, const std::vector<std::uint32_t>& sizes = {});

}  // namespace membound::sim
