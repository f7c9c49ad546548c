#include "pressure/linux_file.hpp"

#include "membound/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <utility>

namespace membound::detail {
namespace {

constexpr std::size_t initial_buffer = 4096;  // meminfo, memory.stat (v1 ~1.5 KiB) fit in one page

}  // namespace

proc_file::proc_file(std::string path, std::size_t max_bytes)
    : path_(std::move(path)), max_bytes_(max_bytes < initial_buffer ? initial_buffer : max_bytes) {}

proc_file::~proc_file() { close(); }

proc_file::proc_file(proc_file&& other) noexcept
    : path_(std::move(other.path_)),
      max_bytes_(other.max_bytes_),
      fd_(std::exchange(other.fd_, -1)),
      buf_(std::move(other.buf_)) {}

proc_file& proc_file::operator=(proc_file&& other) noexcept {
  if (this != &other) {
    close();
    path_ = std::move(other.path_);
    max_bytes_ = other.max_bytes_;
    fd_ = std::exchange(other.fd_, -1);
    buf_ = std::move(other.buf_);
  }
  return *this;
}

void proc_file::close() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool proc_file::open(std::error_code& ec) noexcept {
  if (fd_ >= 0) {
    ec.clear();
    return true;
  }
  if (path_.empty()) {
    ec = std::make_error_code(std::errc::no_such_file_or_directory);
    return false;
  }
  int fd;
  do {
    fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    ec.assign(errno, std::generic_category());
    return false;
  }
  fd_ = fd;
  ec.clear();
  return true;
}

std::string_view proc_file::read(std::error_code& ec) noexcept {
  if (!open(ec)) return {};
  try {
    if (buf_.size() < initial_buffer) buf_.resize(initial_buffer);
  } catch (const std::bad_alloc&) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return {};
  }
  for (;;) {
    // One pread of the whole buffer: a short read means end of file (regular files, seq_file and
    // kernfs all fill the buffer while content remains). A full buffer is re-read from offset 0
    // with a bigger one, so the content is one snapshot.
    ssize_t n;
    do {
      n = ::pread(fd_, buf_.data(), buf_.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      ec.assign(errno, std::generic_category());
      return {};
    }
    const auto got = static_cast<std::size_t>(n);
    if (got < buf_.size()) {
      if (got == 0) {
        ec = std::make_error_code(std::errc::no_message_available);
        return {};
      }
      ec.clear();
      return {buf_.data(), got};
    }
    if (buf_.size() >= max_bytes_) {
      ec = std::make_error_code(std::errc::file_too_large);
      return {};
    }
    try {
      buf_.resize(buf_.size() * 2 > max_bytes_ ? max_bytes_ : buf_.size() * 2);
    } catch (const std::bad_alloc&) {
      ec = std::make_error_code(std::errc::not_enough_memory);
      return {};
    }
  }
}

void failure_log::report(std::string_view source, std::string_view path, std::string_view what,
                         std::error_code ec) noexcept {
  constexpr std::size_t max_remembered = 64;  // distinct failures of one source: a handful in practice
  try {
    std::string key(path);
    key.append("|").append(ec.category().name()).append("|").append(std::to_string(ec.value()));
    for (const auto& k : seen_) {
      if (k == key) return;
    }
    if (seen_.size() < max_remembered) seen_.push_back(std::move(key));
    logger()->warn("{}: {}: {} ({})", source, path, what, ec.message());
  } catch (...) {
    // Logging is best effort: a failing logger must not turn a bad reading into a crash.
  }
}

std::string join_path(std::string_view a, std::string_view b) {
  std::string out(a);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (b.empty()) return out;
  if (out.empty() || out.back() != '/') out.push_back('/');
  out.append(b);
  return out;
}

}  // namespace membound::detail
