// Internal helpers shared by the trace readers and the pressure-schedule parser.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace membound::sim::internal {

// `s` as it may appear in an error message: at most `max` bytes, quoted, with control and
// non-ASCII bytes shown as '?' so that a binary file's bytes cannot reach the terminal raw.
inline std::string quoted_excerpt(std::string_view s, std::size_t max = 60) {
  std::string out(s.substr(0, max));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return "'" + out + (s.size() > max ? "...'" : "'");
}

// fopen and std::ifstream open a directory without complaint on Linux, and reading it then
// fails (fread) or yields nothing (getline); callers reject it up front with this test.
inline bool is_directory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

}  // namespace membound::sim::internal
