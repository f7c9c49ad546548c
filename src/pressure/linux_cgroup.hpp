// Private: finds this process's memory cgroup directory (v1, v2 or hybrid) from
// <proc>/self/cgroup and <proc>/self/mountinfo.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "membound/pressure/source.hpp"

namespace membound::detail {

enum class cgroup_version { none = 0, v1 = 1, v2 = 2 };

struct cgroup_location {
  cgroup_version version = cgroup_version::none;  // hierarchy holding the memory controller
  bool hybrid = false;  // memory on a v1 hierarchy while a cgroup2 hierarchy is mounted too
  // Directories of the memory controller, from the process's own cgroup (front) up to the root of
  // the mount (back). Never empty when version != none.
  std::vector<std::string> levels;
  // The process's directory in the cgroup2 hierarchy (pure v2 or the hybrid "unified" mount), or
  // empty when no cgroup2 hierarchy is mounted: where memory.pressure lives.
  std::string unified_dir;
};

// Rewrites a mount point read from mountinfo into a path under paths.cgroup_root: a mount point
// equal to "/sys/fs/cgroup" or below it has that prefix replaced by paths.cgroup_root (a no-op with
// the default paths); any other mount point is used as it is. This lets fixture trees carry a real
// mountinfo ("… /sys/fs/cgroup/memory …") and be resolved inside the fixture.
std::string resolve_mount_point(std::string_view mount_point, const source_paths& paths);

// Locates the memory cgroup. Rules:
//   * v1 when /proc/self/cgroup has a line whose controller list contains "memory" and mountinfo
//     has a "cgroup" mount whose super options contain "memory" (hybrid when a cgroup2 mount
//     exists too: the v1 memory controller is preferred);
//   * else v2 when there is a "0::<path>" line and a "cgroup2" mount;
//   * with no usable mountinfo, paths.cgroup_root is probed: <root>/cgroup.controllers → v2
//     mounted there, <root>/memory/ → v1 mounted there (mount root "/").
//   * directory = mount point + (cgroup path relative to the mount's root); a cgroup path outside
//     the mount's root (moved out of its namespace, "/..") falls back to the mount point, logged.
// Returns std::errc::not_supported when no memory cgroup is found, or the error of reading
// <proc>/self/cgroup (required) / parsing either file.
std::error_code locate_memory_cgroup(const source_paths& paths, cgroup_location& out);

}  // namespace membound::detail
