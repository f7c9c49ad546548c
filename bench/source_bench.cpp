// Cost of one memory_source::read() on this machine, per source. Baseline: what the sources avoid,
// re-opening /proc/meminfo and parsing it with iostreams at every sample.
//
// Run: build/<preset>/bench/source_bench (see docs/sources.md for results). The cgroup benchmark
// needs a memory cgroup with a limit; run it inside one, e.g. as root on cgroup v1:
//   mkdir /sys/fs/cgroup/memory/b && echo 536870912 > /sys/fs/cgroup/memory/b/memory.limit_in_bytes
//   sh -c 'echo $$ > /sys/fs/cgroup/memory/b/cgroup.procs && exec build/<preset>/bench/source_bench'
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>

#include <benchmark/benchmark.h>

#include "membound/pressure/source.hpp"

namespace {

void read_loop(benchmark::State& state, membound::memory_source& src) {
  std::error_code ec;
  std::uint64_t used = 0;
  for (auto _ : state) {
    const membound::memory_sample s = src.read(ec);
    used += s.used_bytes;
    benchmark::DoNotOptimize(used);
  }
  if (ec) state.SkipWithError(("read failed: " + ec.message()).c_str());
  state.SetLabel(std::string(src.name()));
}

void BM_HostRead(benchmark::State& state) {
  auto src = membound::make_host_source();
  read_loop(state, *src);
}
BENCHMARK(BM_HostRead);

void BM_ProcessBudgetRead(benchmark::State& state) {
  auto src = membound::make_process_budget_source(std::uint64_t{1} << 30);
  read_loop(state, *src);
}
BENCHMARK(BM_ProcessBudgetRead);

void BM_CgroupRead(benchmark::State& state) {
  std::error_code ec;
  auto src = membound::make_cgroup_source(ec);
  if (!src) {
    state.SkipWithError(("no memory cgroup with a limit: " + ec.message()).c_str());
    for (auto _ : state) {
    }
    return;
  }
  read_loop(state, *src);
}
BENCHMARK(BM_CgroupRead);

void BM_PsiWrappedDefaultRead(benchmark::State& state) {
  auto src = membound::make_psi_source(membound::make_default_source());
  read_loop(state, *src);
}
BENCHMARK(BM_PsiWrappedDefaultRead);

void BM_ScriptedRead(benchmark::State& state) {
  membound::scripted_source src(600, 1000);
  read_loop(state, src);
}
BENCHMARK(BM_ScriptedRead);

// Baseline: open + iostream parse + close of /proc/meminfo at every sample.
void BM_BaselineIfstreamMeminfo(benchmark::State& state) {
  std::uint64_t used = 0;
  for (auto _ : state) {
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t value = 0;
    std::string unit;
    std::uint64_t total = 0;
    std::uint64_t available = 0;
    while (in >> key >> value) {
      if (key == "MemTotal:") total = value;
      if (key == "MemAvailable:") {
        available = value;
        break;
      }
      std::getline(in, unit);
    }
    used += (total - available) * 1024;
    benchmark::DoNotOptimize(used);
  }
}
BENCHMARK(BM_BaselineIfstreamMeminfo);

}  // namespace

BENCHMARK_MAIN();
