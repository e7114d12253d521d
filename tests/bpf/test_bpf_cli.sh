#!/usr/bin/env bash
# exitprof against the real kernel (root): runs and exits 0, its programs are attached to
# kvm:kvm_exit/kvm:kvm_entry while it runs and gone afterwards (bpftool prog/perf list), and
# SIGINT, SIGTERM and the profiled VM exiting each end the run with a summary, complete
# CSV/JSON and status 0. Usage: test_bpf_cli.sh EXITPROF KVM_HOLDER. Exits 77 if not root.
set -u
exe=$1 holder=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v bpftool >/dev/null || { echo "SKIP: bpftool missing"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: no kernel BTF"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

progs() { bpftool prog list | grep -c 'name handle_kvm_' || true; }
# Waits (at most 30 s: a slow or busy host) until exitprof says it is profiling, i.e. attached.
attached() { for _ in $(seq 1 300); do grep -q 'profiling every VM' "$1" && return 0; sleep 0.1; done; return 1; }
before=$(progs)

# 1. A plain timed run.
if "$exe" --all --duration 1 >"$tmp/out" 2>"$tmp/err"; then
	grep -q "=== exitprof total: 1.0" "$tmp/out" || fail "no total table: $(cat "$tmp/out")"
	echo "ok: --all --duration 1 exits 0"
else
	fail "--all --duration 1 -> $?: $(cat "$tmp/err")"
fi
[ "$(progs)" = "$before" ] || fail "programs left after --duration 1"

# 2. Attached to the real tracepoints while running.
"$exe" --all --duration 3 >/dev/null 2>"$tmp/att.err" &
pid=$!
attached "$tmp/att.err" || fail "no 'profiling' line within 30 s: $(cat "$tmp/att.err")"
bpftool perf list >"$tmp/perf" 2>&1
for tp in kvm_exit kvm_entry kvm_userspace_exit kvm_vcpu_wakeup; do
	grep -q "pid $pid .*tracepoint  *$tp\$" "$tmp/perf" || fail "$tp not attached by pid $pid: $(cat "$tmp/perf")"
done
wait $pid || fail "--duration 3 -> $?"
bpftool perf list | grep -q "pid $pid " && fail "still attached after exit"
echo "ok: attached to kvm_exit, kvm_entry, kvm_userspace_exit, kvm_vcpu_wakeup while running"

# 2b. --max-keys sizes the kernel's exits map (the lab fills it: check fault-map-full).
"$exe" --all --max-keys 7 --duration 3 >/dev/null 2>"$tmp/mk.err" &
pid=$!
attached "$tmp/mk.err" || fail "--max-keys 7: no 'profiling' line within 30 s: $(cat "$tmp/mk.err")"
# This exitprof's kvm_exit program (others may run on the host), then its maps.
ids=$(bpftool perf list | sed -n "s/^pid $pid .*prog_id \\([0-9]*\\) .*tracepoint  *kvm_exit\$/\\1/p")
maps=$(for id in $ids; do bpftool prog show id "$id" | sed -n 's/.*map_ids \([0-9,]*\).*/\1/p' | tr ',' ' '; done)
mk=$(for m in $maps; do bpftool map show id "$m"; done | grep -A1 ' name exits ' | grep -o 'max_entries [0-9]*' | sort -u)
[ "$mk" = "max_entries 7" ] || fail "--max-keys 7: exitprof's exits map says '$mk' (programs: $ids)"
wait $pid || fail "--max-keys 7 --duration 3 -> $?"
echo "ok: --max-keys 7 -> the kernel's exits map has $mk"

# 3. Signals: summary, complete files, status 0, nothing left attached.
for sig in INT TERM; do
	"$exe" --all --interval 0.3 --csv "$tmp/$sig.csv" --json "$tmp/$sig.json" >"$tmp/$sig.out" 2>&1 &
	pid=$!
	# Two interval reports written before the signal, however slow the host.
	for _ in $(seq 1 300); do [ "$(grep -c '"kind":"interval"' "$tmp/$sig.json" 2>/dev/null)" -ge 2 ] && break; sleep 0.1; done
	kill -$sig $pid
	wait $pid
	rc=$?
	[ "$rc" = 0 ] || fail "SIG$sig -> status $rc"
	grep -q "=== exitprof total" "$tmp/$sig.out" || fail "SIG$sig: no summary"
	head -1 "$tmp/$sig.csv" | grep -q '^time_s,kind,tgid,vcpu' || fail "SIG$sig: CSV header"
	tail -1 "$tmp/$sig.json" | grep -q '^{"kind":"total"' || fail "SIG$sig: JSON does not end with the total"
	n=$(grep -c '"kind":"interval"' "$tmp/$sig.json")
	[ "$n" -ge 2 ] || fail "SIG$sig: $n interval reports (2 awaited before the signal)"
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/$sig.json" ||
		fail "SIG$sig: JSON lines do not parse"
	echo "ok: SIG$sig -> summary, $n intervals, status $rc"
done

# 4. Even SIGKILL leaves nothing attached: the attachments live in exitprof's file descriptors.
"$exe" --all >/dev/null 2>"$tmp/kill.err" &
pid=$!
attached "$tmp/kill.err" || fail "no 'profiling' line within 30 s: $(cat "$tmp/kill.err")"
bpftool prog list | grep -q 'name handle_kvm_exit' || fail "not loaded before SIGKILL"
kill -KILL $pid
wait $pid 2>/dev/null
# The kernel frees programs shortly after the fds close (RCU): wait for it, bounded.
for _ in $(seq 1 50); do [ "$(progs)" = "$before" ] && break; sleep 0.1; done
[ "$(progs)" = "$before" ] && echo "ok: SIGKILL -> nothing left" || fail "programs left after SIGKILL"

# 5. The profiled VM exits mid-run: summary so far, status 0, well before --duration.
"$holder" 2 >"$tmp/holder" &
hpid=$!
for _ in $(seq 1 300); do grep -q ready "$tmp/holder" 2>/dev/null && break; sleep 0.1; done
if grep -q ready "$tmp/holder"; then
	start=$(date +%s)
	"$exe" --vm $hpid --duration 30 >"$tmp/vm.out" 2>"$tmp/vm.err"
	rc=$?
	took=$(($(date +%s) - start))
	[ "$rc" = 0 ] || fail "VM exit -> status $rc: $(cat "$tmp/vm.err")"
	grep -q "VM pid $hpid exited after" "$tmp/vm.err" || fail "no 'exited' line: $(cat "$tmp/vm.err")"
	grep -q "=== exitprof total" "$tmp/vm.out" || fail "no summary after the VM exited"
	[ "$took" -lt 10 ] || fail "took $took s to notice the VM exit"
	echo "ok: VM exit mid-run -> status $rc after ${took} s"
else
	echo "note: kvm_holder could not create a VM; VM-exit case not run"
fi
wait $hpid 2>/dev/null

# 6. A VMM whose main thread ends while another thread goes on (pthread_exit) is profiled until
#    its last thread ends (3 s here), not stopped when its leader becomes a zombie.
"$holder" 3 leader-exit >"$tmp/holder2" &
hpid=$!
for _ in $(seq 1 300); do grep -q ready "$tmp/holder2" 2>/dev/null && break; sleep 0.1; done
if grep -q ready "$tmp/holder2"; then
	sleep 0.3 # the leader has ended
	t0=$(date +%s.%N)
	"$exe" --vm $hpid --duration 30 >"$tmp/vm2.out" 2>"$tmp/vm2.err"
	rc=$?
	took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	[ "$rc" = 0 ] || fail "leader-exit VMM -> status $rc: $(cat "$tmp/vm2.err")"
	grep -q "VM pid $hpid exited after" "$tmp/vm2.err" || fail "leader-exit VMM: no 'exited' line: $(cat "$tmp/vm2.err")"
	awk -v t="$took" 'BEGIN { exit !(t >= 2.0) }' || fail "leader-exit VMM: stopped after $took s, its thread lived 3 s"
	echo "ok: VMM with an ended main thread profiled until its last thread ended (${took} s)"
else
	echo "note: kvm_holder could not create a VM; leader-exit case not run"
fi
wait $hpid 2>/dev/null

# 7. Outputs that fail. A full --json file: one line, the run goes on, the table still has
#    the total, status 1. A full stdout: the table goes to stderr instead, status 1.
"$exe" --all --interval 0.3 --duration 1 --json /dev/full >"$tmp/full.out" 2>"$tmp/full.err"
rc=$?
[ "$rc" = 1 ] || fail "--json /dev/full -> status $rc"
[ "$(grep -c 'cannot write --json /dev/full (No space left on device)' "$tmp/full.err")" = 1 ] ||
	fail "--json /dev/full: want one error line: $(cat "$tmp/full.err")"
grep -q '=== exitprof total' "$tmp/full.out" || fail "--json /dev/full: the total table was lost"
"$exe" --all --duration 1 >/dev/full 2>"$tmp/full2.err"
rc=$?
[ "$rc" = 1 ] && grep -q 'cannot write the table (No space left on device)' "$tmp/full2.err" &&
	grep -q '=== exitprof total' "$tmp/full2.err" || fail "stdout /dev/full -> $rc: $(cat "$tmp/full2.err")"
echo "ok: a full output file or stdout -> one line, the counts still shown, status 1"

# 8. --interval piped into a reader that quits: a clean, quiet end (status 0) at the next write.
t0=$(date +%s)
"$exe" --all --interval 0.2 --duration 30 2>"$tmp/pipe.err" | head -n 1 >/dev/null
st=("${PIPESTATUS[@]}")
took=$(($(date +%s) - t0))
[ "${st[0]}" = 0 ] || fail "reader quit -> status ${st[0]}: $(cat "$tmp/pipe.err")"
grep -v 'profiling every VM' "$tmp/pipe.err" | grep -q . && fail "reader quit: stderr: $(cat "$tmp/pipe.err")"
[ "$took" -lt 20 ] || fail "reader quit: ran on for $took s"
echo "ok: reader quits -> status ${st[0]} after ${took} s, quietly"

# 9. EXITPROF_TRACEPOINTS. A bad value: one line, status 1. classic: the tp/ programs. btf: the
#    tp_btf/ ones where this kernel's BTF (bpftool's view, independent of exitprof's own probe)
#    has a vendor vCPU struct, else one line naming what is missing, status 1. Unset: the same
#    choice as btf would make, falling back to classic.
EXITPROF_TRACEPOINTS=bogus "$exe" --all --duration 1 >"$tmp/tp.out" 2>"$tmp/tp.err"
rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <"$tmp/tp.err")" = 1 ] && grep -q '^exitprof: EXITPROF_TRACEPOINTS=bogus is not a kind of tracepoint: ' "$tmp/tp.err" ||
	fail "EXITPROF_TRACEPOINTS=bogus -> $rc: $(cat "$tmp/tp.err")"
