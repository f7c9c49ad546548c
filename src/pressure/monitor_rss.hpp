// monitor_rss: the monitor's own reading of this process's RSS (private to the library), used to
// measure what malloc_trim gave back to the OS. Separate from the memory_source the monitor
// samples: the monitor needs RSS even when that source is a cgroup, host or scripted one. It
// parses with the Linux sources' parse_statm_resident_pages(), but does not share their
// proc_file: that reads into a member buffer, and release_to_os() may run on two threads at once
// (poll_once() from a user thread while the monitor thread ticks).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

#include "pressure/linux_parse.hpp"

namespace membound::detail {

// Reads the resident set size from /proc/self/statm (second field, in pages). The file is opened
// once and re-read with pread into a stack buffer. Cost: one pread (about 1 µs). Thread-safe:
// read() only preads the descriptor, which stays open until destruction. Never throws.
class self_rss_reader {
 public:
  self_rss_reader() noexcept
      : fd_(::open("/proc/self/statm", O_RDONLY | O_CLOEXEC)), page_size_(::sysconf(_SC_PAGESIZE)) {}
  ~self_rss_reader() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  self_rss_reader(const self_rss_reader&) = delete;
  self_rss_reader& operator=(const self_rss_reader&) = delete;

  // Returns the RSS in bytes, or nothing when /proc is unavailable, unparsable or overflows.
  std::optional<std::uint64_t> read() const noexcept {
    if (fd_ < 0 || page_size_ <= 0) {
      return std::nullopt;
    }
    // "size resident shared text lib data dt": only the first two fields (at most 41 bytes) are
    // parsed, so a line cut short after them still reads correctly.
    char buf[128];
    const ssize_t n = ::pread(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      return std::nullopt;
    }
    std::uint64_t pages = 0;
    const auto page = static_cast<std::uint64_t>(page_size_);
    if (parse_statm_resident_pages(std::string_view(buf, static_cast<std::size_t>(n)), pages) !=
            std::errc{} ||
        pages > UINT64_MAX / page) {
      return std::nullopt;
    }
    return pages * page;
  }

 private:
  int fd_;
  long page_size_;
};

}  // namespace membound::detail
