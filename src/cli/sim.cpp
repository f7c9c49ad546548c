// membound sim (placeholder until its issue lands; replaced wholesale by its owner).
#include <cstdio>

#include "cli/commands.hpp"

namespace membound::cli {

command add_sim_command(CLI::App& parent) {
  command c;
  c.app = parent.add_subcommand("sim", "(not built yet)");
  c.app->allow_extras();
  c.run = [] {
    std::fputs("membound sim: not built yet\n", stderr);
    return exit_failure;
  };
  return c;
}

}  // namespace membound::cli
