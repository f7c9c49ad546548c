#!/bin/sh
# Real-cgroup check of `membound watch`: creates a memory cgroup with a 512 MiB limit, runs
# `membound watch --once --json` inside it, and checks that watch reports that limit from a cgroup
# source. Needs root and a writable memory cgroup (v1 memory controller, as on hybrid hosts, or
# cgroup v2 with the memory controller); otherwise exits 77, which ctest reports as skipped.
# The cgroup is removed on every exit path (trap).
#
# Usage: watch_cgroup_test.sh <path to the membound binary>
set -u
bin=${1:?usage: watch_cgroup_test.sh <membound binary>}
limit=536870912  # 512 MiB
cg=""

skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*"
  exit 1
}
cleanup() {
  if [ -n "$cg" ] && [ -d "$cg" ]; then
    # The process that joined the cgroup has exited; a v1 cgroup may need a moment to drain.
    for _ in 1 2 3 4 5; do
      rmdir "$cg" 2>/dev/null && break
      sleep 0.2
    done
    [ -d "$cg" ] && echo "warning: could not remove $cg"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || skip "not running as root"
[ -x "$bin" ] || fail "$bin is not an executable"

# Prints "<mount root> <mount point>" of the first mount of type $1 whose super options contain
# $2 (or any, when $2 is empty), from /proc/self/mountinfo (fields after " - ": type, source, opts).
find_mount() {
  awk -v want="$1" -v opt="$2" '{
    for (i = 7; i <= NF; i++) if ($i == "-") break
    if ($(i + 1) != want) next
    if (opt != "" && ("," $(i + 3) ",") !~ ("," opt ",")) next
    print $4, $5
    exit
  }' /proc/self/mountinfo
}

version=""
set -- $(find_mount cgroup memory)
if [ $# -eq 2 ]; then
  # cgroup v1 (or hybrid: membound prefers the v1 memory controller too). Nest under this
  # process's own memory cgroup when it is writable, so the ancestor walk is exercised.
  version=v1
  root=$1
  mp=$2
  own=$(awk -F: '("," $2 ",") ~ /,memory,/ { sub(/^[^:]*:[^:]*:/, ""); print; exit }' /proc/self/cgroup)
  case $root in
    /) rel=$own ;;
    *) rel=${own#"$root"} ;;
  esac
  parent="$mp${rel%/}"
  [ -d "$parent" ] && [ -w "$parent" ] || parent=$mp
  limit_file=memory.limit_in_bytes
else
  set -- $(find_mount cgroup2 "")
  [ $# -eq 2 ] || skip "no cgroup v1 memory controller and no cgroup2 mount"
  version=v2
  mp=$2
  grep -qw memory "$mp/cgroup.controllers" 2>/dev/null ||
    skip "cgroup2 at $mp has no memory controller"
  # The root cgroup is exempt from the no-internal-processes rule: create the child there.
  parent=$mp
  grep -qw memory "$parent/cgroup.subtree_control" ||
    echo +memory >"$parent/cgroup.subtree_control" 2>/dev/null ||
    skip "cannot enable the memory controller in $parent/cgroup.subtree_control"
  limit_file=memory.max
fi
[ -w "$parent" ] || skip "$parent is not writable (read-only cgroupfs?)"

cg="$parent/membound-watch-test-$$"
mkdir "$cg" 2>/dev/null || { cg=""; skip "cannot create a cgroup under $parent"; }
echo "$limit" >"$cg/$limit_file" 2>/dev/null || skip "cannot set $cg/$limit_file"
echo "cgroup $version: $cg ($limit_file = $(cat "$cg/$limit_file"))"

# Join the cgroup in a child shell, then exec membound in it (the cgroup is inherited by exec).
out=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" watch --once --json' sh "$cg" "$bin")
rc=$?
echo "membound watch --once --json -> exit $rc: $out"
[ "$rc" -eq 0 ] || fail "membound watch exited with $rc"

case "$out" in
  *"\"limit_bytes\":$limit,"* | *"\"limit_bytes\":$limit}"*) ;;
  *) fail "limit_bytes is not $limit" ;;
esac
case "$out" in
  *'"source":"cgroup'*) ;;
  *) fail "source does not start with cgroup" ;;
esac
echo "PASS"
