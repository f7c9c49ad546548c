// The Linux memory sources: cgroup (v1, v2, hybrid), host, process budget, and the PSI wrapper.
// Error codes (see docs/sources.md): the errno of open/pread for missing, unreadable or vanished
// files; std::errc::no_message_available for an empty file; std::errc::bad_message for garbage,
// a negative number, a missing field or a truncated line; std::errc::value_too_large for a number
// that overflows 64 bits; std::errc::not_supported when the process has no memory cgroup;
// std::errc::result_out_of_range when its cgroup has no limit below physical RAM.
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "membound/detail/throw.hpp"
#include "membound/log.hpp"
#include "membound/pressure/source.hpp"
#include "pressure/linux_cgroup.hpp"
#include "pressure/linux_file.hpp"
#include "pressure/linux_parse.hpp"

namespace membound {
namespace {

using detail::failure_log;
using detail::join_path;
using detail::proc_file;

time_point sample_time(const clock_fn& clock) noexcept {
  try {
    return membound::now(clock);
  } catch (...) {
    return clock_type::now();
  }
}

std::uint64_t page_size() noexcept {
  const long p = ::sysconf(_SC_PAGESIZE);
  return p > 0 ? static_cast<std::uint64_t>(p) : 4096;
}

// Reads and parses one file, reporting failures to `log`. Returns false (and sets `ec`) on failure.
template <class Parse>
bool read_parsed(proc_file& file, std::string_view source, failure_log& log, std::error_code& ec,
                 Parse parse) noexcept {
  const auto text = file.read(ec);
  if (ec) {
    log.report(source, file.path(), "cannot read", ec);
    return false;
  }
  if (const std::errc e = parse(text); e != std::errc{}) {
    ec = std::make_error_code(e);
    log.report(source, file.path(), "unexpected content", ec);
    return false;
  }
  return true;
}

// This process's RSS from <proc>/self/statm (resident pages × page size): the process budget
// source's reading, and an optional extra of the host and cgroup samples.
struct rss_reader {
  proc_file statm;
  std::uint64_t page = page_size();

  explicit rss_reader(const source_paths& paths) : statm(join_path(paths.proc_root, "self/statm")) {}

  // Returns false (and sets `ec`, logging each distinct failure once to `log`) on failure.
  bool read(std::string_view source, failure_log& log, std::error_code& ec,
            std::uint64_t& bytes) noexcept {
    std::uint64_t pages = 0;
    if (!read_parsed(statm, source, log, ec, [&](std::string_view t) {
          return detail::parse_statm_resident_pages(t, pages);
        })) {
      return false;
    }
    if (pages > UINT64_MAX / page) {
      ec = std::make_error_code(std::errc::value_too_large);
      log.report(source, statm.path(), "resident pages overflow", ec);
      return false;
    }
    bytes = pages * page;
    return true;
  }

  // The RSS as an optional extra: a failure leaves it unknown (logged once).
  std::optional<std::uint64_t> read(std::string_view source, failure_log& log) noexcept {
    std::error_code ec;
    std::uint64_t bytes = 0;
    if (!read(source, log, ec, bytes)) return std::nullopt;
    return bytes;
  }
};

// ---------------------------------------------------------------------------------------------
// host

class host_source final : public memory_source {
 public:
  explicit host_source(const source_paths& paths)
      : meminfo_(join_path(paths.proc_root, "meminfo")), rss_(paths), clock_(paths.clock) {}

  std::string_view name() const noexcept override { return "host"; }

  memory_sample read(std::error_code& ec) noexcept override {
    memory_sample s;
    s.source = name();
    s.time = sample_time(clock_);
    detail::meminfo_values mi;
    if (!read_parsed(meminfo_, name(), log_, ec,
                     [&](std::string_view t) { return detail::parse_meminfo(t, mi); })) {
      return s;
    }
    s.limit_bytes = mi.total_bytes;
    s.used_bytes = mi.available_bytes >= mi.total_bytes ? 0 : mi.total_bytes - mi.available_bytes;
    s.process_rss_bytes = rss_.read(name(), log_);
    ec.clear();
    return s;
  }

 private:
  proc_file meminfo_;
  rss_reader rss_;
  clock_fn clock_;
  failure_log log_;
};

// ---------------------------------------------------------------------------------------------
// process budget

class process_budget_source final : public memory_source {
 public:
  process_budget_source(std::uint64_t budget, const source_paths& paths)
      : rss_(paths), budget_(budget), clock_(paths.clock) {}

