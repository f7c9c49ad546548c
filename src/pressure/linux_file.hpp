// Private: a small /proc and cgroupfs file reader that keeps its descriptor open and re-reads the
// whole file with pread(fd, buf, n, 0), as lmkd's reread_data and ClickHouse do.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace membound::detail {

// One file, opened read-only (O_CLOEXEC) on first use and kept open. read() returns the whole
// content from offset 0 in an internal buffer that is reused (no allocation once it has grown to
// the file's size). If the file could not be opened, every read() tries to open it again, so a file
// that appears later is picked up. A file unlinked after open keeps returning its last content (the
// descriptor pins the inode); a cgroup removed after open makes pread fail (ENODEV), reported as
// an error.
//
// Complexity: read() is one pread() when the content fits the buffer (one more per doubling).
// Thread-safety: thread-compatible. Exceptions: the constructor may throw std::bad_alloc; read()
// never throws. Movable, not copyable.
class proc_file {
 public:
  // `max_bytes` caps the content size: a longer file reads as std::errc::file_too_large.
  explicit proc_file(std::string path = {}, std::size_t max_bytes = 1u << 20);
  ~proc_file();
  proc_file(proc_file&& other) noexcept;
  proc_file& operator=(proc_file&& other) noexcept;
  proc_file(const proc_file&) = delete;
  proc_file& operator=(const proc_file&) = delete;

  // Opens the file if it is not open yet. Returns false and sets `ec` (errno) on failure.
  bool open(std::error_code& ec) noexcept;

  // Returns the whole content, valid until the next read() or destruction. On failure returns an
  // empty view and sets `ec`: the errno of open/pread, std::errc::no_message_available for an
  // empty file, std::errc::file_too_large past max_bytes, std::errc::not_enough_memory when the
  // buffer cannot grow.
  std::string_view read(std::error_code& ec) noexcept;

  const std::string& path() const noexcept { return path_; }
  bool is_open() const noexcept { return fd_ >= 0; }

 private:
  void close() noexcept;

  std::string path_;
  std::size_t max_bytes_;
  int fd_ = -1;
  std::vector<char> buf_;
};

// Logs each distinct failure (file, error) once through membound::logger() at warn, so a source
// that keeps failing at every tick does not flood the log. Remembers up to 64 distinct failures
// (later new ones are still logged, at most once per read). Thread-compatible; never throws.
class failure_log {
 public:
  // Logs "<source>: <path>: <what> (<ec message>)" unless this (path, ec) was logged before.
  void report(std::string_view source, std::string_view path, std::string_view what,
              std::error_code ec) noexcept;

 private:
  std::vector<std::string> seen_;
};

// Returns a + "/" + b without doubling the slash.
std::string join_path(std::string_view a, std::string_view b);

}  // namespace membound::detail
