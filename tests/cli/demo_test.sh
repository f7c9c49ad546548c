#!/usr/bin/env bash
# Checks `membound demo` end to end. Usage: demo_test.sh <check> <path to membound>
#   budget     `demo --budget-mb 256 --json` exits 0 with peak RSS <= 1.10 x budget
#   unbounded  `demo --unbounded` goes past the budget
#   cgroup     the bounded demo survives a real 300 MiB memory cgroup (exit 0, no OOM kill);
#              exits 77 (skipped) without root or a writable memory cgroup
#   flags      bad flags exit 2 with a message naming the flag; --help exits 0
set -u
check=${1:?check}
bin=${2:?path to membound}
budget_mb=256

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Prints the value of a top-level scalar field of the one-line JSON summary.
json_field() {
  grep -o "\"$1\":[^,}]*" <<<"$2" | head -n1 | cut -d: -f2- | tr -d '"'
}

# Runs the demo with --json and checks what every run must satisfy. Sets $summary.
run_json() {
  summary=$("$bin" demo "$@" --json)
  local rc=$?
  echo "$summary"
  [[ $rc -eq 0 ]] || fail "demo $* exited $rc"
  [[ $(json_field corrupt_values "$summary") == 0 ]] || fail "requests read wrong values"
}

case "$check" in
  budget)
    run_json --budget-mb "$budget_mb"
    ratio=$(json_field peak_rss_ratio "$summary")
    peak=$(json_field peak_rss_mb "$summary")
    echo "peak RSS ${peak} MiB = ${ratio} x the ${budget_mb} MiB budget"
    awk -v r="$ratio" 'BEGIN { exit !(r > 0 && r <= 1.10) }' || fail "peak RSS ratio $ratio > 1.10"
    [[ $(json_field within_budget "$summary") == true ]] || fail "within_budget is not true"
    [[ $(json_field mode "$summary") == bounded ]] || fail "mode is not bounded"
    ;;

  unbounded)
    run_json --budget-mb "$budget_mb" --unbounded --duration-s 8
    ratio=$(json_field peak_rss_ratio "$summary")
    echo "unbounded peak RSS = ${ratio} x the budget"
    awk -v r="$ratio" 'BEGIN { exit !(r > 1.0) }' || fail "the unbounded run stayed within the budget ($ratio)"
    ;;

  cgroup)
    limit=$((300 * 1024 * 1024))
    [[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root to create a memory cgroup"; exit 77; }
    name="membound-demo-test-$$"
    v1_path=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)
    v2_path=$(awk -F: '$1 == "0" && $2 == "" { print $3 }' /proc/self/cgroup)
    cg=""
    if [[ -n "$v1_path" && -d /sys/fs/cgroup/memory ]]; then
      cg="/sys/fs/cgroup/memory${v1_path%/}/$name"
      mkdir "$cg" 2>/dev/null || { echo "SKIP: cannot create $cg"; exit 77; }
      trap 'rmdir "$cg" 2>/dev/null' EXIT
      echo "$limit" >"$cg/memory.limit_in_bytes" 2>/dev/null || { echo "SKIP: cannot set the v1 limit"; exit 77; }
      oom_count() { awk '$1 == "oom_kill" { print $2 }' "$cg/memory.oom_control"; }
      peak_usage() { cat "$cg/memory.max_usage_in_bytes"; }
    elif [[ -n "$v2_path" ]]; then
      root=/sys/fs/cgroup
      [[ -f $root/cgroup.controllers ]] || root=/sys/fs/cgroup/unified
      cg="$root${v2_path%/}/$name"
      mkdir "$cg" 2>/dev/null || { echo "SKIP: cannot create $cg"; exit 77; }
      trap 'rmdir "$cg" 2>/dev/null' EXIT
      [[ -f "$cg/memory.max" ]] || { echo "SKIP: memory controller not enabled for $cg"; exit 77; }
      echo "$limit" >"$cg/memory.max" 2>/dev/null || { echo "SKIP: cannot set memory.max"; exit 77; }
      oom_count() { awk '$1 == "oom_kill" { print $2 }' "$cg/memory.events"; }
      peak_usage() { cat "$cg/memory.peak" 2>/dev/null || echo unknown; }
    else
      echo "SKIP: no memory cgroup found in /proc/self/cgroup"
      exit 77
    fi
    before=$(oom_count)
    echo "running the demo in $cg (limit 300 MiB)"
    sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
      "$bin" demo --budget-mb "$budget_mb" --duration-s 15
    rc=$?
    after=$(oom_count)
    echo "exit $rc, oom_kill $before -> $after, cgroup peak usage $(peak_usage) bytes"
    [[ $rc -ne 137 ]] || fail "the demo was killed (OOM) inside the 300 MiB cgroup"
    [[ $rc -eq 0 ]] || fail "the demo exited $rc inside the cgroup"
    [[ "$before" == "$after" ]] || fail "the cgroup recorded an OOM kill"
    ;;

  flags)
    expect_usage() {
      local needle=$1
      shift
      local err
      err=$("$bin" demo "$@" 2>&1 >/dev/null)
      local rc=$?
      [[ $rc -eq 2 ]] || fail "demo $* exited $rc, expected 2"
      grep -q -- "$needle" <<<"$err" || fail "demo $*: message does not name $needle: $err"
      echo "ok: demo $* -> exit 2: $(head -n1 <<<"$err")"
    }
    expect_usage --budget-mb --budget-mb 0
    expect_usage --budget-mb --budget-mb 64
    expect_usage --duration-s --duration-s 0
    expect_usage --budget-mb --budget-mb abc
    expect_usage --duration-s --duration-s -3
    # CLI11 wraps -5 into 2^64 - 5 for an unsigned option: the message must say "negative",
    # not "must be at most 1 TiB".
    expect_usage "--budget-mb: must not be negative" --budget-mb -5
    expect_usage --threads --threads 0
    expect_usage --no-such-flag --no-such-flag
    "$bin" demo --help >/dev/null || fail "demo --help did not exit 0"
    ;;

  *)
    fail "unknown check $check"
    ;;
esac
echo "PASS: $check"
