// The membound CLI's subcommands. Each adds itself to the app and returns how to run it.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace membound::cli {

// Exit codes of the membound tool.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;  // runtime failure
inline constexpr int exit_usage = 2;    // bad usage or bad input

struct command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // called after a successful parse when this subcommand was chosen
};

command add_demo_command(CLI::App& parent);
command add_watch_command(CLI::App& parent);
command add_sim_command(CLI::App& parent);

}  // namespace membound::cli
