#!/usr/bin/env bash
# `exitprof record` and `exitprof plot` on bad input, and record's process handling on this host
# (where no VM exit ever fires: the VMM stand-ins are ordinary commands). Checks for each case:
# the exit status, a message naming the cause, and for record that the "VMM" ran only when it
# should (a marker file it would create). Usage: test_record_cli.sh EXITPROF_BINARY
# The process-handling cases need root and the kvm tracepoints (BPF attaches first); without
# them they are skipped (and said so).
. "$(dirname "$0")/lib.sh"
exe=$1
ran_bpf=0

check() { # NAME CONDITION-STATUS DETAIL
	if [ "$2" = 0 ]; then echo "ok: $1"; else fail "$1: $3"; fi
}

runner=()
. "$(dirname "$0")/expect_lib.sh"

# Command-line errors: status 2, nothing run.
expect 2 "--boot is required" -- record -o "$tmp/x.csv" -- touch "$tmp/ran"
expect 2 "missing the timeline's file: add -o" -- record --boot -- touch "$tmp/ran"
expect 2 "missing the VMM command" -- record --boot -o "$tmp/x.csv"
expect 2 "--bin '0'" -- record --boot --bin 0 -o "$tmp/x.csv" -- touch "$tmp/ran"
expect 2 "--duration 'abc'" -- record --boot --duration abc -o "$tmp/x.csv" -- touch "$tmp/ran"
# One number syntax for every option: hex is no decimal, here as in exitprof --bin.
expect 2 "--bin '0x10' is not a bin width" -- record --boot --bin 0x10 -o "$tmp/x.csv" -- touch "$tmp/ran"
expect 2 "--bin '0x10' is not a bin width" -- --vm 1 --timeline "$tmp/t.csv" --bin 0x10
expect 2 "--top '0x8'" -- plot "$tmp/x.csv" -o "$tmp/x.svg" --top 0x8
expect 2 "missing the timeline CSV" -- plot -o "$tmp/x.svg"
expect 2 "must end in .svg or .png" -- plot "$tmp/x.csv" -o "$tmp/x.pdf"
expect 2 "--timeline needs one VM" -- --all --timeline "$tmp/t.csv"
# Runtime errors before anything runs: status 1.
expect 1 "-o /nonexistent/dir/x.csv" -- record --boot -o /nonexistent/dir/x.csv -- touch "$tmp/ran"
expect 1 "cannot read $tmp/none.csv" -- plot "$tmp/none.csv" -o "$tmp/x.svg"
printf 'a,b\n1,2\n' >"$tmp/bad.csv"
expect 1 "header" -- plot "$tmp/bad.csv" -o "$tmp/x.svg"
[ ! -e "$tmp/ran" ]
check "no VMM ran on a bad command line or output path" $? "$tmp/ran exists"

if [ "$(id -u)" = 0 ] && { [ -d /sys/kernel/tracing/events/kvm/kvm_exit ] || [ -d /sys/kernel/debug/tracing/events/kvm/kvm_exit ]; }; then
	ran_bpf=1
	# A command that cannot be executed: named, status 1.
	expect 1 "cannot run '$tmp/nonexistent'" -- record --boot -o "$tmp/x.csv" -- "$tmp/nonexistent"
	# A "VMM" that never enters a VM: it runs (once BPF is attached), its stdout is passed
	# through and captured, the CSV is just the header, status 1 with the reason.
	"$exe" record --boot -o "$tmp/x.csv" --console "$tmp/con.csv" -- \
		sh -c "touch '$tmp/ran2'; echo line-one; echo 'line, two'" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 1 ] && grep -q "never entered its VM" "$tmp/err"
	check "record of a non-KVM command: status 1, 'never entered'" $? "status $rc; $(head -c 300 "$tmp/err")"
	[ -e "$tmp/ran2" ] && grep -qx line-one "$tmp/out"
	check "the command ran and its stdout was passed through" $? "$(head -c 200 "$tmp/out")"
	[ "$(tr -d '\r' <"$tmp/x.csv")" = "t_ms,vcpu,isa,reason,reason_name,count,time_ns" ]
	check "timeline CSV of a VM that never entered: header only" $? "$(head -c 200 "$tmp/x.csv")"
	tr -d '\r' <"$tmp/con.csv" | sed -n 1p | grep -qx 't_ms,line' &&
		tr -d '\r' <"$tmp/con.csv" | grep -q ',"line, two"$'
	check "console CSV: header and the quoted line" $? "$(head -c 200 "$tmp/con.csv")"
	# --duration stops a VMM that does not end by itself (SIGTERM), within about a second.
	start=$(date +%s%N)
	"$exe" record --boot -o "$tmp/y.csv" --duration 0.5 -- sleep 30 >/dev/null 2>"$tmp/err"
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -lt 5000 ] && grep -q "duration reached" "$tmp/err" && grep -q "signal 15" "$tmp/err"
	check "--duration 0.5 ends 'sleep 30' with SIGTERM (${ms} ms)" $? "$(head -c 300 "$tmp/err")"
	[ -z "$(bpftool prog list 2>/dev/null | grep 'name handle_kvm_')" ]
	check "no BPF program left attached" $? "bpftool prog list shows handle_kvm_*"
fi

if [ $fails != 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
[ $ran_bpf = 1 ] || { echo "SKIP: the record process cases need root and the kvm tracepoints"; }
exit 0
