// Golden numbers on the ARC paper's OLTP trace (914,145 unit requests): LRU and ARC at 1000
// pages (ARC paper / "ours"), Belady against "ours OPT", and the Caffeine chart for W-TinyLFU.
#include <gtest/gtest.h>

#include <array>

#include "golden_support.hpp"

namespace membound::sim {
namespace {

using testing::hit_pct;

const char* const oltp = "arc/OLTP.lis";
constexpr std::array<std::uint64_t, 8> sizes{250, 500, 750, 1000, 1250, 1500, 1750, 2000};

TEST(GoldenOltp, TraceShapeMatchesTheArcPaper) {
  MEMBOUND_GOLDEN_TRACE(t, oltp, trace_format::arc);
  EXPECT_EQ(t->size(), 914145u);
  EXPECT_EQ(t->unique_objects(), 186880u);
}

// The ARC paper: LRU 32.83, ARC 38.93 at c=1000; the README's "ours": 32.83 / 38.95 (±0.05 pp
// required). We match "ours" at every size of the curve to its printed precision.
TEST(GoldenOltp, LruAndArcMatchOursOnTheWholeCurve) {
  MEMBOUND_GOLDEN_TRACE(t, oltp, trace_format::arc);
  EXPECT_NEAR(hit_pct(*t, "lru", 1000), 32.83, 0.05);
  EXPECT_NEAR(hit_pct(*t, "arc", 1000), 38.95, 0.05);
  const std::array<double, 8> lru{16.47, 23.45, 28.28, 32.83, 36.21, 38.70, 40.79, 42.47};
  const std::array<double, 8> arc{21.23, 30.46, 35.92, 38.95, 41.23, 43.08, 44.69, 46.08};
  for (std::size_t k = 0; k < 8; ++k) {
    EXPECT_NEAR(hit_pct(*t, "lru", sizes[k]), lru[k], 0.005) << sizes[k];
    EXPECT_NEAR(hit_pct(*t, "arc", sizes[k]), arc[k], 0.005) << sizes[k];
  }
}

TEST(GoldenOltp, BeladyMatchesOursOpt) {
  MEMBOUND_GOLDEN_TRACE(t, oltp, trace_format::arc);
  const std::array<double, 8> ours{38.43, 46.42, 50.66, 53.61, 55.83, 57.62, 59.13, 60.40};
  for (std::size_t k = 0; k < 8; ++k) EXPECT_NEAR(hit_pct(*t, "belady", sizes[k]), ours[k], 0.005) << sizes[k];
}

TEST(GoldenOltp, WTinyLfuAgainstTheCaffeineChart) {
  MEMBOUND_GOLDEN_TRACE(t, oltp, trace_format::arc);
  const std::array<double, 8> chart{24.5, 33, 37.5, 39.5, 42.5, 43, 45, 46};
  for (std::size_t k = 0; k < 8; ++k) {
    for (const char* p : {"w_tinylfu", "w_tinylfu_climber"}) {
      EXPECT_NEAR(hit_pct(*t, p, sizes[k]), chart[k], 1.5) << p << " " << sizes[k];
    }
  }
}

TEST(GoldenOltp, LirsAgainstTheCaffeineChart) {
  MEMBOUND_GOLDEN_TRACE(t, oltp, trace_format::arc);
  const std::array<double, 8> chart{18, 26.5, 31.5, 34.5, 37, 39, 40.5, 42.5};
  for (std::size_t k = 0; k < 8; ++k) EXPECT_NEAR(hit_pct(*t, "lirs", sizes[k]), chart[k], 1.5) << sizes[k];
}

// No published S3-FIFO curve for OLTP: pinned to our values (static and adaptive).
TEST(GoldenOltp, S3FifoRegression) {
  MEMBOUND_GOLDEN_TRACE(t, oltp, trace_format::arc);
  const std::array<double, 8> fixed{21.70, 32.64, 37.76, 40.84, 42.91, 44.58, 45.93, 47.01};
  const std::array<double, 8> adaptive{21.78, 32.00, 37.04, 40.05, 42.16, 43.77, 45.20, 46.42};
  for (std::size_t k = 0; k < 8; ++k) {
    EXPECT_NEAR(hit_pct(*t, "s3fifo_static", sizes[k]), fixed[k], 0.01) << sizes[k];
    EXPECT_NEAR(hit_pct(*t, "s3fifo", sizes[k]), adaptive[k], 0.01) << sizes[k];
  }
}

}  // namespace
}  // namespace membound::sim
