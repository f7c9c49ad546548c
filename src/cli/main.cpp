// membound: demo, watch, sim. Exit codes: 0 success, 1 runtime failure, 2 bad usage or input.
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "membound/log.hpp"

int main(int argc, char** argv) {
  using namespace membound::cli;
  CLI::App app{"membound - keep a service's memory bounded"};
  app.require_subcommand(1, 1);
  std::vector<command> commands{add_demo_command(app), add_watch_command(app), add_sim_command(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "membound: %s\n\n", printable(e.what()).c_str());
    const CLI::App* failed = &app;
    for (const auto& c : commands) {
      if (c.app->parsed()) failed = c.app;
    }
    std::fputs(failed->help().c_str(), stderr);
    return exit_usage;
  }

  // membound's own exceptions already start with "membound: " (detail/throw.hpp). Messages quote
  // paths and flag values as given, so they are printed through printable().
  const auto report = [](const std::exception& e) {
    const std::string_view what = e.what();
    std::fprintf(stderr, "%s%s\n", what.starts_with("membound: ") ? "" : "membound: ",
                 printable(what).c_str());
  };
  try {
    for (const auto& c : commands) {
      if (c.app->parsed()) return c.run();
    }
  } catch (const std::invalid_argument& e) {
    report(e);
    return exit_usage;
  } catch (const std::exception& e) {
    report(e);
    return exit_failure;
  }
  return exit_usage;
}