  std::string_view name() const noexcept override { return "process-budget"; }

  memory_sample read(std::error_code& ec) noexcept override {
    memory_sample s;
    s.source = name();
    s.time = sample_time(clock_);
    s.limit_bytes = budget_;
    std::uint64_t rss = 0;
    if (!rss_.read(name(), log_, ec, rss)) return s;
    s.used_bytes = rss;
    s.process_rss_bytes = rss;
    ec.clear();
    return s;
  }

 private:
  rss_reader rss_;
  std::uint64_t budget_;
  clock_fn clock_;
  failure_log log_;
};

// ---------------------------------------------------------------------------------------------
// cgroup

class cgroup_source final : public memory_source {
 public:
  cgroup_source(const detail::cgroup_location& where, std::uint64_t mem_total,
                const source_paths& paths)
      : v1_(where.version == detail::cgroup_version::v1),
        usage_(join_path(where.levels.front(), v1_ ? "memory.usage_in_bytes" : "memory.current")),
        stat_(join_path(where.levels.front(), "memory.stat")),
        rss_(paths),
        mem_total_(mem_total),
        clock_(paths.clock) {
    // Limit files of every level that has them (the root has none on v2; a level without the
    // memory controller enabled has none either). They are re-read at every sample: limits change.
    static constexpr std::string_view v1_files[] = {"memory.limit_in_bytes"};
    static constexpr std::string_view v2_files[] = {"memory.max", "memory.high"};
    const auto files = v1_ ? std::span<const std::string_view>(v1_files)
                           : std::span<const std::string_view>(v2_files);
    for (const auto& dir : where.levels) {
      for (const auto file : files) {
        proc_file f(join_path(dir, file));
        std::error_code ec;
        if (f.open(ec)) {
          limits_.push_back(std::move(f));
        } else if (ec != std::errc::no_such_file_or_directory) {
          limits_.push_back(std::move(f));  // exists but unreadable: read() reports it
        }
      }
    }
  }

  std::string_view name() const noexcept override { return v1_ ? "cgroup-v1" : "cgroup-v2"; }

  memory_sample read(std::error_code& ec) noexcept override {
    bool limited = false;
    return read_impl(ec, limited);
  }

  // As read(); `limited` tells whether a limit below physical RAM was found.
  memory_sample read_impl(std::error_code& ec, bool& limited) noexcept {
    memory_sample s;
    s.source = name();
    s.time = sample_time(clock_);
    limited = false;
    std::uint64_t usage = 0;
    if (!read_parsed(usage_, name(), log_, ec,
                     [&](std::string_view t) { return detail::parse_u64(t, usage); })) {
      return s;
    }
    std::uint64_t inactive = 0;
    std::optional<std::uint64_t> hierarchical;
    if (!read_parsed(stat_, name(), log_, ec, [&](std::string_view t) {
          const auto e =
              detail::find_stat_value(t, v1_ ? "total_inactive_file" : "inactive_file", inactive);
          if (e != std::errc{} || !v1_) return e;
          return detail::find_stat_value(t, "hierarchical_memory_limit", hierarchical);
        })) {
      return s;
    }
    std::uint64_t limit = UINT64_MAX;
    if (hierarchical) limit = *hierarchical;
    for (auto& f : limits_) {
      std::optional<std::uint64_t> l;
      if (!read_parsed(f, name(), log_, ec,
                       [&](std::string_view t) { return detail::parse_limit(t, l); })) {
        return s;
      }
      if (l) limit = std::min(limit, *l);
    }
    // A limit at or above physical RAM (v1's "unlimited" 9223372036854771712 included) is no
    // limit: the sample then carries physical RAM, which is what really bounds the cgroup.
    limited = limit < mem_total_;
    s.limit_bytes = limited ? limit : mem_total_;
    s.used_bytes = usage > inactive ? usage - inactive : 0;
    s.process_rss_bytes = rss_.read(name(), log_);
    ec.clear();
    return s;
  }

 private:
  bool v1_;
  proc_file usage_;
  proc_file stat_;
  std::vector<proc_file> limits_;
  rss_reader rss_;
  std::uint64_t mem_total_;
  clock_fn clock_;
  failure_log log_;
};

// ---------------------------------------------------------------------------------------------
// PSI

// The names of PSI-wrapped sources (static storage, as memory_sample::source requires).
std::string_view psi_name_for(std::string_view base) noexcept {
  static constexpr std::string_view names[] = {"psi+cgroup-v2", "psi+cgroup-v1", "psi+host",
                                               "psi+process-budget", "psi+scripted"};
  for (auto n : names) {
    if (n.substr(4) == base) return n;
  }
  return "psi";
}

class psi_source final : public memory_source {
 public:
  psi_source(std::unique_ptr<memory_source> base, std::string psi_path)
      : base_(std::move(base)), name_(psi_name_for(base_->name())), psi_(std::move(psi_path)) {}

