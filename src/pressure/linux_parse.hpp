// Private: strict parsers for the Linux memory files membound reads. Pure functions over text, no
// I/O, no allocation except where a vector is returned; every function reports malformed input as
// an error code instead of guessing:
//   std::errc::bad_message         garbage, a sign, a missing key or field, a truncated line
//   std::errc::value_too_large     a number that does not fit in 64 bits (also after ×1024 for kB)
//   std::errc::no_message_available  empty text
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace membound::detail {

// A decimal unsigned 64-bit integer, optionally surrounded by blanks/newlines. Nothing else.
std::errc parse_u64(std::string_view text, std::uint64_t& out) noexcept;

// A cgroup limit file (memory.max, memory.high, memory.limit_in_bytes): a number, or "max" (no
// limit: `out` becomes std::nullopt).
std::errc parse_limit(std::string_view text, std::optional<std::uint64_t>& out) noexcept;

// "key value" lines (memory.stat): the value of `key` (a whole-word match at a line start).
std::errc find_stat_value(std::string_view text, std::string_view key, std::uint64_t& out) noexcept;
// The same, but a missing key is not an error: `out` becomes std::nullopt.
std::errc find_stat_value(std::string_view text, std::string_view key,
                          std::optional<std::uint64_t>& out) noexcept;

struct meminfo_values {
  std::uint64_t total_bytes = 0;
  std::uint64_t available_bytes = 0;
};
// /proc/meminfo: MemTotal and MemAvailable, in bytes ("kB" means KiB). MemFree is never read.
// MemTotal of 0 is bad_message.
std::errc parse_meminfo(std::string_view text, meminfo_values& out) noexcept;

// /proc/<pid>/statm: the second field (resident pages).
std::errc parse_statm_resident_pages(std::string_view text, std::uint64_t& out) noexcept;

struct psi_values {
  std::optional<double> some_avg10;
  std::optional<double> full_avg10;
};
// A PSI file: "some avg10=… avg60=… avg300=… total=…" and optionally a "full …" line (absent on
// old kernels). A "some" line is required; avg10 must be a number in [0, 100].
std::errc parse_psi(std::string_view text, psi_values& out) noexcept;

// One line of /proc/self/cgroup: "hierarchy-id:controller-list:path".
struct cgroup_line {
  std::uint64_t hierarchy_id = 0;
  std::string controllers;  // comma-separated; empty for the v2 line "0::/path"
  std::string path;
};
std::errc parse_self_cgroup(std::string_view text, std::vector<cgroup_line>& out);

// One line of /proc/self/mountinfo (only the fields membound needs; octal escapes such as \040
// are decoded).
struct mount_line {
  std::string root;           // field 4: the root of the mount within its filesystem
  std::string mount_point;    // field 5
  std::string fs_type;        // after the " - " separator
  std::string super_options;  // the last field (for cgroup v1: the controllers, e.g. "rw,memory")
};
std::errc parse_mountinfo(std::string_view text, std::vector<mount_line>& out);

// Returns whether the comma-separated `list` contains `item` as a whole entry.
bool list_contains(std::string_view list, std::string_view item) noexcept;

}  // namespace membound::detail
