#!/usr/bin/env bash
# exitprof --compare-cpuid on this machine, for real: its kernel has no exitprof patch, so the
# query VM's probe finds no leaves and the command must exit 2 with one line saying so, print
# nothing on stdout and load no BPF (it stops before). Needs /dev/kvm (skips with 77 without
# it, or on a patched kernel, where the lab's 40-compare-cpuid check covers the command).
# Also the option combinations --compare-cpuid rejects. Usage: test_compare_cli.sh EXITPROF
set -u
exe=$1
runner=()
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/expect_lib.sh"

expect 2 "--late-attach is a test hook of --compare-cpuid" -- --late-attach --all
expect 2 "--compare-cpuid takes only" -- --compare-cpuid --csv "$tmp/x.csv"
expect 2 "--compare-cpuid takes only" -- --compare-cpuid --interval 1
expect 2 "--vm and --all both given" -- --compare-cpuid --vm 1 --all

if ! { exec 3<>/dev/kvm; } 2>/dev/null; then
	echo "SKIP: /dev/kvm cannot be opened: the query VM needs it"
	exit 77
fi
exec 3>&-
if [ -e /sys/module/kvm/parameters/exit_stats ]; then
	echo "SKIP: this kernel has the exitprof patch: lab/l1/checks/40-compare-cpuid.sh covers it"
	exit 77
fi
before=$(bpftool prog list 2>/dev/null | grep -c 'name handle_kvm_' || true)
expect 2 "the exitprof CPUID leaves are not implemented by this kernel" -- --compare-cpuid --duration 1
expect 2 "the exitprof CPUID leaves are not implemented by this kernel" -- --compare-cpuid --late-attach
after=$(bpftool prog list 2>/dev/null | grep -c 'name handle_kvm_' || true)
if [ "$before" != "$after" ]; then
	echo "FAIL: BPF programs before $before, after $after"
	fails=$((fails + 1))
fi
[ $fails = 0 ] && echo "test_compare_cli: all checks passed"
exit $((fails > 0))