  std::string_view name() const noexcept override { return name_; }

  memory_sample read(std::error_code& ec) noexcept override {
    memory_sample s = base_->read(ec);
    s.source = name_;
    if (ec) return s;
    // PSI is an extra: a missing file (PSI compiled out, psi=0) is silent, other failures are
    // logged once; either way the base sample stands, with no PSI fields.
    std::error_code psi_ec;
    const auto text = psi_.read(psi_ec);
    if (psi_ec) {
      if (psi_ec != std::errc::no_such_file_or_directory) {
        log_.report(name_, psi_.path(), "cannot read", psi_ec);
      }
      return s;
    }
    detail::psi_values v;
    if (const auto e = detail::parse_psi(text, v); e != std::errc{}) {
      log_.report(name_, psi_.path(), "unexpected content", std::make_error_code(e));
      return s;
    }
    s.psi_some_avg10 = v.some_avg10;
    s.psi_full_avg10 = v.full_avg10;
    return s;
  }

 private:
  std::unique_ptr<memory_source> base_;
  std::string_view name_;
  proc_file psi_;
  failure_log log_;
};

std::error_code read_mem_total(const source_paths& paths, std::uint64_t& out) {
  proc_file f(join_path(paths.proc_root, "meminfo"));
  failure_log log;
  std::error_code ec;
  detail::meminfo_values mi;
  if (read_parsed(f, "cgroup", log, ec,
                  [&](std::string_view t) { return detail::parse_meminfo(t, mi); })) {
    out = mi.total_bytes;
  }
  return ec;
}

}  // namespace

std::unique_ptr<memory_source> make_cgroup_source(std::error_code& ec, const source_paths& paths) {
  try {
    detail::cgroup_location where;
    if ((ec = detail::locate_memory_cgroup(paths, where))) {
      if (ec != std::errc::not_supported) {
        failure_log().report("cgroup", join_path(paths.proc_root, "self/{cgroup,mountinfo}"),
                             "cannot locate the memory cgroup", ec);
      }
      return nullptr;
    }
    std::uint64_t mem_total = 0;
    if ((ec = read_mem_total(paths, mem_total))) return nullptr;
    auto src = std::make_unique<cgroup_source>(where, mem_total, paths);
    bool limited = false;
    src->read_impl(ec, limited);
    if (ec) return nullptr;
    if (!limited) {
      ec = std::make_error_code(std::errc::result_out_of_range);
      return nullptr;
    }
    return src;
  } catch (const std::bad_alloc&) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return nullptr;
  }
}

std::unique_ptr<memory_source> make_cgroup_source(const source_paths& paths) {
  std::error_code ec;
  return make_cgroup_source(ec, paths);
}

std::unique_ptr<memory_source> make_host_source(const source_paths& paths) {
  return std::make_unique<host_source>(paths);
}

std::unique_ptr<memory_source> make_process_budget_source(std::uint64_t budget_bytes,
                                                          const source_paths& paths) {
  if (budget_bytes == 0) {
    detail::throw_invalid_argument("make_process_budget_source", "budget_bytes",
                                   "must be greater than 0");
  }
  return std::make_unique<process_budget_source>(budget_bytes, paths);
}

std::unique_ptr<memory_source> make_psi_source(std::unique_ptr<memory_source> base,
                                               const source_paths& paths) {
  if (!base) base = make_default_source(paths);
  // The cgroup's own memory.pressure (pure v2, or the unified hierarchy of a hybrid setup), else
  // the system-wide file.
  std::string path = join_path(paths.proc_root, "pressure/memory");
  detail::cgroup_location where;
  if (!detail::locate_memory_cgroup(paths, where) && !where.unified_dir.empty()) {
    proc_file probe(join_path(where.unified_dir, "memory.pressure"));
    std::error_code ec;
    if (probe.open(ec)) path = probe.path();
  }
  return std::make_unique<psi_source>(std::move(base), std::move(path));
}

std::unique_ptr<memory_source> make_default_source(const source_paths& paths) {
  std::error_code ec;
  if (auto src = make_cgroup_source(ec, paths)) return src;
  return make_host_source(paths);
}

}  // namespace membound
