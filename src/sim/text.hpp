// Internal helpers shared by the trace readers, the pressure-schedule parser, the SVG plot and the
// CLI's messages (cli::printable).
#pragma once

#include <array>
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

// `s` as valid UTF-8 without control characters, for XML text (an SVG must be well-formed, and a
// file name on Linux is any bytes): each byte of an invalid or truncated sequence becomes U+FFFD,
// each control byte '?' (tab, newline and CR included).
inline std::string valid_utf8_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      out += b < 0x20 || b == 0x7f ? '?' : static_cast<char>(b);
      ++i;
      continue;
    }
    // Length and the allowed range of the second byte (RFC 3629: no overlongs, no surrogates,
    // nothing above U+10FFFF).
    std::size_t n = 0;  // 0: not a lead byte
    if (b >= 0xc2 && b <= 0xdf) n = 2;
    if (b >= 0xe0 && b <= 0xef) n = 3;
    if (b >= 0xf0 && b <= 0xf4) n = 4;
    const unsigned char lo = b == 0xe0 ? 0xa0 : b == 0xf0 ? 0x90 : 0x80;
    const unsigned char hi = b == 0xed ? 0x9f : b == 0xf4 ? 0x8f : 0xbf;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      ok = k == 1 ? c >= lo && c <= hi : c >= 0x80 && c <= 0xbf;
    }
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// Splits `line` on whitespace into up to N fields; returns the number found.
// Fields are separated by spaces, tabs and CRs (a CRLF file's lines end in one).
template <std::size_t N>
std::size_t split_ws(std::string_view line, std::array<std::string_view, N>& out) {
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < line.size() && n < N) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i == line.size()) break;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    out[n++] = line.substr(start, i - start);
  }
  return n;
}

// fopen and std::ifstream open a directory without complaint on Linux, and reading it then
// fails (fread) or yields nothing (getline); callers reject it up front with this test.
inline bool is_directory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

}  // namespace membound::sim::internal
