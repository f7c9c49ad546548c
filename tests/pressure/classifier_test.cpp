#include "membound/pressure/classifier.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace membound {
namespace {

using namespace std::chrono_literals;
using L = pressure_level;

constexpr std::uint64_t limit = 10'000;

// Drives a classifier through samples at explicit times (no clock at all: the classifier only
// looks at sample.time).
class ClassifierDriver {
 public:
  explicit ClassifierDriver(pressure_thresholds t = {}) : c_(t) {}

  // Feeds `ratio` (and optional PSI) at the current time, then advances time by `step`.
  L feed(double ratio, std::optional<double> some = {}, std::optional<double> full = {}) {
    memory_sample s;
    s.time = t_;
    s.used_bytes = static_cast<std::uint64_t>(ratio * limit + 0.5);
    s.limit_bytes = limit;
    s.psi_some_avg10 = some;
    s.psi_full_avg10 = full;
    return c_.update(s);
  }
  void advance(std::chrono::milliseconds d) { t_ += d; }
  // Feeds `ratio` once per second for `d` (first sample now), ending `d` later; returns the level
  // after the last sample.
  L hold(double ratio, std::chrono::seconds d) {
    L l = c_.level();
    for (std::chrono::seconds i{0}; i < d; i += 1s) {
      l = feed(ratio);
      advance(1s);
    }
    return l;
  }
  pressure_classifier& classifier() { return c_; }

