// Trace readers: every format on small well-formed and malformed inputs (the error names the file
// and the line or byte offset), .zst input, missing files, and seeded mutations of each format.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdint>
#include <iterator>
#include <random>
#include <string_view>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "membound/sim/trace.hpp"

namespace membound::sim {
namespace {

class ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("membound_reader_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  static load_result load(const std::string& path, trace_format f) {
    trace_options o;
    o.format = f;
    return load_trace(path, o);
  }
  static std::vector<std::uint64_t> keys_of(const trace& t) {
    std::vector<std::uint64_t> out;
    for (const auto& r : t.requests) out.push_back(t.keys[r.object]);
    return out;
  }

  std::filesystem::path dir_;
};

std::string le32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string le64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string be(std::uint64_t v, int n) {
  std::string s(n, '\0');
  for (int i = 0; i < n; ++i) s[n - 1 - i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string oracle(std::uint32_t time, std::uint64_t id, std::uint32_t size, std::int64_t next) {
  return le32(time) + le64(id) + le32(size) + le64(static_cast<std::uint64_t>(next));
}

TEST_F(ReaderTest, LirsSkipsEmptyAndStarLines) {
  const auto r = load(write("a.trace", "5\n\n*\n7\r\n5\n  9  \n"), trace_format::lirs);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(keys_of(r.value), (std::vector<std::uint64_t>{5, 7, 5, 9}));
  EXPECT_EQ(r.value.unique_objects(), 3u);
  EXPECT_EQ(r.value.requests[0].object, r.value.requests[2].object);
}

TEST_F(ReaderTest, LirsMalformedLineNamesFileAndLine) {
  const std::string path = write("bad.trace", "1\n2\nx3\n");
  const auto r = load(path, trace_format::lirs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find(path), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("line 3"), std::string::npos) << r.error;
}

TEST_F(ReaderTest, ArcExpandsExtentsIntoUnitRequests) {
  const auto r = load(write("a.lis", "100 3 0 1\n7 1 0 2\n"), trace_format::arc);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(keys_of(r.value), (std::vector<std::uint64_t>{100, 101, 102, 7}));
  EXPECT_EQ(r.value.requests[0].size, 512u);
}

TEST_F(ReaderTest, ArcMalformedLineNamesLine) {
  const auto r = load(write("a.lis", "100 3 0 1\n100\n"), trace_format::arc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("line 2"), std::string::npos) << r.error;
}

TEST_F(ReaderTest, OracleGeneralReadsLittleEndianRecords) {
  const auto r = load(write("t.bin", oracle(1, 42, 4096, 2) + oracle(2, 43, 512, -1) + oracle(3, 42, 4096, -1)),
                      trace_format::oracle_general);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(keys_of(r.value), (std::vector<std::uint64_t>{42, 43, 42}));
  EXPECT_EQ(r.value.requests[1].size, 512u);
  EXPECT_EQ(r.value.total_bytes, 4096u + 512 + 4096);
}

TEST_F(ReaderTest, OracleGeneralTruncatedRecordNamesByteOffset) {
  const std::string path = write("t.bin", oracle(1, 42, 4096, -1) + oracle(2, 43, 512, -1).substr(0, 10));
  const auto r = load(path, trace_format::oracle_general);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find(path), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("byte offset 24"), std::string::npos) << r.error;
}

TEST_F(ReaderTest, OracleGeneralInvalidNextAccessNamesByteOffset) {
  const auto r = load(write("t.bin", oracle(1, 42, 1, -1) + oracle(2, 43, 1, -7)), trace_format::oracle_general);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("byte offset 40"), std::string::npos) << r.error;
}

TEST_F(ReaderTest, RawKeyStreams) {
  auto r = load(write("a.u32be", be(1, 4) + be(0x01020304, 4)), trace_format::u32be);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(keys_of(r.value), (std::vector<std::uint64_t>{1, 0x01020304}));
  r = load(write("a.u32le", le32(1) + le32(0x01020304)), trace_format::u32le);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(keys_of(r.value), (std::vector<std::uint64_t>{1, 0x01020304}));
  r = load(write("a.i64be", be(0x0102030405060708ULL, 8)), trace_format::i64be);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(keys_of(r.value), (std::vector<std::uint64_t>{0x0102030405060708ULL}));
}

TEST_F(ReaderTest, RawKeyStreamTruncatedNamesByteOffset) {
  auto r = load(write("a.u32be", be(1, 4) + be(2, 4) + "\x01\x02"), trace_format::u32be);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("byte offset 8"), std::string::npos) << r.error;
  r = load(write("a.u32le", le32(1) + "\x01"), trace_format::u32le);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("byte offset 4"), std::string::npos) << r.error;
  r = load(write("a.i64be", be(1, 8) + be(2, 4)), trace_format::i64be);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("byte offset 8"), std::string::npos) << r.error;
}

