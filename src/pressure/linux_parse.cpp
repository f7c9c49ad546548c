#include "pressure/linux_parse.hpp"

#include <charconv>
#include <cmath>

namespace membound::detail {
namespace {

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Splits off the next line (without its '\n'); returns false at the end of `text`.
bool next_line(std::string_view& text, std::string_view& line) noexcept {
  if (text.empty()) return false;
  const auto nl = text.find('\n');
  if (nl == std::string_view::npos) {
    line = text;
    text = {};
  } else {
    line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
  }
  return true;
}

// Splits off the next token separated by `sep` characters; returns false when none is left.
bool next_token(std::string_view& text, std::string_view& token, char sep = ' ') noexcept {
  while (!text.empty() && (text.front() == sep || text.front() == '\t')) text.remove_prefix(1);
  if (text.empty()) return false;
  std::size_t end = 0;
  while (end < text.size() && text[end] != sep && text[end] != '\t') ++end;
  token = text.substr(0, end);
  text.remove_prefix(end);
  return true;
}

std::errc parse_digits(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty()) return std::errc::bad_message;
  for (char c : s) {
    if (c < '0' || c > '9') return std::errc::bad_message;
  }
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return std::errc::value_too_large;
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::errc::bad_message;
  out = v;
  return {};
}

// Decodes the octal escapes (\040 space, \011 tab, \012 newline, \134 backslash) of mountinfo.
std::string unescape_mount_field(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const char a = s[i + 1], b = s[i + 2], c = s[i + 3];
      if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' && c <= '7') {
        out.push_back(static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

std::errc parse_u64(std::string_view text, std::uint64_t& out) noexcept {
  const auto t = trim(text);
  if (t.empty()) return std::errc::no_message_available;
  return parse_digits(t, out);
}

std::errc parse_limit(std::string_view text, std::optional<std::uint64_t>& out) noexcept {
  const auto t = trim(text);
  if (t == "max") {
    out.reset();
    return {};
  }
  std::uint64_t v = 0;
  if (const auto e = parse_u64(t, v); e != std::errc{}) return e;
  out = v;
  return {};
}

std::errc find_stat_value(std::string_view text, std::string_view key,
                          std::optional<std::uint64_t>& out) noexcept {
  if (trim(text).empty()) return std::errc::no_message_available;
  std::string_view line;
  while (next_line(text, line)) {
    if (line.size() < key.size() || line.substr(0, key.size()) != key) continue;
    const auto rest = line.substr(key.size());
    if (!rest.empty() && rest.front() != ' ' && rest.front() != '\t') continue;  // longer key
    const auto value = trim(rest);
    if (value.empty()) return std::errc::bad_message;  // truncated line
    std::uint64_t v = 0;
    if (const auto e = parse_digits(value, v); e != std::errc{}) return e;
    out = v;
    return {};
  }
  out.reset();
  return {};
}

std::errc find_stat_value(std::string_view text, std::string_view key,
                          std::uint64_t& out) noexcept {
  std::optional<std::uint64_t> v;
  if (const auto e = find_stat_value(text, key, v); e != std::errc{}) return e;
  if (!v) return std::errc::bad_message;  // a required key is missing
  out = *v;
  return {};
}

std::errc parse_meminfo(std::string_view text, meminfo_values& out) noexcept {
  if (trim(text).empty()) return std::errc::no_message_available;
  std::optional<std::uint64_t> total;
  std::optional<std::uint64_t> available;
  std::string_view line;
  while (next_line(text, line) && !(total && available)) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto key = line.substr(0, colon);
    std::optional<std::uint64_t>* slot = nullptr;
    if (key == "MemTotal") {
      slot = &total;
    } else if (key == "MemAvailable") {
      slot = &available;
    } else {
      continue;
    }
    if (*slot) continue;  // the first occurrence counts
    auto value = trim(line.substr(colon + 1));
    std::uint64_t scale = 1;
    if (value.size() >= 2 && value.substr(value.size() - 2) == "kB") {
      scale = 1024;
      value = trim(value.substr(0, value.size() - 2));
    }
    std::uint64_t v = 0;
    if (const auto e = parse_digits(value, v); e != std::errc{}) return e;
    if (v > UINT64_MAX / scale) return std::errc::value_too_large;
    *slot = v * scale;
  }
  if (!total || !available || *total == 0) return std::errc::bad_message;
  out.total_bytes = *total;
  out.available_bytes = *available;
  return {};
}

std::errc parse_statm_resident_pages(std::string_view text, std::uint64_t& out) noexcept {
  auto t = trim(text);
  if (t.empty()) return std::errc::no_message_available;
  std::string_view size_field;
  std::string_view resident_field;
  if (!next_token(t, size_field) || !next_token(t, resident_field)) return std::errc::bad_message;
  std::uint64_t ignored = 0;
  if (const auto e = parse_digits(size_field, ignored); e != std::errc{}) return e;
  return parse_digits(resident_field, out);
}

std::errc parse_psi(std::string_view text, psi_values& out) noexcept {
  if (trim(text).empty()) return std::errc::no_message_available;
  psi_values v;
  bool some_seen = false;
  std::string_view line;
  while (next_line(text, line)) {
    if (trim(line).empty()) continue;
    std::string_view kind;
    if (!next_token(line, kind)) continue;
    std::optional<double>* slot = nullptr;
    if (kind == "some") {
      slot = &v.some_avg10;
      some_seen = true;
    } else if (kind == "full") {
      slot = &v.full_avg10;
    } else {
      return std::errc::bad_message;
    }
    std::string_view field;
    bool found = false;
    while (next_token(line, field)) {
      if (field.substr(0, 6) != "avg10=") continue;
      const auto num = trim(field.substr(6));
      double d = 0.0;
      const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), d);
      if (num.empty() || ec != std::errc{} || ptr != num.data() + num.size() || !std::isfinite(d) ||
          d < 0.0 || d > 100.0) {
        return std::errc::bad_message;
      }
      *slot = d;
      found = true;
      break;
    }
    if (!found) return std::errc::bad_message;  // truncated line
  }
  if (!some_seen) return std::errc::bad_message;
  out = v;
  return {};
}

