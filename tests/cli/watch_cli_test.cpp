// `membound watch` end to end: runs the real binary against fixture trees (hidden --proc-root /
// --cgroup-root flags) and against this machine.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pressure/source_test_support.hpp"

extern char** environ;

namespace membound {
namespace {

using ::testing::HasSubstr;
using test::fixture_tree;
using test::gib;
using test::mib;

struct result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(int fd) {
  std::string s;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      s.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return s;
    }
  }
}

// Spawns membound with `args`; stdout and stderr go to pipes. Returns the pid.
pid_t spawn(const std::vector<std::string>& args, int& out_fd, int& err_fd) {
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  std::vector<std::string> all{MEMBOUND_CLI};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawn(&pid, MEMBOUND_CLI, &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  ::close(err[1]);
  out_fd = out[0];
  err_fd = err[0];
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

result run(const std::vector<std::string>& args) {
  result r;
  int out = -1;
  int err = -1;
  const pid_t pid = spawn(args, out, err);
  if (pid < 0) return r;
  r.out = slurp(out);  // the outputs here are a few lines: far below a pipe's capacity
  r.err = slurp(err);
  ::close(out);
  ::close(err);
  r.exit_code = wait_exit(pid);
  return r;
}

std::vector<std::string> fixture_args(const fixture_tree& t) {
  return {"--proc-root", t.paths().proc_root, "--cgroup-root", t.paths().cgroup_root};
}

std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

nlohmann::json only_json_line(const std::string& out) {
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  return nlohmann::json::parse(out);
}

TEST(WatchCliTest, OnceJsonOnACgroupV1Container) {
  fixture_tree t("cgroup_v1");
  const auto r = run(cat({"watch", "--once", "--json"}, fixture_args(t)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = only_json_line(r.out);
  EXPECT_EQ(j["source"], "cgroup-v1");
  EXPECT_EQ(j["limit_bytes"], 4 * gib);
  EXPECT_EQ(j["used_bytes"], 2 * gib);
  EXPECT_DOUBLE_EQ(j["ratio"].get<double>(), 0.5);
  EXPECT_EQ(j["level"], "normal");
  EXPECT_EQ(j["rss_bytes"], 2560 * test::page_bytes());
  EXPECT_DOUBLE_EQ(j["psi_some_avg10"].get<double>(), 1.5);  // <proc>/pressure/memory
  EXPECT_DOUBLE_EQ(j["psi_full_avg10"].get<double>(), 0.25);
}

TEST(WatchCliTest, OnceJsonOnACgroupV2ContainerEscalatesOnPsi) {
  fixture_tree t("cgroup_v2");
  const auto r = run(cat({"watch", "--once", "--json"}, fixture_args(t)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = only_json_line(r.out);
  EXPECT_EQ(j["source"], "cgroup-v2");
  EXPECT_EQ(j["limit_bytes"], 1536 * mib);
  EXPECT_EQ(j["used_bytes"], 768 * mib);
  EXPECT_DOUBLE_EQ(j["psi_some_avg10"].get<double>(), 12.34);
  // ratio 0.5 alone is NORMAL; PSI some avg10 ≥ 10 raises it one step (thresholds.hpp).
  EXPECT_EQ(j["level"], "elevated");
}

TEST(WatchCliTest, OnceTextIsOneLine) {
  fixture_tree t("cgroup_v1");
  const auto r = run(cat({"watch", "--once"}, fixture_args(t)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("  cgroup-v1  used 2.00 GiB  limit 4.00 GiB  ratio 50.0%  normal"));
}

TEST(WatchCliTest, CriticalUsagePrintsALevelChangeLine) {
  fixture_tree t("cgroup_v1");
  t.write("sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes", std::to_string(5 * gib));
  int out = -1;
  int err = -1;
  const pid_t pid = spawn(cat({"watch", "--interval-ms", "100"}, fixture_args(t)), out, err);
  ASSERT_GT(pid, 0);
  // Read until the change line arrives (blocking reads, no sleeps; at most a few samples so a
  // missing change line fails instead of hanging), then stop the watcher.
  std::string text;
  char buf[512];
  while (text.find("level ") == std::string::npos &&
         std::count(text.begin(), text.end(), '\n') < 4) {
    const ssize_t n = ::read(out, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::kill(pid, SIGTERM);
  text += slurp(out);
  ::close(out);
  ::close(err);
  EXPECT_EQ(wait_exit(pid), 0);
  EXPECT_THAT(text, HasSubstr("ratio 100.0%  critical"));  // (5 − 1) GiB of 4 GiB
  EXPECT_THAT(text, HasSubstr("level normal -> critical"));
}

TEST(WatchCliTest, SigintAndSigtermExitZero) {
  for (int sig : {SIGINT, SIGTERM}) {
    SCOPED_TRACE(sig);
    fixture_tree t("host");
    int out = -1;
    int err = -1;
    const pid_t pid =
        spawn(cat({"watch", "--json", "--interval-ms", "60000"}, fixture_args(t)), out, err);
    ASSERT_GT(pid, 0);
    std::string first;
    char c = 0;
    while (::read(out, &c, 1) == 1 && c != '\n') first.push_back(c);  // the first sample
    ::kill(pid, sig);
    EXPECT_EQ(wait_exit(pid), 0);
    ::close(out);
    ::close(err);
    const auto j = nlohmann::json::parse(first);
    EXPECT_EQ(j["source"], "host");
    EXPECT_EQ(j["used_bytes"], 4 * gib);
    EXPECT_EQ(j["limit_bytes"], 16 * gib);
  }
}

TEST(WatchCliTest, BudgetWatchesThisProcessRss) {
  const auto r = run({"watch", "--once", "--json", "--budget-mb", "100000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = only_json_line(r.out);
  EXPECT_EQ(j["source"], "process-budget");
  EXPECT_EQ(j["limit_bytes"], 100000 * mib);
  EXPECT_GT(j["used_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(j["used_bytes"], j["rss_bytes"]);
  EXPECT_EQ(j["level"], "normal");
}

TEST(WatchCliTest, ThisMachineOnceJson) {
  const auto r = run({"watch", "--once", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = only_json_line(r.out);
  EXPECT_GT(j["limit_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(j["source"] == "host" || j["source"].get<std::string>().rfind("cgroup", 0) == 0)
      << j.dump();
  for (const char* key : {"level", "used_bytes", "limit_bytes", "ratio", "source", "time"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(WatchCliTest, BadFlagValuesAreUsageErrors) {
  struct usage_case {
    std::vector<std::string> args;
    std::string message;
  };
  const usage_case cases[] = {
      {{"watch", "--interval-ms", "0"}, "--interval-ms"},
      {{"watch", "--budget-mb", "0"}, "--budget-mb"},
      {{"watch", "--interval-ms", "abc"}, "--interval-ms"},
      {{"watch", "--interval-ms", "-5"}, "--interval-ms"},
      {{"watch", "--no-such-flag"}, "no-such-flag"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args.back());
    const auto r = run(c.args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.err, HasSubstr(c.message));
    EXPECT_EQ(r.out, "");
  }
}

TEST(WatchCliTest, UnreadableSourceExitsOne) {
  fixture_tree t("");  // empty: no meminfo, no cgroup files
  const auto r = run(cat({"watch", "--once", "--json"}, fixture_args(t)));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot read memory from the host source"));
  EXPECT_EQ(r.out, "");
}

TEST(WatchCliTest, HelpListsTheFlags) {
  const auto r = run({"watch", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--once", "--json", "--interval-ms", "--budget-mb"}) {
    EXPECT_THAT(r.out, HasSubstr(flag));
  }
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("--proc-root")));
}

}  // namespace
}  // namespace membound