TEST_F(ReaderTest, CsvColumnsHeaderAndDelimiter) {
  trace_options o;
  o.format = trace_format::csv;
  o.csv = {5, 4, 2, true, ','};
  auto r = load_trace(write("c.csv", "version,time,op,size,lbn\n1,10,r,4096,77\n1,11,w,512,78\n1,12,r,4096,77\n"), o);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(keys_of(r.value), (std::vector<std::uint64_t>{77, 78, 77}));
  EXPECT_EQ(r.value.requests[1].size, 512u);
  o.csv = {1, 0, 0, false, ';'};
  r = load_trace(write("d.csv", "alpha;x\nbeta;y\nalpha;z\n"), o);  // string ids are hashed
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.unique_objects(), 2u);
}

TEST_F(ReaderTest, CsvMissingColumnOrBadSizeNamesLine) {
  trace_options o;
  o.format = trace_format::csv;
  o.csv = {2, 3, 0, true, ','};
  const std::string path = write("c.csv", "h1,h2,h3\n1,2,3\n4,5\n");
  auto r = load_trace(path, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find(path), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("line 3"), std::string::npos) << r.error;
  r = load_trace(write("d.csv", "h1,h2,h3\n1,2,big\n"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("line 2"), std::string::npos) << r.error;
}

TEST_F(ReaderTest, WebcachesimKeysByIdAndSizeOrById) {
  const std::string path = write("w.trace", "1 10 100\n2 10 200\n3 10 100\n");
  trace_options o;
  o.format = trace_format::webcachesim;
  auto r = load_trace(path, o);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.unique_objects(), 2u);  // (10,100) and (10,200)
  o.webcachesim = webcachesim_key::id;
  r = load_trace(path, o);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.unique_objects(), 1u);
  r = load_trace(write("x.trace", "1 10 100\n2 10\n"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("line 2"), std::string::npos) << r.error;
}

// request::size is 32 bits: a larger size is held as 2^32 - 1 and counted, never wrapped.
TEST_F(ReaderTest, SizesAbove32BitsAreClampedAndCounted) {
  trace_options o;
  o.format = trace_format::webcachesim;
  const auto r = load_trace(write("big.trace", "1 10 5000000000\n2 11 4294967295\n3 12 100\n"), o);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.size(), 3u);
  EXPECT_EQ(r.value.requests[0].size, 4294967295u);
  EXPECT_EQ(r.value.requests[1].size, 4294967295u);
  EXPECT_EQ(r.value.requests[2].size, 100u);
  EXPECT_EQ(r.value.clamped_sizes, 1u);
  EXPECT_EQ(r.value.total_bytes, 2 * 4294967295ull + 100);
}

TEST_F(ReaderTest, ReadsZstdCompressedInput) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i % 1000) + "\n";
  std::string packed(ZSTD_compressBound(text.size()), '\0');
  const std::size_t n = ZSTD_compress(packed.data(), packed.size(), text.data(), text.size(), 3);
  ASSERT_FALSE(ZSTD_isError(n));
  packed.resize(n);
  const auto r = load(write("z.trace.zst", packed), trace_format::lirs);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.size(), 20000u);
  EXPECT_EQ(r.value.unique_objects(), 1000u);
}

TEST_F(ReaderTest, CorruptOrTruncatedZstdIsAnError) {
  const std::string text = "1\n2\n3\n";
  std::string packed(ZSTD_compressBound(text.size()), '\0');
  packed.resize(ZSTD_compress(packed.data(), packed.size(), text.data(), text.size(), 1));
  auto r = load(write("t.zst", packed.substr(0, packed.size() - 3)), trace_format::lirs);
  EXPECT_FALSE(r.ok());
  r = load(write("c.zst", "this is not zstd"), trace_format::lirs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("zstd"), std::string::npos) << r.error;
}

