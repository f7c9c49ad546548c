// Private helper: writes Prometheus text exposition format 0.0.4 (HELP/TYPE lines, escaped labels,
// numbers as Prometheus parses them). Header-only so that membound and membound_admin share it.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace membound::detail {

inline void append_escaped_label(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

// HELP text escapes only backslash and newline.
inline void append_escaped_help(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

using prom_label = std::pair<std::string_view, std::string_view>;

// Not thread-safe; one per exposition.
class prom_writer {
 public:
  explicit prom_writer(std::string& out) : out_(out) {}

  // Starts a family: "# HELP name help\n# TYPE name type\n". type: gauge, counter, untyped.
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    append_escaped_help(out_, help);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void sample(std::string_view name, std::initializer_list<prom_label> labels, double value) {
    begin(name, labels);
    if (std::isnan(value)) {
      out_ += "NaN";
    } else if (std::isinf(value)) {
      out_ += value > 0 ? "+Inf" : "-Inf";
    } else {
      out_ += fmt::format("{}", value);
    }
    out_ += '\n';
  }
  void sample(std::string_view name, std::initializer_list<prom_label> labels,
              std::uint64_t value) {
    begin(name, labels);
    out_ += fmt::format("{}", value);
    out_ += '\n';
  }

  // A family with one unlabelled sample.
  void gauge(std::string_view name, std::string_view help, double value) {
    family(name, "gauge", help);
    sample(name, {}, value);
  }
  void gauge(std::string_view name, std::string_view help, std::uint64_t value) {
    family(name, "gauge", help);
    sample(name, {}, value);
  }
  void counter(std::string_view name, std::string_view help, std::uint64_t value) {
    family(name, "counter", help);
    sample(name, {}, value);
  }
  void counter(std::string_view name, std::string_view help, double value) {
    family(name, "counter", help);
    sample(name, {}, value);
  }

 private:
  void begin(std::string_view name, std::initializer_list<prom_label> labels) {
    out_ += name;
    if (labels.size() != 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += k;
        out_ += "=\"";
        append_escaped_label(out_, v);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
  }

  std::string& out_;
};

inline double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace membound::detail
