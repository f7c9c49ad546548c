// The membound CLI's subcommands. Each adds itself to the app and returns how to run it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "sim/text.hpp"

namespace membound::cli {

// Exit codes of the membound tool.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;  // runtime failure
inline constexpr int exit_usage = 2;    // bad usage or bad input

// For unsigned options: CLI11 (2.1) converts "-5" to a huge unsigned value without complaint, so
// this refuses a leading sign while parsing ("--flag: must not be negative, got -5", exit 2).
inline CLI::Validator unsigned_validator() {
  return CLI::Validator(
      [](std::string& value) {
        const auto first = value.find_first_not_of(" \t");
        return first != std::string::npos && value[first] == '-' ? "must not be negative, got " + value
                                                                 : std::string();
      },
      "", "unsigned");
}

// For counts that must be at least 1 (threads, 1-based columns). CLI11's PositiveNumber says
// "Value 0 not in range 0.000000 to 1.797...e308", which reads as if 0 were allowed; this says
// "--flag: must be at least 1, got 0" (exit 2). Text that is not a number is left to the
// conversion, which reports "Could not convert".
inline CLI::Validator positive_validator() {
  return CLI::Validator(
      [](std::string& value) {
        const auto first = value.find_first_not_of(" \t");
        if (first == std::string::npos) return std::string();
        const auto last = value.find_last_not_of(" \t");
        const std::string_view v = std::string_view(value).substr(first, last - first + 1);
        const bool negative = v.front() == '-';
        const std::string_view digits = negative || v.front() == '+' ? v.substr(1) : v;
        const bool numeric = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
        if (!numeric) return std::string();
        const bool zero = digits.find_first_not_of('0') == std::string_view::npos;
        return negative || zero ? "must be at least 1, got " + value : std::string();
      },
      "", "positive");
}

// `s` as the CLI prints it on stderr or in its table: valid UTF-8, with control bytes (ESC, CR,
// newline) shown as '?' and each byte of an invalid sequence as U+FFFD. A path or flag value is any
// bytes on Linux, and one with an escape sequence must not drive the user's terminal.
inline std::string printable(std::string_view s) { return sim::internal::valid_utf8_text(s); }

struct command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // called after a successful parse when this subcommand was chosen
};

command add_demo_command(CLI::App& parent);
command add_watch_command(CLI::App& parent);
command add_sim_command(CLI::App& parent);

}  // namespace membound::cli