 private:
  pressure_classifier c_;
  time_point t_ = time_point{} + 1h;
};

TEST(PressureClassifierTest, StartsNormal) {
  pressure_classifier c;
  EXPECT_EQ(c.level(), L::normal);
}

TEST(PressureClassifierTest, EntryRatiosAreInclusive) {
  ClassifierDriver d;
  EXPECT_EQ(d.feed(0.5999), L::normal);
  EXPECT_EQ(d.feed(0.60), L::elevated);
  EXPECT_EQ(d.feed(0.7999), L::elevated);
  EXPECT_EQ(d.feed(0.80), L::high);
  EXPECT_EQ(d.feed(0.8999), L::high);
  EXPECT_EQ(d.feed(0.90), L::critical);
  EXPECT_EQ(d.feed(1.5), L::critical);  // over the limit
}

TEST(PressureClassifierTest, EscalationSkipsLevelsImmediately) {
  ClassifierDriver a;
  EXPECT_EQ(a.feed(0.95), L::critical);
  ClassifierDriver b;
  EXPECT_EQ(b.feed(0.85), L::high);
  EXPECT_EQ(b.feed(0.91), L::critical);
}

TEST(PressureClassifierTest, StepsDownOnlyAfterDwellBelowExitLine) {
  ClassifierDriver d;
  ASSERT_EQ(d.feed(0.85), L::high);
  d.advance(1s);
  // HIGH's exit line is 0.80 - 0.05 = 0.75.
  EXPECT_EQ(d.feed(0.74), L::high);  // the dwell starts here
  d.advance(9999ms);
  EXPECT_EQ(d.feed(0.74), L::high);  // 1 ms short of the dwell
  d.advance(1ms);
  EXPECT_EQ(d.feed(0.74), L::elevated);  // exactly the dwell
}

TEST(PressureClassifierTest, EachLevelsExitLineIsEntryMinusMarginAndStrict) {
  const struct {
    double enter;
    L level;
    double exit_line;
  } cases[] = {{0.65, L::elevated, 0.55}, {0.85, L::high, 0.75}, {0.95, L::critical, 0.85}};
  for (const auto& c : cases) {
    ClassifierDriver at_line;
    ASSERT_EQ(at_line.feed(c.enter), c.level);
    at_line.advance(1s);
    EXPECT_EQ(at_line.hold(c.exit_line, 60s), c.level) << to_string(c.level);  // not below it

    ClassifierDriver below;
    ASSERT_EQ(below.feed(c.enter), c.level);
    below.advance(1s);
    EXPECT_EQ(below.hold(c.exit_line - 0.0001, 11s), step_down(c.level)) << to_string(c.level);
  }
}

TEST(PressureClassifierTest, RatioInsideTheMarginHoldsTheLevel) {
  ClassifierDriver d;
  ASSERT_EQ(d.feed(0.85), L::high);
  // Below HIGH's entry (0.80) but not below its exit line (0.75): HIGH holds however long.
  EXPECT_EQ(d.hold(0.76, 120s), L::high);
  EXPECT_EQ(d.hold(0.75, 120s), L::high);  // the exit line itself is not below it
}

TEST(PressureClassifierTest, StepsDownOneLevelAtATimeWithAFreshDwellEach) {
  ClassifierDriver d;
  ASSERT_EQ(d.feed(0.95), L::critical);
  d.advance(1s);
  EXPECT_EQ(d.feed(0.10), L::critical);  // t = 1 s: dwell starts
  d.advance(10s);
  EXPECT_EQ(d.feed(0.10), L::high);  // t = 11 s: one step only, although far below every line
  d.advance(9s);
  EXPECT_EQ(d.feed(0.10), L::high);  // t = 20 s: the next step's dwell restarted at 11 s
  d.advance(1s);
  EXPECT_EQ(d.feed(0.10), L::elevated);  // t = 21 s
  d.advance(10s);
  EXPECT_EQ(d.feed(0.10), L::normal);  // t = 31 s
  d.advance(10s);
  EXPECT_EQ(d.feed(0.10), L::normal);
}

TEST(PressureClassifierTest, StepDownNeedsTheNewLevelsExitLineToo) {
  ClassifierDriver d;
  ASSERT_EQ(d.feed(0.95), L::critical);
  d.advance(1s);
  // 0.84 is below CRITICAL's exit line (0.85) but not below HIGH's (0.75).
  EXPECT_EQ(d.hold(0.84, 11s), L::high);
  EXPECT_EQ(d.hold(0.84, 120s), L::high);
}

TEST(PressureClassifierTest, NoiseAboveTheExitLineRestartsTheDwell) {
  ClassifierDriver d;
  ASSERT_EQ(d.feed(0.85), L::high);
  d.advance(1s);
  // Below the exit line 9 s out of every 10, for two minutes: never 10 s in a row.
  for (int i = 0; i < 120; ++i) {
    EXPECT_EQ(d.feed(i % 10 == 9 ? 0.76 : 0.74), L::high) << "second " << i;
    d.advance(1s);
  }
  EXPECT_EQ(d.hold(0.74, 10s), L::high);  // samples at 0 s … 9 s of the run
  EXPECT_EQ(d.feed(0.74), L::elevated);   // the sample at 10 s completes the dwell
}

TEST(PressureClassifierTest, NoFlappingAroundAnEntryThreshold) {
  ClassifierDriver d;
  int changes = 0;
  L last = L::normal;
  for (int i = 0; i < 600; ++i) {
    const L l = d.feed(i % 2 == 0 ? 0.61 : 0.59);
    changes += l != last ? 1 : 0;
    last = l;
    d.advance(1s);
  }
  EXPECT_EQ(changes, 1);  // up once, never back: 0.59 is above ELEVATED's exit line 0.55
  EXPECT_EQ(last, L::elevated);
}

TEST(PressureClassifierTest, ZeroMarginAndZeroDwellStepDownOnTheNextSample) {
  pressure_thresholds t;
  t.recovery_margin = 0.0;
  t.dwell = 0ms;
  ClassifierDriver d(t);
  ASSERT_EQ(d.feed(0.95), L::critical);
  EXPECT_EQ(d.feed(0.10), L::high);  // still one level per sample
  EXPECT_EQ(d.feed(0.10), L::elevated);
  EXPECT_EQ(d.feed(0.10), L::normal);
  EXPECT_EQ(d.feed(0.5999), L::normal);
  EXPECT_EQ(d.feed(0.60), L::elevated);
  EXPECT_EQ(d.feed(0.5999), L::normal);
}

TEST(PressureClassifierTest, PsiSomeRaisesOneStepAboveTheRatioLevel) {
  ClassifierDriver d;
  EXPECT_EQ(d.feed(0.30, 9.99), L::normal);
  EXPECT_EQ(d.feed(0.30, 10.0), L::elevated);
  ClassifierDriver e;
  EXPECT_EQ(e.feed(0.85, 50.0), L::critical);
  ClassifierDriver f;
  EXPECT_EQ(f.feed(0.95, 50.0), L::critical);  // critical stays critical
}

TEST(PressureClassifierTest, PsiFullForcesCritical) {
  ClassifierDriver d;
  EXPECT_EQ(d.feed(0.10, std::nullopt, 9.99), L::normal);
  EXPECT_EQ(d.feed(0.10, std::nullopt, 10.0), L::critical);
}

TEST(PressureClassifierTest, PsiNeverLowersTheRatioLevel) {
  pressure_classifier c;
  memory_sample s;
  s.used_bytes = 95;
  s.limit_bytes = 100;
  s.psi_some_avg10 = 0.0;
  s.psi_full_avg10 = 0.0;
  EXPECT_EQ(c.raw_level(s), L::critical);
  EXPECT_EQ(c.update(s), L::critical);
}

TEST(PressureClassifierTest, PsiAboveItsThresholdBlocksAStepDown) {
  ClassifierDriver d;
  ASSERT_EQ(d.feed(0.85), L::high);
  d.advance(1s);
  // Ratio below HIGH's exit line, but PSI some lifts the ratio level (ELEVATED) back to HIGH.
  for (int i = 0; i < 60; ++i) {
    EXPECT_EQ(d.feed(0.70, 20.0), L::high);
    d.advance(1s);
  }
  // Once PSI calms down, the dwell runs from the first calm sample.
  EXPECT_EQ(d.feed(0.70, 1.0), L::high);
  d.advance(10s);
  EXPECT_EQ(d.feed(0.70, 1.0), L::elevated);
}

TEST(PressureClassifierTest, LevelRaisedByPsiAloneStepsDownAfterDwell) {
  ClassifierDriver d;
  ASSERT_EQ(d.feed(0.30, std::nullopt, 30.0), L::critical);
  d.advance(1s);
  EXPECT_EQ(d.feed(0.30), L::critical);
  d.advance(10s);
  EXPECT_EQ(d.feed(0.30), L::high);
}

TEST(PressureClassifierTest, UnknownLimitReadsAsNormal) {
  pressure_classifier c;
  memory_sample s;
  s.used_bytes = 1'000'000;
  s.limit_bytes = 0;
  EXPECT_EQ(c.raw_level(s), L::normal);
}

TEST(PressureClassifierTest, RawLevelHasNoHysteresis) {
  ClassifierDriver d;
  ASSERT_EQ(d.feed(0.95), L::critical);
  memory_sample s;
  s.used_bytes = 10;
  s.limit_bytes = 100;
  EXPECT_EQ(d.classifier().raw_level(s), L::normal);
  EXPECT_EQ(d.classifier().level(), L::critical);
}

TEST(PressureClassifierTest, ResetReturnsToNormalAndForgetsTheDwell) {
  ClassifierDriver d;
  ASSERT_EQ(d.feed(0.85), L::high);
  d.advance(1s);
  EXPECT_EQ(d.feed(0.74), L::high);
  d.classifier().reset();
  EXPECT_EQ(d.classifier().level(), L::normal);
  ASSERT_EQ(d.feed(0.85), L::high);
  d.advance(9s);
  EXPECT_EQ(d.feed(0.74), L::high);  // the old dwell start was forgotten
}

TEST(PressureClassifierTest, InvalidThresholdsThrowNamingTheField) {
  pressure_thresholds t;
  t.critical = 0.7;  // below high
  try {
    pressure_classifier c(t);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("critical"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace membound
