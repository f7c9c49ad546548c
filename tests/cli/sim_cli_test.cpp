// `membound sim` end to end: the built CLI on small generated traces (bad input exits 2 with a
// message, --json shape, --csv, --plot writes a well-formed SVG, --pressure-schedule).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

struct run_result {
  int code = -1;
  std::string out;  // stdout and stderr
};

run_result run(const std::string& args) {
  const std::string cmd = std::string(MEMBOUND_BINARY_DIR) + "/src/cli/membound sim " + args + " 2>&1";
  run_result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class SimCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("membound_sim_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream t(path("t.trace"));
    for (int i = 0; i < 3000; ++i) t << (i * 31 % 97 + (i % 5 == 0 ? 0 : i % 13)) << "\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(SimCliTest, PrintsATable) {
  const auto r = run("--trace " + path("t.trace") + " --format lirs --policies lru,sieve --sizes 10,50%");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("miss ratio"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("requests/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sieve"), std::string::npos) << r.out;
}

TEST_F(SimCliTest, JsonIsOneObjectPerLineWithTheContractFields) {
  const auto r = run("--trace " + path("t.trace") + " --format lirs --policies lru,arc,belady --sizes 10,20 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  std::istringstream in(r.out);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    for (const char* k : {"trace", "policy", "cache_size", "requests", "hits", "hit_ratio", "miss_ratio", "seconds"}) {
      EXPECT_TRUE(j.contains(k)) << k << " in " << line;
    }
    EXPECT_EQ(j["requests"].get<int>(), 3000);
    EXPECT_LE(j["hits"].get<int>(), 3000);
    ++lines;
  }
  EXPECT_EQ(lines, 6);
}

TEST_F(SimCliTest, CsvHasAHeaderAndOneRowPerRun) {
  const auto r = run("--trace " + path("t.trace") + " --format lirs --policies fifo --sizes 5,10,15 --csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("policy,cache_size,", 0), 0u) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4);
}

// A minimal XML well-formedness check: every tag closes in order, one <svg> root.
bool well_formed(const std::string& s) {
  std::vector<std::string> stack;
  int roots = 0;
  for (std::size_t i = s.find('<'); i != std::string::npos; i = s.find('<', i + 1)) {
    const std::size_t end = s.find('>', i);
    if (end == std::string::npos) return false;
    const std::string tag = s.substr(i + 1, end - i - 1);
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    if (tag[0] == '/') {
      if (stack.empty() || stack.back() != tag.substr(1)) return false;
      stack.pop_back();
    } else if (tag.back() != '/') {
      const std::string name = tag.substr(0, tag.find_first_of(" \t\n"));
      if (stack.empty()) ++roots;
      stack.push_back(name);
    }
  }
  return stack.empty() && roots == 1;
}

TEST_F(SimCliTest, PlotWritesAWellFormedSvg) {
  const std::string svg = path("curve.svg");
  const auto r = run("--trace " + path("t.trace") + " --format lirs --policies lru,s3fifo,w_tinylfu --sizes 5,10,20,40 --plot " + svg);
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in(svg);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(well_formed(text)) << text.substr(0, 400);
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find(">w_tinylfu</text>"), std::string::npos);
  EXPECT_NE(text.find("miss ratio"), std::string::npos);
}

