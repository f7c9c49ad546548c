// membound sim: replay a trace against eviction policies × cache sizes (the policy lab).
//
// Progress: runs that last over 2 s draw a progress bar on stderr, only when stderr is a
// terminal (so pipes, CI logs and tests never see it).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "membound/sim/sim.hpp"
#include "observability/json_fields.hpp"
#include "sim/text.hpp"

namespace membound::cli {

namespace {

struct sim_args {
  std::string trace;
  std::string format;
  std::string policies;
  std::string sizes;
  int threads = 0;
  bool json = false;
  bool csv = false;
  std::string plot;
  std::string pressure;
  unsigned csv_id_col = 1;
  unsigned csv_size_col = 0;
  unsigned csv_time_col = 0;
  bool csv_header = false;
  std::string csv_delimiter = ",";
  std::string key = "id-size";
  std::uint64_t max_requests = 0;
};

[[noreturn]] void bad(const std::string& message) { throw std::invalid_argument("sim: " + message); }

// Splits a comma list and trims blanks. A blank list, an empty item ("lru,,sieve", a trailing
// comma) or one given twice is refused, naming the flag: a typo must not silently drop or double
// a grid row.
std::vector<std::string> split(const std::string& s, const char* flag) {
  std::vector<std::string> out;
  if (s.find_first_not_of(" \t") == std::string::npos) bad(std::string(flag) + " is empty");
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) bad(std::string(flag) + " '" + s + "' has an empty item");
    if (std::find(out.begin(), out.end(), item) != out.end()) {
      bad(std::string(flag) + " '" + s + "' gives '" + item + "' twice");
    }
    out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string size_text(const sim::cache_size& s, const std::string& spec) {
  const std::string value = std::to_string(s.value);
  if (spec == value) return value;
  if (s.unit == sim::capacity_unit::bytes) return spec;
  return spec + "=" + value;
}

void print_table(const std::vector<sim::sim_result>& rs, const std::vector<std::string>& labels) {
  int w = 10;  // the policy column fits the longest name
  for (const auto& r : rs) w = std::max(w, static_cast<int>(r.policy.size()));
  std::printf("%-*s %16s %12s %12s %9s %9s %12s\n", w, "policy", "size", "requests", "hits", "hit ratio",
              "miss ratio", "requests/s");
  for (std::size_t k = 0; k < rs.size(); ++k) {
    const auto& r = rs[k];
    std::printf("%-*s %16s %12llu %12llu %9.4f %9.4f %12.0f\n", w, r.policy.c_str(), labels[k].c_str(),
                static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.hits),
                r.hit_ratio(), r.miss_ratio(), r.requests_per_second());
  }
}

void draw_progress(double fraction, double elapsed) {
  const int width = 40;
  const int filled = static_cast<int>(fraction * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r[%s] %5.1f%%  %.0f s", bar.c_str(), fraction * 100, elapsed);
  std::fflush(stderr);
}

// --plot is written after the replay, which can take minutes: refuse a path that cannot be
// written before the trace is read, rather than fail at the end. Creates nothing.
void check_plot_path(const std::string& path) {
  if (sim::internal::is_directory(path)) bad("--plot " + path + " is a directory");
  const std::filesystem::path p(path);
  const std::string parent = p.has_parent_path() ? p.parent_path().string() : ".";
  if (!sim::internal::is_directory(parent)) bad("--plot " + path + ": folder " + parent + " does not exist");
  const bool exists = ::access(path.c_str(), F_OK) == 0;
  if (::access((exists ? path : parent).c_str(), W_OK) != 0) {
    bad("--plot " + path + ": " + (exists ? "the file is not writable" : "cannot create files in " + parent));
  }
}

int run_sim(const sim_args& a) {
  const auto format = sim::parse_trace_format(a.format);
  if (!format) {
    bad("unknown --format '" + a.format +
        "' (expected lirs, arc, oracle-general, csv, u32be, u32le, i64be or webcachesim)");
  }
  const std::vector<std::string> policies = split(a.policies, "--policies");
  for (const auto& p : policies) {
    if (!sim::is_policy(p)) {
      std::string known;
      for (const auto n : sim::policy_names()) known += (known.empty() ? "" : ", ") + std::string(n);
      bad("unknown policy '" + p + "' (known: " + known + ")");
    }
  }
  std::vector<sim::size_spec> specs;
  for (const auto& s : split(a.sizes, "--sizes")) {
    const auto spec = sim::parse_size_spec(s);
    if (!spec) {
      bad("bad size '" + s +
          "' (entries like 1000, percent of unique keys like 10%, or bytes like 64MiB; above 0, at most 2^53)");
    }
    specs.push_back(*spec);
  }
  if (!a.plot.empty()) {
    // One x axis: entries and bytes on it would put unlike numbers side by side.
    const auto is_bytes = [](const sim::size_spec& s) { return s.type == sim::size_spec::kind::bytes; };
    const auto b = std::find_if(specs.begin(), specs.end(), is_bytes);
    const auto e = std::find_if_not(specs.begin(), specs.end(), is_bytes);
    if (b != specs.end() && e != specs.end()) {
      bad("--plot draws one size axis: give --sizes all in entries or % (like '" + e->text +
          "') or all in bytes (like '" + b->text + "'), not both");
    }
  }
  if (!a.plot.empty()) check_plot_path(a.plot);
  if (a.csv_delimiter.size() != 1) bad("--csv-delimiter must be one character");
  if (a.key != "id-size" && a.key != "id") bad("--key must be id-size or id");

  std::optional<sim::pressure_schedule> schedule;
  if (!a.pressure.empty()) {
    std::string error;
    schedule = sim::load_pressure_schedule(a.pressure, error);
    if (!schedule) bad(error);
  }

  sim::trace_options o;
  o.format = *format;
  o.csv = {a.csv_id_col, a.csv_size_col, a.csv_time_col, a.csv_header, a.csv_delimiter[0]};
  o.webcachesim = a.key == "id" ? sim::webcachesim_key::id : sim::webcachesim_key::id_and_size;
  o.max_requests = a.max_requests;
  sim::load_result loaded = sim::load_trace(a.trace, o);
  if (!loaded.ok()) bad(loaded.error);
  sim::trace& t = loaded.value;
  if (t.size() == 0) bad(a.trace + ": the trace has no requests");
  if (t.clamped_sizes > 0) {
    std::fprintf(stderr,
                 "membound: sim: warning: %s: %llu requests have sizes above 4 GiB - 1 (2^32 - 1 bytes) and "
                 "count as that, so caches of 4 GiB and more hold them as smaller than they are\n",
                 printable(a.trace).c_str(), static_cast<unsigned long long>(t.clamped_sizes));
  }

  if (schedule) {
    // A change at index n applies before request n, so one at or past the trace's end never does
    // (a schedule written for the whole trace, replayed with --max-requests): say so, and go on.
    const auto late = std::count_if(schedule->changes.begin(), schedule->changes.end(),
                                    [&](const sim::pressure_change& c) { return c.request_index >= t.size(); });
    if (late > 0) {
      std::fprintf(stderr, "membound: sim: warning: %s: %lld of %zu level changes are at or past request %zu, the "
                   "trace's end, and never apply\n", printable(a.pressure).c_str(), static_cast<long long>(late),
                   schedule->changes.size(), t.size());
    }
  }

  std::vector<sim::cache_size> sizes;
  for (const auto& s : specs) sizes.push_back(sim::resolve(s, t));

  std::atomic<std::uint64_t> progress{0};
  sim::sim_options so;
  so.threads = a.threads;
  so.progress = &progress;
  so.pressure = schedule ? &*schedule : nullptr;

  const auto start = std::chrono::steady_clock::now();
  auto job = std::async(std::launch::async, [&] { return sim::simulate_grid(t, policies, sizes, so); });
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const double total = static_cast<double>(t.size()) * static_cast<double>(policies.size() * sizes.size());
  bool drawn = false;
  while (job.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (tty && elapsed >= 2.0) {
      draw_progress(std::min(1.0, static_cast<double>(progress.load()) / total), elapsed);
      drawn = true;
    }
  }
  if (drawn) std::fputs("\r\033[K", stderr);
  const std::vector<sim::sim_result> results = job.get();

  std::vector<std::string> labels;
  for (std::size_t k = 0; k < results.size(); ++k) labels.push_back(size_text(results[k].size, specs[k % specs.size()].text));

  if (a.json) {
    for (std::size_t k = 0; k < results.size(); ++k) {
      const auto& r = results[k];
      nlohmann::json j{{"trace", a.trace},
                       {"format", std::string(sim::to_string(*format))},
                       {"policy", r.policy},
                       {"cache_size", r.size.value},
                       {"cache_size_unit", r.size.unit == sim::capacity_unit::bytes ? "bytes" : "entries"},
                       {"size_spec", specs[k % specs.size()].text},
                       {"requests", r.requests},
                       {"hits", r.hits},
                       {"misses", r.misses()},
                       {"hit_ratio", r.hit_ratio()},
                       {"miss_ratio", r.miss_ratio()},
                       {"byte_miss_ratio", r.byte_miss_ratio()},
                       {"evictions", r.evictions},
                       {"pressure_evictions", r.pressure_evictions},
                       {"final_capacity", r.final_capacity},
                       {"seconds", r.seconds},
                       {"requests_per_second", r.requests_per_second()}};
      // The path is any bytes on Linux; plain dump() throws on invalid UTF-8.
      std::printf("%s\n", detail::dump(j).c_str());
    }
  } else if (a.csv) {
    std::printf("policy,cache_size,cache_size_unit,requests,hits,hit_ratio,miss_ratio,requests_per_second,seconds\n");
    for (const auto& r : results) {
      std::printf("%s,%llu,%s,%llu,%llu,%.6f,%.6f,%.0f,%.6f\n", r.policy.c_str(),
                  static_cast<unsigned long long>(r.size.value),
                  r.size.unit == sim::capacity_unit::bytes ? "bytes" : "entries",
                  static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.hits),
                  r.hit_ratio(), r.miss_ratio(), r.requests_per_second(), r.seconds);
    }
  } else {
    std::printf("trace %s (%s): %zu requests, %zu unique objects, %llu bytes requested\n", printable(a.trace).c_str(),
                std::string(sim::to_string(*format)).c_str(), t.size(), t.unique_objects(),
                static_cast<unsigned long long>(t.total_bytes));
    print_table(results, labels);
  }

  if (!a.plot.empty()) {
    std::string error;
    const std::string title = "Miss ratio: " + std::filesystem::path(a.trace).filename().string();
    if (!sim::write_svg_plot(a.plot, results, title, error)) throw std::runtime_error("sim: " + error);
  }
  return exit_ok;
}

}  // namespace

