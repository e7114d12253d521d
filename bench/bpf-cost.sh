#!/usr/bin/env bash
# Kernel-measured cost of exitprof's BPF programs per event: runs `exitprof --all --bpf-stats`
# around a workload and prints each program's run count and average run time (the kernel's
# BPF_ENABLE_STATS counters, the same numbers `bpftool prog show` prints as run_time_ns/run_cnt).
# Needs root and a host where kvm_exit fires (the lab's L1; this development host's PVM does
# not fire kvm_exit/kvm_entry, so there only kvm_userspace_exit is measured).
#
# Usage: bench/bpf-cost.sh [--exitprof PATH] -- WORKLOAD [ARGS...]
#   e.g. (in L1) bench/bpf-cost.sh --exitprof /lab/bin/exitprof -- mixguest ...
set -euo pipefail
exe=${EXITPROF:-exitprof}
while [ $# -gt 0 ]; do
	case "$1" in
	--exitprof) exe=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "usage: $0 [--exitprof PATH] -- WORKLOAD..." >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--exitprof PATH] -- WORKLOAD..." >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$exe" --all --bpf-stats >/dev/null 2>"$out" &
pid=$!
sleep 1 # attached (load + attach take well under a second)
"$@"
kill -INT $pid
wait $pid
grep 'bpf-stats' "$out"
# Per-exit cost: one kvm_exit run + one kvm_entry run (the tp_btf programs are named *_btf).
awk '/bpf-stats handle_kvm_(exit|entry)(_btf)? / { ev = $3; sub(/_btf$/, "", ev)
		for (i = 1; i <= NF; i++) { if ($i == "runs") r[ev] = $(i+1); if ($i == "run_time_ns") t[ev] = $(i+1) } }
	END { n = r["handle_kvm_exit"]; if (n > 0) printf "per exit (exit + entry programs): %.1f ns over %d exits\n",
		(t["handle_kvm_exit"] + t["handle_kvm_entry"]) / n, n }' "$out"