// A Latin-1 file name is not UTF-8: --json used to exit 1 with nlohmann's type_error 316.
TEST_F(SimCliTest, JsonAndPlotTakeATracePathThatIsNotUtf8) {
  const std::string name = path("caf\xe9.trace");
  std::filesystem::copy_file(path("t.trace"), name);
  const auto r = run("--trace '" + name + "' --format lirs --policies lru --sizes 10 --json --plot " + path("c.svg"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(j["trace"].get<std::string>(), path("caf\xef\xbf\xbd.trace"));
  std::ifstream in(path("c.svg"));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(well_formed(text));
  EXPECT_NE(text.find("Miss ratio: caf\xef\xbf\xbd.trace</text>"), std::string::npos) << text.substr(0, 600);
}

// A path or flag value is any bytes: the messages and the table show an escape sequence, CR and
// invalid UTF-8 as '?' and U+FFFD instead of sending them to the terminal.
TEST_F(SimCliTest, MessagesAndTableDoNotPrintControlBytes) {
  const std::string name = path("red\x1b[31m\rcaf\xe9.trace");
  std::filesystem::copy_file(path("t.trace"), name);
  const std::string shown = path("red?[31m?caf\xef\xbf\xbd.trace");
  struct print_case {
    std::string args;
    int code;
    std::string expected;
  };
  const std::vector<print_case> cases{
      {"--trace '" + name + "' --format lirs --policies lru --sizes 10", 0, "trace " + shown + " (lirs)"},
      {"--trace '" + name + ".missing' --format lirs --policies lru --sizes 10", 2, shown + ".missing: cannot open"},
      {"--trace '" + name + "' --format '\x1b[2J' --policies lru --sizes 10", 2, "unknown --format '?[2J'"},
      {"--trace '" + name + "' --format lirs --policies lru --sizes '1\x1b[2J'", 2, "bad size '1?[2J'"},
      {"--trace '" + name + "' --format lirs --policies lru --sizes 10 --pressure-schedule '" + name +
           ".sched'", 2, shown + ".sched: cannot open"},
  };
  for (const auto& c : cases) {
    const auto r = run(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expected), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_EQ(r.out.find_first_of("\x1b\r"), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_EQ(r.out.find('\xe9'), std::string::npos) << c.args << "\n" << r.out;
  }
}

TEST_F(SimCliTest, PressureScheduleShrinksTheCache) {
  std::ofstream(path("sched")) << "1000 high\n";
  const auto r = run("--trace " + path("t.trace") + " --format lirs --policies lru --sizes 40 --json --pressure-schedule " + path("sched"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(j["final_capacity"].get<int>(), 20);
  EXPECT_GT(j["pressure_evictions"].get<int>(), 0);
}

// A change at or past the trace's end never applies: the run goes on and stderr says so.
TEST_F(SimCliTest, PressureScheduleWarnsAboutChangesPastTheTrace) {
  std::ofstream(path("sched")) << "1000 high\n2999 normal\n3000 critical\n";
  auto r = run("--trace " + path("t.trace") + " --format lirs --policies lru --sizes 40 --csv --pressure-schedule " + path("sched"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("warning: " + path("sched") + ": 1 of 3 level changes are at or past request 3000"),
            std::string::npos) << r.out;
  r = run("--trace " + path("t.trace") + " --format lirs --policies lru --sizes 40 --csv --max-requests 1000 "
          "--pressure-schedule " + path("sched"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("3 of 3 level changes are at or past request 1000"), std::string::npos) << r.out;
  std::ofstream(path("sched")) << "2999 high\n";
  r = run("--trace " + path("t.trace") + " --format lirs --policies lru --sizes 40 --csv --pressure-schedule " + path("sched"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;
}

TEST_F(SimCliTest, WarnsAboutSizesAbove32Bits) {
  std::ofstream(path("big.trace")) << "1 1 5000000000\n2 2 100\n3 1 5000000000\n";
  auto r = run("--trace " + path("big.trace") + " --format webcachesim --policies lru --sizes 8GiB --csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("warning: " + path("big.trace") + ": 2 requests have sizes above 4 GiB - 1"), std::string::npos)
      << r.out;
  std::ofstream(path("small.trace")) << "1 1 4294967295\n";
  r = run("--trace " + path("small.trace") + " --format webcachesim --policies lru --sizes 8GiB --csv");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;
}

TEST_F(SimCliTest, BadInputExitsTwoWithAMessage) {
  const std::string t = " --trace " + path("t.trace");
  struct bad_case {
    std::string args;
    std::string message;
  };
  std::ofstream(path("bad.trace")) << "1\n2\nzz\n";
  std::ofstream(path("short.bin"), std::ios::binary) << std::string(30, '\1');
  std::ofstream(path("bad.sched")) << "10 meltdown\n";
  const std::vector<bad_case> cases{
      {t + " --format nosuch --policies lru --sizes 10", "unknown --format"},
      {t + " --format lirs --policies lru,mru --sizes 10", "unknown policy 'mru'"},
      {t + " --format lirs --policies lru --sizes 0", "bad size '0'"},
      {t + " --format lirs --policies lru --sizes 10x", "bad size"},
      {" --trace " + path("missing") + " --format lirs --policies lru --sizes 10", "cannot open"},
      {" --trace " + path("bad.trace") + " --format lirs --policies lru --sizes 10", "line 3"},
      {" --trace " + path("short.bin") + " --format oracle-general --policies lru --sizes 10", "byte offset 24"},
      {t + " --format lirs --policies lru --sizes 10 --pressure-schedule " + path("bad.sched"), "line 1"},
      {t + " --format lirs --policies lru --sizes 10 --pressure-schedule " + dir_.string(), "is a directory"},
      {" --trace " + dir_.string() + " --format lirs --policies lru --sizes 10", "is a directory"},
      {t + " --format lirs --sizes 10", "--policies"},
      {t + " --format lirs --policies lru,,sieve --sizes 10", "--policies 'lru,,sieve' has an empty item"},
      {t + " --format lirs --policies lru,sieve, --sizes 10", "has an empty item"},
      {t + " --format lirs --policies lru,sieve,lru --sizes 10", "gives 'lru' twice"},
      {t + " --format lirs --policies lru --sizes 5,,6", "--sizes '5,,6' has an empty item"},
      {t + " --format lirs --policies lru --sizes '10%, 10%'", "gives '10%' twice"},
      {t + " --format lirs --policies lru --sizes 10 --json --csv", "excludes"},
      {t + " --format lirs --policies lru --sizes 10 --threads 0", "--threads: must be at least 1, got 0"},
      {t + " --format lirs --policies lru --sizes 10 --threads -3", "--threads: must be at least 1, got -3"},
      {t + " --format csv --policies lru --sizes 10 --csv-id-col 00", "--csv-id-col: must be at least 1, got 00"},
      {t + " --format csv --policies lru --sizes 10 --csv-id-col -1", "--csv-id-col: must be at least 1, got -1"},
      {t + " --format csv --policies lru --sizes 10 --csv-id-col x", "--csv-id-col"},
      {t + " --format lirs --policies lru --sizes 10 --max-requests -5", "--max-requests: must not be negative"},
      {t + " --format lirs --policies lru --sizes 10,1KiB --plot " + path("p.svg"), "--plot draws one size axis"},
      {t + " --format lirs --policies lru --sizes 10 --plot " + path("no-such-folder/p.svg"), "does not exist"},
      {t + " --format lirs --policies lru --sizes 10 --plot " + dir_.string(), "is a directory"},
  };
  for (const auto& c : cases) {
    const auto r = run(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
  }
}

}  // namespace
