// A consumer of the installed package: the umbrella header and a monitor on a scripted source.
#include <cstdio>
#include <memory>

#include <membound/membound.hpp>

int main() {
  auto src = std::make_unique<membound::scripted_source>();
  membound::scripted_source* s = src.get();
  membound::pressure_monitor mon(std::move(src));
  s->set(85, 100);
  mon.poll_once();
  if (mon.level() != membound::pressure_level::high) {
    std::fprintf(stderr, "expected high, got %s\n", membound::to_string(mon.level()).data());
    return 1;
  }
  std::puts("consumer ok");
  return 0;
}
