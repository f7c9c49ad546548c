// `membound watch`: flag validation and output formats (src/cli/watch.hpp), without a monitor.
#include <chrono>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/watch.hpp"

namespace membound::cli::watch {
namespace {

using ::testing::HasSubstr;

memory_sample sample(std::uint64_t used, std::uint64_t limit, std::string_view source) {
  memory_sample s;
  s.used_bytes = used;
  s.limit_bytes = limit;
  s.source = source;
  return s;
}

std::string invalid_message(const options& o) {
  try {
    validate(o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(WatchFormatTest, ValidateRejectsZeroIntervalNamingTheFlag) {
  options o;
  o.interval_ms = 0;
  EXPECT_THAT(invalid_message(o), HasSubstr("--interval-ms"));
  o.interval_ms = max_interval_ms + 1;
  EXPECT_THAT(invalid_message(o), HasSubstr("--interval-ms"));
  o.interval_ms = 1;
  EXPECT_EQ(invalid_message(o), "");
}

TEST(WatchFormatTest, ValidateRejectsZeroBudgetNamingTheFlag) {
  options o;
  o.budget_set = true;
  o.budget_mb = 0;
  EXPECT_THAT(invalid_message(o), HasSubstr("--budget-mb"));
  o.budget_mb = max_budget_mb + 1;  // MiB → bytes would overflow
  EXPECT_THAT(invalid_message(o), HasSubstr("--budget-mb"));
  o.budget_mb = 512;
  EXPECT_EQ(invalid_message(o), "");
  o.budget_set = false;
  o.budget_mb = 0;  // not given: fine
  EXPECT_EQ(invalid_message(o), "");
}

TEST(WatchFormatTest, BytesUseBinaryUnits) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1.00 KiB");
  EXPECT_EQ(format_bytes(536870912), "512 MiB");
  EXPECT_EQ(format_bytes(1610612736), "1.50 GiB");
  EXPECT_EQ(format_bytes(50ULL << 30), "50.0 GiB");
  EXPECT_EQ(format_bytes(UINT64_MAX), "16.0 EiB");
}

TEST(WatchFormatTest, TimeIsIso8601UtcWithMilliseconds) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
  EXPECT_EQ(format_time(t), "2023-11-14T22:13:20.123Z");
}

TEST(WatchFormatTest, SampleLineHasTimeSourceUsedLimitRatioLevel) {
  auto s = sample(805306368, 1610612736, "psi+cgroup-v2");
  EXPECT_EQ(format_sample_line(s, pressure_level::normal, "T"),
            "T  cgroup-v2  used 768 MiB  limit 1.50 GiB  ratio 50.0%  normal");
  s.process_rss_bytes = 10485760;
  s.psi_some_avg10 = 12.34;
  s.psi_full_avg10 = 3.21;
  EXPECT_EQ(format_sample_line(s, pressure_level::elevated, "T"),
            "T  cgroup-v2  used 768 MiB  limit 1.50 GiB  ratio 50.0%  elevated  rss 10.0 MiB"
            "  psi some 12.34 full 3.21");
}

TEST(WatchFormatTest, ChangeLineNamesBothLevels) {
  pressure_event e;
  e.previous = pressure_level::normal;
  e.level = pressure_level::critical;
  e.sample = sample(95, 100, "host");
  e.target_bytes = 40;
  EXPECT_EQ(format_change_line(e, "T"), "T  level normal -> critical (ratio 95.0%, free 40 B)");
}

TEST(WatchFormatTest, JsonCarriesOptionalFieldsOnlyWhenKnown) {
  auto s = sample(2147483648, 4294967296, "psi+cgroup-v1");
  auto j = sample_json(s, pressure_level::normal, 0, "T");
  EXPECT_EQ(j["source"], "cgroup-v1");
  EXPECT_EQ(j["level"], "normal");
  EXPECT_EQ(j["used_bytes"], 2147483648u);
  EXPECT_EQ(j["limit_bytes"], 4294967296u);
  EXPECT_DOUBLE_EQ(j["ratio"].get<double>(), 0.5);
  EXPECT_FALSE(j.contains("rss_bytes"));
  EXPECT_FALSE(j.contains("psi_some_avg10"));
  s.process_rss_bytes = 4096;
  s.psi_some_avg10 = 1.5;
  j = sample_json(s, pressure_level::high, 7, "T");
  EXPECT_EQ(j["rss_bytes"], 4096u);
  EXPECT_DOUBLE_EQ(j["psi_some_avg10"].get<double>(), 1.5);
  EXPECT_FALSE(j.contains("psi_full_avg10"));
  EXPECT_EQ(j["eviction_target_bytes"], 7u);
  EXPECT_EQ(j["level"], "high");
}

TEST(WatchFormatTest, DisplaySourceDropsOnlyThePsiPrefix) {
  EXPECT_EQ(display_source("psi+host"), "host");
  EXPECT_EQ(display_source("cgroup-v2"), "cgroup-v2");
  EXPECT_EQ(display_source("psi"), "psi");
}

}  // namespace
}  // namespace membound::cli::watch
