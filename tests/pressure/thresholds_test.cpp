#include "membound/pressure/thresholds.hpp"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace membound {
namespace {

std::string error_of(const pressure_thresholds& t) {
  try {
    t.validate();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(PressureThresholdsTest, DefaultsAreValid) {
  pressure_thresholds t;
  EXPECT_NO_THROW(t.validate());
  EXPECT_DOUBLE_EQ(t.elevated, 0.60);
  EXPECT_DOUBLE_EQ(t.high, 0.80);
  EXPECT_DOUBLE_EQ(t.critical, 0.90);
  EXPECT_DOUBLE_EQ(t.recovery_margin, 0.05);
  EXPECT_EQ(t.dwell, std::chrono::seconds(10));
}

TEST(PressureThresholdsTest, InvalidFieldIsNamed) {
  pressure_thresholds t;
  t.high = 0.5;
  EXPECT_NE(error_of(t).find("high"), std::string::npos);
  t = {};
  t.critical = 1.5;
  EXPECT_NE(error_of(t).find("critical"), std::string::npos);
  t = {};
  t.elevated = 0.0;
  EXPECT_NE(error_of(t).find("elevated"), std::string::npos);
  t = {};
  t.recovery_margin = -0.01;
  EXPECT_NE(error_of(t).find("recovery_margin"), std::string::npos);
  t = {};
  t.dwell = std::chrono::milliseconds(-1);
  EXPECT_NE(error_of(t).find("dwell"), std::string::npos);
}

}  // namespace
}  // namespace membound
