// Test helpers of the Linux source tests: a private copy of a fixture tree that a test may edit,
// and a capture of membound's log.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "membound/log.hpp"
#include "membound/pressure/source.hpp"

namespace membound::test {

inline constexpr std::uint64_t kib = 1024;
inline constexpr std::uint64_t mib = 1024 * kib;
inline constexpr std::uint64_t gib = 1024 * mib;

inline std::uint64_t page_bytes() { return static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)); }

// The checked-in fixtures (tests/pressure/fixtures/<name>), whichever test directory
// MEMBOUND_TEST_DATA_DIR names (tests/, tests/pressure/ or a sibling such as tests/cli/).
inline std::filesystem::path fixtures_dir() {
  const std::filesystem::path data(MEMBOUND_TEST_DATA_DIR);
  for (const auto& candidate : {data / "pressure" / "fixtures", data / "fixtures",
                                data / ".." / "pressure" / "fixtures"}) {
    if (std::filesystem::exists(candidate / "cgroup_v2")) return candidate;
  }
  return data / "pressure" / "fixtures";
}

// A fresh copy of fixture `name` in its own temporary directory, removed on destruction. Layout:
// <root>/proc/... is paths().proc_root, <root>/sys/fs/cgroup is paths().cgroup_root.
class fixture_tree {
 public:
  explicit fixture_tree(std::string_view name) {
    std::string pattern = (std::filesystem::temp_directory_path() / "membound-src-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = pattern;
    if (!name.empty()) {
      std::filesystem::copy(fixtures_dir() / name, root_, std::filesystem::copy_options::recursive);
    }
  }
  ~fixture_tree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  fixture_tree(const fixture_tree&) = delete;
  fixture_tree& operator=(const fixture_tree&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path path(std::string_view rel) const { return root_ / rel; }

  source_paths paths() const {
    source_paths p;
    p.proc_root = (root_ / "proc").string();
    p.cgroup_root = (root_ / "sys/fs/cgroup").string();
    return p;
  }

  // Replaces (or creates) a file under the root, in place (same inode when it exists, so a
  // descriptor a source holds sees the new content).
  void write(std::string_view rel, std::string_view content) const {
    const auto p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + p.string());
  }
  void remove(std::string_view rel) const { std::filesystem::remove(root_ / rel); }

 private:
  std::filesystem::path root_;
};

// Reads one sample and expects it to succeed.
inline memory_sample read_ok(memory_source& src) {
  std::error_code ec = std::make_error_code(std::errc::io_error);  // read() must clear it
  const memory_sample s = src.read(ec);
  EXPECT_FALSE(ec) << ec.message();
  return s;
}

// Reads one sample and returns the error it reported (empty on success).
inline std::error_code read_error(memory_source& src) {
  std::error_code ec;
  src.read(ec);
  return ec;
}

// Routes membound::logger() into a string for the lifetime of the object.
class log_capture {
 public:
  log_capture() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%l|%v");
    auto log = std::make_shared<spdlog::logger>("membound-test", std::move(sink));
    log->set_level(spdlog::level::trace);
    previous_ = membound::logger();
    membound::set_logger(std::move(log));
  }
  ~log_capture() { membound::set_logger(previous_); }
  log_capture(const log_capture&) = delete;
  log_capture& operator=(const log_capture&) = delete;

  std::string text() const { return out_.str(); }
  // Returns how many warning lines mention `needle`.
  int warnings_with(std::string_view needle) const {
    std::istringstream in(out_.str());
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("warning|", 0) == 0 && line.find(needle) != std::string::npos) ++n;
    }
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace membound::test