std::errc parse_self_cgroup(std::string_view text, std::vector<cgroup_line>& out) {
  if (trim(text).empty()) return std::errc::no_message_available;
  std::vector<cgroup_line> lines;
  std::string_view line;
  while (next_line(text, line)) {
    if (trim(line).empty()) continue;
    const auto c1 = line.find(':');
    if (c1 == std::string_view::npos) return std::errc::bad_message;
    const auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return std::errc::bad_message;
    cgroup_line l;
    if (const auto e = parse_digits(line.substr(0, c1), l.hierarchy_id); e != std::errc{}) {
      return std::errc::bad_message;
    }
    l.controllers = std::string(line.substr(c1 + 1, c2 - c1 - 1));
    l.path = std::string(line.substr(c2 + 1));
    if (l.path.empty() || l.path.front() != '/') return std::errc::bad_message;
    lines.push_back(std::move(l));
  }
  out = std::move(lines);
  return {};
}

std::errc parse_mountinfo(std::string_view text, std::vector<mount_line>& out) {
  if (trim(text).empty()) return std::errc::no_message_available;
  std::vector<mount_line> mounts;
  std::string_view line;
  while (next_line(text, line)) {
    if (trim(line).empty()) continue;
    std::string_view fields[6];
    for (auto& f : fields) {
      if (!next_token(line, f)) return std::errc::bad_message;
    }
    // Optional fields up to the "-" separator.
    std::string_view tok;
    bool separator = false;
    while (next_token(line, tok)) {
      if (tok == "-") {
        separator = true;
        break;
      }
    }
    std::string_view fs_type;
    std::string_view source;
    std::string_view super_options;
    if (!separator || !next_token(line, fs_type) || !next_token(line, source) ||
        !next_token(line, super_options)) {
      return std::errc::bad_message;
    }
    mount_line m;
    m.root = unescape_mount_field(fields[3]);
    m.mount_point = unescape_mount_field(fields[4]);
    m.fs_type = std::string(fs_type);
    m.super_options = std::string(super_options);
    if (m.root.empty() || m.root.front() != '/' || m.mount_point.empty() ||
        m.mount_point.front() != '/') {
      return std::errc::bad_message;
    }
    mounts.push_back(std::move(m));
  }
  out = std::move(mounts);
  return {};
}

bool list_contains(std::string_view list, std::string_view item) noexcept {
  std::string_view tok;
  while (next_token(list, tok, ',')) {
    if (tok == item) return true;
  }
  return false;
}

}  // namespace membound::detail
