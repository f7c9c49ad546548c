// admin_flags: the CLI's observability flags, shared by `membound demo` and `membound watch`:
//   --admin-port N   serve the admin endpoint (metrics, JSON, dashboard) on 127.0.0.1:N (0 = any
//                    free port; the URL is printed to stderr); token from $MEMBOUND_ADMIN_TOKEN
//   --admin-bind A   listen address (default 127.0.0.1)
//   --db FILE        (watch) append samples, level changes and alerts to an SQLite file, 48 h
// While either runs, a feeder thread passes each new monitor sample to the alert manager and the
// leak detector (and the database), whose events are logged and shown by the endpoint.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "membound/pressure/monitor.hpp"

namespace membound::cli {

struct admin_flags {
  int admin_port = -1;  // -1: no endpoint
  std::string admin_bind = "127.0.0.1";
  std::string db;       // empty: no SQLite history
};

// Adds --admin-port, --admin-bind and, when `with_db`, --db to `app`.
void add_admin_flags(CLI::App& app, admin_flags& flags, bool with_db);

// Everything the flags started; stops it all on destruction (before the monitor goes away).
class admin_session;

struct admin_start {
  std::shared_ptr<admin_session> session;  // null when no flag asked for anything
  bool ok = true;                          // false: could not bind / open the database (printed)
};

// Starts what `flags` ask for on `monitor`, printing the endpoint URL (or the error) to stderr
// prefixed with "membound <command>: ". Call after the monitor exists and before it starts.
// REQUIRES: `monitor` outlives the returned session.
admin_start start_admin(const admin_flags& flags, pressure_monitor& monitor, const char* command);

}  // namespace membound::cli