command add_sim_command(CLI::App& parent) {
  auto args = std::make_shared<sim_args>();
  command c;
  CLI::App* app = parent.add_subcommand(
      "sim", "Replay a cache trace against eviction policies x cache sizes (miss ratio, requests/s)");
  app->add_option("--trace", args->trace, "Trace file (.zst is decompressed on the fly)")->required();
  app->add_option("--format", args->format,
                  "lirs | arc | oracle-general | csv | u32be | u32le | i64be | webcachesim")
      ->required();
  app->add_option("--policies", args->policies,
                  "Comma-separated: lru,fifo,clock,sieve,s3fifo,s3fifo_static,w_tinylfu,w_tinylfu_climber,arc,lirs,two_queue,slru,belady")
      ->required();
  app->add_option("--sizes", args->sizes,
                  "Comma-separated cache sizes: entries (1000), percent of unique keys (10%), or bytes "
                  "using the trace's object sizes (64MiB, 1GB)")
      ->required();
  app->add_option("--threads", args->threads, "Worker threads (default: all cores)")->check(positive_validator());
  auto* json = app->add_flag("--json", args->json, "One JSON object per line");
  auto* csv = app->add_flag("--csv", args->csv, "CSV with a header line");
  json->excludes(csv);
  csv->excludes(json);
  app->add_option("--plot", args->plot, "Also write an SVG miss-ratio curve to this file");
  app->add_option("--pressure-schedule", args->pressure,
                  "Replay memory pressure: lines 'request_index level' (normal|elevated|high|critical)");
  app->add_option("--csv-id-col", args->csv_id_col, "csv: 1-based id column (default 1)")->check(positive_validator());
  app->add_option("--csv-size-col", args->csv_size_col, "csv: 1-based size column (0: none)");
  app->add_option("--csv-time-col", args->csv_time_col, "csv: 1-based time column (0: none)");
  app->add_flag("--csv-header", args->csv_header, "csv: the first line is a header");
  app->add_option("--csv-delimiter", args->csv_delimiter, "csv: field delimiter (default ',')");
  app->add_option("--key", args->key, "webcachesim: key objects by id-size (default, as Caffeine) or id");
  app->add_option("--max-requests", args->max_requests, "Read at most this many requests (0: all)")
      ->check(unsigned_validator());
  c.app = app;
  c.run = [args] { return run_sim(*args); };
  return c;
}

}  // namespace membound::cli