EXITPROF_TRACEPOINTS=classic "$exe" --all --duration 1 --bpf-stats >/dev/null 2>"$tmp/tp.err" ||
	fail "EXITPROF_TRACEPOINTS=classic -> $?: $(cat "$tmp/tp.err")"
grep -q 'bpf-stats handle_kvm_exit ' "$tmp/tp.err" && ! grep -q '_btf ' "$tmp/tp.err" ||
	fail "EXITPROF_TRACEPOINTS=classic did not load the classic programs: $(cat "$tmp/tp.err")"
vendor_btf=0
for b in /sys/kernel/btf/vmlinux /sys/kernel/btf/kvm_amd /sys/kernel/btf/kvm_intel; do
	[ -r "$b" ] || continue
	base=(); [ "$b" = /sys/kernel/btf/vmlinux ] || base=(base /sys/kernel/btf/vmlinux)
	bpftool btf dump file "$b" "${base[@]}" 2>/dev/null | grep -q "STRUCT 'vcpu_\(svm\|vmx\)'" && vendor_btf=1
done
EXITPROF_TRACEPOINTS=btf "$exe" --all --duration 1 --bpf-stats >/dev/null 2>"$tmp/tp.err"
rc=$?
if [ $vendor_btf = 1 ]; then
	[ "$rc" = 0 ] && grep -q 'bpf-stats handle_kvm_exit_\(btf\|cast\) ' "$tmp/tp.err" ||
		fail "EXITPROF_TRACEPOINTS=btf with vendor BTF -> $rc: $(cat "$tmp/tp.err")"
	want=btf
else
	[ "$rc" = 1 ] && [ "$(wc -l <"$tmp/tp.err")" = 1 ] && grep -q 'EXITPROF_TRACEPOINTS=btf, but .* has no struct vcpu_' "$tmp/tp.err" ||
		fail "EXITPROF_TRACEPOINTS=btf without vendor BTF -> $rc: $(cat "$tmp/tp.err")"
	want=classic
fi
"$exe" --all --duration 1 --verbose >/dev/null 2>"$tmp/tp.err" || fail "unset EXITPROF_TRACEPOINTS -> $?"
grep -q "^exitprof: $want tracepoints" "$tmp/tp.err" ||
	fail "unset EXITPROF_TRACEPOINTS: want $want: $(grep tracepoints "$tmp/tp.err")"
echo "ok: EXITPROF_TRACEPOINTS: bogus refused, classic loads tp/, btf $([ $want = btf ] && echo loads tp_btf/ || echo refused without vendor BTF), unset picks $want"

[ "$(progs)" = "$before" ] || fail "BPF programs before: $before, after: $(progs)"
echo "$fails failure(s)"
[ "$fails" = 0 ]
