#!/usr/bin/env bash
# bench/summarize on a small console log whose figures are worked out by hand below: the per-round
# added cost against the baseline, its median and range, the per-round ratio to perf kvm stat
# record, the 2-vCPU mean, the programs' cost per exit; and its refusals, one line each.
# Usage: test_bench_summarize.sh BENCH/SUMMARIZE
. "$(dirname "$0")/lib.sh"
exe=$1

# 1000 CPUIDs per vCPU, times in ns; ns per exit = run / (1000 x vCPUs). Round 1: baseline 40 us
# per exit (1 vCPU: run 40 ms), 41 us (2 vCPUs: run 82 ms); exitprof 50 and 52; perf-record 80
# and 81. Round 2: 44/44, 56/56, 84/85. The per-vCPU loop times are not what is averaged.
cat >"$tmp/console.log" <<'LOG'
LAB-BENCH run rep=1 config=baseline vcpus=1 n=1000 ns=39000000 run=40000000
LAB-BENCH run rep=1 config=baseline vcpus=2 n=1000 ns=40000000,80000000 run=82000000
LAB-BENCH run rep=1 config=exitprof vcpus=1 n=1000 ns=49000000 run=50000000
LAB-BENCH run rep=1 config=exitprof vcpus=2 n=1000 ns=52000000,52000000 run=104000000
LAB-BENCH seen rep=1 config=exitprof cpuid=3000 want=3000
LAB-BENCH run rep=1 config=perf-record vcpus=1 n=1000 ns=80000000 run=80000000
LAB-BENCH run rep=1 config=perf-record vcpus=2 n=1000 ns=81000000,81000000 run=162000000
LAB-BENCH run rep=2 config=baseline vcpus=1 n=1000 ns=44000000 run=44000000
LAB-BENCH run rep=2 config=baseline vcpus=2 n=1000 ns=44000000,44000000 run=88000000
LAB-BENCH run rep=2 config=exitprof vcpus=1 n=1000 ns=56000000 run=56000000
LAB-BENCH run rep=2 config=exitprof vcpus=2 n=1000 ns=56000000,56000000 run=112000000
LAB-BENCH run rep=2 config=perf-record vcpus=1 n=1000 ns=84000000 run=84000000
LAB-BENCH run rep=2 config=perf-record vcpus=2 n=1000 ns=85000000,85000000 run=170000000
LAB-BENCH prog rep=1 config=exitprof prog=handle_kvm_exit_btf event=kvm_exit runs=3000 run_time_ns=30000000
LAB-BENCH prog rep=1 config=exitprof prog=handle_kvm_entry_btf event=kvm_entry runs=3000 run_time_ns=9000000
LOG
"$exe" "$tmp/console.log" -o "$tmp/out" >"$tmp/table" 2>"$tmp/err" || fail "status $?: $(cat "$tmp/err")"
# col CONFIG VCPUS COLUMN: a value of results.csv, by header name.
col() { awk -F, -v c="$1" -v v="$2" -v k="$3" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
	$1 == c && $2 == v { print $h[k] }' "$tmp/out/results.csv"; }
want() { # CONFIG VCPUS COLUMN VALUE
	got=$(col "$1" "$2" "$3")
	[ "$got" = "$4" ] || fail "$1 $2 vCPUs $3: got '$got', want '$4'"
}
# exitprof, 1 vCPU: added 50-40 = 10 us and 56-44 = 12 us: median 11 us; vs perf-record per
# round 10/40 = 0.25 and 12/40 = 0.30: median 0.275. ns per exit median (50+56)/2 = 53 us;
# baseline median 42 us; 11/42 = 26.190 %.
want exitprof 1 added_ns 11000.000
want exitprof 1 added_ns_min 10000.000
want exitprof 1 added_ns_max 12000.000
want exitprof 1 vs_perf_record 0.275
want exitprof 1 ns_per_exit 53000.000
want exitprof 1 added_pct_of_round_trip 26.190
# 2 vCPUs: baseline 82 ms / 2000 = 41 us, round 2: 44 us; exitprof 52 and 56 us: added 11 and
# 12 us, median 11.5 us; perf-record 81 and 85 us: added 40 and 41 us, median 40.5 us.
want exitprof 2 added_ns 11500.000
want perf-record 2 added_ns 40500.000
want baseline 1 added_ns ""
grep -q 'programs per exit (kvm_exit + kvm_entry, medians): exitprof 13000 ns' "$tmp/table" ||
	fail "programs per exit: $(grep 'programs per exit' "$tmp/table")"
[ "$(wc -l <"$tmp/out/runs.csv")" = 19 ] || fail "runs.csv: $(wc -l <"$tmp/out/runs.csv") lines, want 1 + 18 vCPU runs"
# The scale run's memory: RSS 1000 kB from 0 s, 1200 kB from 30 s (start-up), 1204 kB from 90 s
# to the end at 150 s: 1200 kB is the sample 60 s in, 1204 kB the last, +4 kB.
cp "$tmp/console.log" "$tmp/scale.log"
for t in 0 30 60 90 120 150; do
	rss=1000
	[ $t -ge 30 ] && rss=1200
	[ $t -ge 90 ] && rss=1204
	echo "LAB-BENCH scale-sample t=$t.0 rss_kb=$rss cpu_ticks=$t live=2" >>"$tmp/scale.log"
done
"$exe" "$tmp/scale.log" -o "$tmp/scale" >"$tmp/scale.table" 2>&1 || fail "scale log refused: $(cat "$tmp/scale.table")"
grep -q '^scale: exitprof RSS 1200 kB at 60 s, 1204 kB at the end (150 s): +4 kB$' "$tmp/scale.table" ||
	fail "scale RSS: $(grep '^scale:' "$tmp/scale.table")"
[ "$(wc -l <"$tmp/scale/scale.csv")" = 7 ] || fail "scale.csv: $(wc -l <"$tmp/scale/scale.csv") lines, want 1 + 6"
if command -v gnuplot >/dev/null; then
	[ -s "$tmp/out/results.png" ] && grep -q 'exitprof' "$tmp/out/results.svg" || fail "no plot"
fi

# Refusals: one line naming cause and fix, status 1.
refuse() { # NEEDLE ARGS...
	local needle=$1
	shift
	"$exe" "$@" >/dev/null 2>"$tmp/err"
	local rc=$?
	[ "$rc" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "^bench/summarize: .*$needle" "$tmp/err" ||
		fail "$* -> $rc: $(cat "$tmp/err")"
}
refuse "cannot read" "$tmp/none.log" -o "$tmp/o2"
grep -v 'config=baseline' "$tmp/console.log" >"$tmp/nobase.log"
refuse "no baseline runs" "$tmp/nobase.log" -o "$tmp/o3"
: >"$tmp/empty.log"
refuse "no LAB-BENCH run lines" "$tmp/empty.log" -o "$tmp/o4"
refuse "usage" "$tmp/console.log"
echo "$fails failure(s)"
[ "$fails" = 0 ]