// Seeded mutations of a valid input in every format, plain and zstd-compressed (byte flips, cuts,
// insertions of junk tokens, repeats, random bytes): each load either succeeds with a consistent
// trace or fails with one printable line that starts with the path. Under ASan/UBSan this is the
// readers' crash check; a failing case prints the seed and iteration to replay it.
TEST_F(ReaderTest, MutatedInputsLoadOrFailCleanly) {
  std::mt19937_64 rng(20261203);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::string lirs, arc, webcachesim, csv, og, u32, u64;
  for (std::uint32_t i = 0; i < 120; ++i) {
    const std::uint32_t k = i * 7 % 31;
    lirs += std::to_string(k) + (i % 17 == 0 ? "\n*\n" : "\n");
    arc += std::to_string(k * 8) + " " + std::to_string(1 + i % 3) + " 0 " + std::to_string(i) + "\n";
    webcachesim += std::to_string(i) + " " + std::to_string(k) + " " + std::to_string(100 + k) + "\n";
    csv += std::to_string(i) + "," + std::to_string(k) + "," + std::to_string(1 + k) + "\n";
    og += oracle(i, k, 10 + k, i % 4 == 0 ? -1 : static_cast<std::int64_t>(i + 3));
    u32 += be(k, 4);
    u64 += be(k, 8);
  }
  struct seed_case {
    trace_format format;
    const std::string* bytes;
    unsigned size_column;
  };
  const seed_case seeds[] = {
      {trace_format::lirs, &lirs, 0},        {trace_format::arc, &arc, 0},
      {trace_format::webcachesim, &webcachesim, 0}, {trace_format::csv, &csv, 3},
      {trace_format::oracle_general, &og, 0}, {trace_format::u32be, &u32, 0},
      {trace_format::u32le, &u32, 0},        {trace_format::i64be, &u64, 0},
  };
  using namespace std::string_view_literals;
  const std::string_view junk[] = {"-1", "99999999999999999999999", "\n\n", "*", " ", "\t", "0x10", "1e9",
                                   "\0"sv, ",", "-", "nan", "\r\n"};
  int loaded = 0;
  int failed = 0;
  for (int it = 0; it < 800; ++it) {
    const seed_case& c = seeds[pick(std::size(seeds))];
    std::string b = *c.bytes;
    for (std::size_t m = 1 + pick(5); m > 0; --m) {
      const std::size_t at = b.empty() ? 0 : pick(b.size());
      switch (pick(6)) {
        case 0:
          if (!b.empty()) b[at] = static_cast<char>(rng());
          break;
        case 1: b.erase(at, 1 + pick(20)); break;
        case 2: b.resize(at); break;
        case 3: b.insert(at, junk[pick(std::size(junk))]); break;
        case 4: b.insert(at, b.substr(at, 1 + pick(40))); break;
        default:
          for (std::size_t n = pick(48); n > 0; --n) b.insert(pick(b.size() + 1), 1, static_cast<char>(rng()));
          break;
      }
    }
    const bool zst = pick(6) == 0;
    if (zst) {
      std::string packed(ZSTD_compressBound(b.size()), '\0');
      packed.resize(ZSTD_compress(packed.data(), packed.size(), b.data(), b.size(), 1));
      if (pick(2) == 0 && !packed.empty()) packed[pick(packed.size())] ^= static_cast<char>(1 + pick(255));
      b = packed;
    }
    const std::string path = write(zst ? "m.zst" : "m.trace", b);
    trace_options o;
    o.format = c.format;
    o.csv.size_column = c.size_column;
    const load_result r = load_trace(path, o);
    SCOPED_TRACE("iteration " + std::to_string(it) + ", format " + std::string(to_string(c.format)));
    if (r.ok()) {
      ++loaded;
      std::uint64_t total = 0;
      for (const request& q : r.value.requests) {
        ASSERT_LT(q.object, r.value.unique_objects());
        total += q.size;
      }
      EXPECT_EQ(total, r.value.total_bytes);
      EXPECT_LE(r.value.unique_bytes, r.value.total_bytes);
    } else {
      ++failed;
      EXPECT_EQ(r.error.rfind(path + ": ", 0), 0u) << r.error;
      for (const char ch : r.error) {
        ASSERT_TRUE(ch >= 0x20 && ch < 0x7f) << "byte " << int{static_cast<unsigned char>(ch)} << " in: " << r.error;
      }
    }
  }
  // Both outcomes must be exercised, or the mutations say nothing.
  EXPECT_GT(loaded, 50);
  EXPECT_GT(failed, 200);
}

TEST_F(ReaderTest, MissingFileIsAClearError) {
  const std::string path = (dir_ / "nope.trace").string();
  const auto r = load(path, trace_format::lirs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find(path), std::string::npos);
  EXPECT_NE(r.error.find("cannot open"), std::string::npos) << r.error;
}

// fopen opens a directory on Linux; reading it then failed with a bare "read error".
TEST_F(ReaderTest, DirectoryIsAClearError) {
  const auto r = load(dir_.string(), trace_format::lirs);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find(dir_.string() + ": is a directory"), std::string::npos) << r.error;
}

TEST_F(ReaderTest, MaxRequestsStopsEarly) {
  trace_options o;
  o.format = trace_format::lirs;
  o.max_requests = 2;
  const auto r = load_trace(write("a.trace", "1\n2\n3\nnot-read\n"), o);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.size(), 2u);
}

TEST(TraceFormatTest, NamesRoundTrip) {
  for (const char* n : {"lirs", "arc", "oracle-general", "csv", "u32be", "u32le", "i64be", "webcachesim"}) {
    const auto f = parse_trace_format(n);
    ASSERT_TRUE(f.has_value()) << n;
    EXPECT_EQ(to_string(*f), n);
  }
  EXPECT_FALSE(parse_trace_format("vscsi").has_value());
}

TEST(TraceTest, NextAccessPointsAtTheNextRequestOfTheSameObject) {
  trace t = make_trace({1, 2, 1, 3, 2});
  t.compute_next_access();
  EXPECT_EQ(t.next_access(), (std::vector<std::uint32_t>{2, 4, trace::never, trace::never, trace::never}));
}

}  // namespace
}  // namespace membound::sim
