// The membound CLI's subcommands. Each adds itself to the app and returns how to run it.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

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

struct command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // called after a successful parse when this subcommand was chosen
};

command add_demo_command(CLI::App& parent);
command add_watch_command(CLI::App& parent);
command add_sim_command(CLI::App& parent);

}  // namespace membound::cli
