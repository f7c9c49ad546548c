#include "pressure/linux_cgroup.hpp"

#include <sys/stat.h>

#include <optional>

#include "membound/log.hpp"
#include "pressure/linux_file.hpp"
#include "pressure/linux_parse.hpp"

namespace membound::detail {
namespace {

constexpr std::string_view default_cgroup_root = "/sys/fs/cgroup";
constexpr std::size_t max_mountinfo_bytes = 16u << 20;  // hosts with thousands of mounts

bool exists(const std::string& path) noexcept {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

// Splits "/a/b/c" into {"a", "b", "c"}.
std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (path.empty()) break;
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

// Returns the components of `path` below `root`, or nullopt when `path` is not inside `root` (or
// escapes it with "..").
std::optional<std::vector<std::string_view>> relative_to(std::string_view path,
                                                         std::string_view root) {
  const auto p = components(path);
  const auto r = components(root);
  if (r.size() > p.size()) return std::nullopt;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (p[i] != r[i]) return std::nullopt;
  }
  std::vector<std::string_view> rel(p.begin() + static_cast<std::ptrdiff_t>(r.size()), p.end());
  for (auto c : rel) {
    if (c == ".." || c == ".") return std::nullopt;
  }
  return rel;
}

// Picks, among `mounts` accepted by `match`, the one whose root contains `path` most tightly
// (bind mounts of sub-trees), else the first accepted one.
template <class Match>
const mount_line* pick_mount(const std::vector<mount_line>& mounts, std::string_view path,
                             Match match) {
  const mount_line* first = nullptr;
  const mount_line* best = nullptr;
  std::size_t best_depth = 0;
  for (const auto& m : mounts) {
    if (!match(m)) continue;
    if (!first) first = &m;
    if (relative_to(path, m.root)) {
      const auto depth = components(m.root).size();
      if (!best || depth > best_depth) {
        best = &m;
        best_depth = depth;
      }
    }
  }
  return best ? best : first;
}

// Directories from mount_point + (path − root) up to mount_point.
std::vector<std::string> levels_of(const std::string& mount_point, std::string_view path,
                                   std::string_view root) {
  auto rel = relative_to(path, root);
  if (!rel) {
    logger()->warn(
        "cgroup: {} is outside the cgroup mount's root {} (moved out of its namespace?); using "
        "the mount point {}: detected limits may not be accurate",
        path, root, mount_point);
    rel.emplace();
  }
  std::vector<std::string> levels;
  for (std::size_t n = rel->size() + 1; n-- > 0;) {
    std::string dir = mount_point;
    for (std::size_t i = 0; i < n; ++i) dir = join_path(dir, (*rel)[i]);
    levels.push_back(std::move(dir));
  }
  return levels;
}

std::error_code read_whole(const std::string& path, std::size_t max_bytes, std::string& out) {
  proc_file f(path, max_bytes);
  std::error_code ec;
  const auto text = f.read(ec);
  if (!ec) out.assign(text);
  return ec;
}

}  // namespace

std::string resolve_mount_point(std::string_view mount_point, const source_paths& paths) {
  if (mount_point.substr(0, default_cgroup_root.size()) == default_cgroup_root &&
      (mount_point.size() == default_cgroup_root.size() ||
       mount_point[default_cgroup_root.size()] == '/')) {
    return join_path(paths.cgroup_root, mount_point.substr(default_cgroup_root.size()));
  }
  return std::string(mount_point);
}

std::error_code locate_memory_cgroup(const source_paths& paths, cgroup_location& out) {
  out = {};
  std::string text;
  if (auto ec = read_whole(join_path(paths.proc_root, "self/cgroup"), 1u << 20, text)) return ec;
  std::vector<cgroup_line> lines;
  if (const auto e = parse_self_cgroup(text, lines); e != std::errc{}) {
    return std::make_error_code(e);
  }
  const cgroup_line* v1_line = nullptr;
  const cgroup_line* v2_line = nullptr;
  for (const auto& l : lines) {
    if (l.hierarchy_id != 0 && list_contains(l.controllers, "memory")) v1_line = &l;
    if (l.hierarchy_id == 0 && l.controllers.empty()) v2_line = &l;
  }

  std::vector<mount_line> mounts;
  bool have_mountinfo = false;
  if (!read_whole(join_path(paths.proc_root, "self/mountinfo"), max_mountinfo_bytes, text)) {
    if (const auto e = parse_mountinfo(text, mounts); e != std::errc{}) {
      return std::make_error_code(e);
    }
    have_mountinfo = true;
  }

  const mount_line* v1_mount = nullptr;
  const mount_line* v2_mount = nullptr;
  if (v1_line) {
    v1_mount = pick_mount(mounts, v1_line->path, [](const mount_line& m) {
      return m.fs_type == "cgroup" && list_contains(m.super_options, "memory");
    });
  }
  if (v2_line) {
    v2_mount = pick_mount(mounts, v2_line->path,
                          [](const mount_line& m) { return m.fs_type == "cgroup2"; });
  }
  const bool any_cgroup_mount =
      v1_mount || v2_mount || [&] {
        for (const auto& m : mounts) {
          if (m.fs_type == "cgroup" || m.fs_type == "cgroup2") return true;
        }
        return false;
      }();

  std::vector<std::string> v2_levels;
  if (v2_line && v2_mount) {
    v2_levels = levels_of(resolve_mount_point(v2_mount->mount_point, paths), v2_line->path,
                          v2_mount->root);
    out.unified_dir = v2_levels.front();
  }
  if (v1_line && v1_mount) {
    out.version = cgroup_version::v1;
    out.hybrid = v2_mount != nullptr;
    out.levels = levels_of(resolve_mount_point(v1_mount->mount_point, paths), v1_line->path,
                           v1_mount->root);
    return {};
  }
  if (!v2_levels.empty()) {
    out.version = cgroup_version::v2;
    out.levels = std::move(v2_levels);
    return {};
  }
  if (!have_mountinfo || !any_cgroup_mount) {
    // No mount information: probe paths.cgroup_root, assuming the mount's root is "/".
    if (v2_line && exists(join_path(paths.cgroup_root, "cgroup.controllers"))) {
      out.version = cgroup_version::v2;
      out.levels = levels_of(paths.cgroup_root, v2_line->path, "/");
      out.unified_dir = out.levels.front();
      return {};
    }
    if (v1_line && exists(join_path(paths.cgroup_root, "memory"))) {
      out.version = cgroup_version::v1;
      out.levels = levels_of(join_path(paths.cgroup_root, "memory"), v1_line->path, "/");
      return {};
    }
  }
  return std::make_error_code(std::errc::not_supported);
}

}  // namespace membound::detail
