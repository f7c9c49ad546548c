// monitor_rss: the monitor's own reading of this process's RSS (private to the library), used to
// measure what malloc_trim gave back to the OS. Kept separate from the Linux sources on purpose:
// the monitor needs RSS even when its memory_source is a cgroup, host or scripted source.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <optional>

namespace membound::detail {

// Reads the resident set size from /proc/self/statm (second field, in pages). The file is opened
// once and re-read with pread. Cost: one pread (about 1 µs). Not thread-safe (the monitor uses it
// from the thread that releases memory, one at a time). Never throws.
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

  // Returns the RSS in bytes, or nothing when /proc is unavailable or unparsable.
  std::optional<std::uint64_t> read() const noexcept {
    if (fd_ < 0 || page_size_ <= 0) {
      return std::nullopt;
    }
    char buf[128];
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    if (n <= 0) {
      return std::nullopt;
    }
    buf[n] = '\0';
    // "size resident shared text lib data dt": skip the first field, parse the second.
    const char* p = buf;
    while (*p >= '0' && *p <= '9') ++p;
    if (*p != ' ') return std::nullopt;
    ++p;
    if (*p < '0' || *p > '9') return std::nullopt;
    std::uint64_t pages = 0;
    while (*p >= '0' && *p <= '9') {
      pages = pages * 10 + static_cast<std::uint64_t>(*p - '0');
      ++p;
    }
    return pages * static_cast<std::uint64_t>(page_size_);
  }

 private:
  int fd_;
  long page_size_;
};

}  // namespace membound::detail
