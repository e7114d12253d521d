# Helpers for the lab's checks inside L1 (busybox sh). Sourced by /lab/run-checks.
#
# Every check reports exactly one line per result on the serial console:
#   LAB-RESULT <name> PASS|FAIL|SKIP <detail>
# lab/run on the host parses those lines; nothing else on the console is machine-read.

TRACING=/sys/kernel/tracing
KVM_EXIT=$TRACING/events/kvm/kvm_exit
KVM_ENTRY=$TRACING/events/kvm/kvm_entry
# Artefacts of each run (guest output, exitprof CSV, hist dumps); /share is the host's 9p
# share when lab/run mounted one, else they stay in L1's tmpfs.
ART=${LAB_ART:-/tmp/lab}
mkdir -p "$ART"
LAB_NRESULTS=0

result() { # name status detail... (LAB_PREFIX names a second pass, e.g. swapped-)
	_n=${LAB_PREFIX:-}$1 _s=$2
	shift 2
	if [ -n "${LAB_DEFER:-}" ]; then
		# Held back (see result_flush): a check that may repeat its run reports only the last.
		LAB_DEFERRED="${LAB_DEFERRED:-}$_n $_s $*
"
		return
	fi
	LAB_NRESULTS=$((LAB_NRESULTS + 1))
	echo "LAB-RESULT $_n $_s $*"
}

result_flush() { # prints the held-back results, the detail of the last one extended by $1
	_extra=$1
	LAB_DEFER=""
	_left=$(printf '%s' "$LAB_DEFERRED" | grep -c .)
	printf '%s' "$LAB_DEFERRED" | {
		while read -r _n _s _d; do
			_left=$((_left - 1))
			[ $_left = 0 ] && [ -n "$_extra" ] && _d="$_d; $_extra"
			echo "LAB-RESULT $_n $_s $_d"
		done
	}
	LAB_NRESULTS=$((LAB_NRESULTS + $(printf '%s' "$LAB_DEFERRED" | grep -c .)))
	LAB_DEFERRED=""
}

have() { command -v "$1" >/dev/null 2>&1; }

# The TSC frequency in kHz: in the lab, the tsc_early_khz lab/run boots L1 with; on a real host,
# the kernel's own calibration from its log ("Refined TSC ..." wins over "Detected ...").
tsc_khz() {
	_k=$(sed -n 's/.*tsc_early_khz=\([0-9]*\).*/\1/p' /proc/cmdline)
	[ -n "$_k" ] || _k=$(dmesg | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p; s/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' |
		tail -n 1 | awk '{ printf "%d", $1 * 1000 }')
	echo "$_k"
}

# The ISA of this machine's KVM and its exit codes, never written here: mixguest --isa decides
# vmx or svm from the vendor module that initialized (user/microvm/host_isa.c) and names the codes
# of the exits the guests control; exitprof-cpuid --list-reasons prints the whole table of that
# ISA (user/guest/reasons.c, the one source of codes).
LAB_ISA="" LAB_ISA_WHY=""
LAB_REASONS=/tmp/lab-reasons.csv
LAB_GUEST_REASONS=/tmp/lab-guest-reasons.txt
: >"$LAB_REASONS"
: >"$LAB_GUEST_REASONS"
if have mixguest && mixguest --isa >/tmp/lab-isa.txt 2>&1; then
	LAB_ISA=$(sed -n 's/^ISA \([a-z]*\) .*/\1/p' /tmp/lab-isa.txt)
	LAB_ISA_WHY=$(sed -n 's/^ISA [a-z]* //p' /tmp/lab-isa.txt)
	sed -n 's/^REASON //p' /tmp/lab-isa.txt >"$LAB_GUEST_REASONS"
fi
if [ -n "$LAB_ISA" ] && have exitprof-cpuid; then
	exitprof-cpuid --list-reasons --isa "$LAB_ISA" | tail -n +2 >"$LAB_REASONS"
fi

reason_name() { # CODE (decimal or 0x hex): its name in this ISA's table, else reasonN
	awk -F, -v c="$(($1))" '$2 == c { sub(/^[^,]*,[^,]*,/, ""); print; f = 1; exit }
		END { if (!f) printf "reason%d\n", c }' "$LAB_REASONS"
}

reason_code() { # NAME: its decimal code in this ISA's table (empty if it has no such name)
	awk -F, -v n="$1" '{ c = $2; sub(/^[^,]*,[^,]*,/, "") } $0 == n { print c; exit }' "$LAB_REASONS"
}

guest_reason() { # LABEL (cpuid, io, msr, rdmsr, wrmsr, hlt): the code of that exit the guests control
	awk -v l="$1" '$1 == l { print $2; exit }' "$LAB_GUEST_REASONS"
}

# --- tracefs hist triggers: an oracle that counts every event, independent of exitprof ---
HIST_EXIT='hist:keys=common_pid,exit_reason:vals=hitcount:sort=common_pid,exit_reason:size=4096'
HIST_ENTRY='hist:keys=common_pid:vals=hitcount:size=1024'

hist_start() {
	echo "$HIST_EXIT" >"$KVM_EXIT/trigger" && echo "$HIST_ENTRY" >"$KVM_ENTRY/trigger"
}

hist_stop() { # dir: saves both histograms there, then removes the triggers
	cat "$KVM_EXIT/hist" >"$1/hist-exit.txt"
	cat "$KVM_ENTRY/hist" >"$1/hist-entry.txt"
	echo "!$HIST_EXIT" >"$KVM_EXIT/trigger"
	echo "!$HIST_ENTRY" >"$KVM_ENTRY/trigger"
}

# hist_counts HISTFILE TIDS...: prints "reason count" (decimal) summed over the given threads.
hist_counts() {
	_f=$1
	shift
	sed -n 's/[{},:]/ /g; s/^ *common_pid/common_pid/p' "$_f" |
		awk -v tids=" $* " '$1 == "common_pid" && index(tids, " " $2 " ") { n[$4] += $6 }
			END { for (r in n) print r, n[r] }' | sort -n
}

# hist_other_pids HISTFILE TIDS...: events of threads that are not the guest's ("pid:count ...").
hist_other_pids() {
	_f=$1
	shift
	sed -n 's/[{},:]/ /g; s/^ *common_pid/common_pid/p' "$_f" |
		awk -v tids=" $* " '$1 == "common_pid" && !index(tids, " " $2 " ") { n[$2] += $NF }
			END { for (p in n) printf "%s:%d ", p, n[p] }'
}

hist_entries() { # HISTFILE: total kvm_entry events
	sed -n 's/.*hitcount: *\([0-9]*\).*/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'
}

# lookup FILE KEY: the value of "KEY value" lines (0 if absent).
lookup() { awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"; }

# --- micro-guest runs ---

# wait_for_line FILE REGEX SECONDS PID: waits until FILE has a line matching REGEX, while PID lives.
wait_for_line() {
	_i=0
	while [ $_i -lt $(($3 * 10)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || { grep -q "$2" "$1" 2>/dev/null; return; }
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# wait_pid PID SECONDS: waits for a child to end; returns its status, 124 on timeout (then kills).
wait_pid() {
	_i=0
	while kill -0 "$1" 2>/dev/null; do
		if [ $_i -ge $(($2 * 10)) ]; then
			kill -9 "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			return 124
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	wait "$1"
}

# profiler_attached PID ERRFILE: exitprof has attached when it says "profiling ..." on stderr
# (it prints that after attaching), or, should that message change, once it holds at least 2
# bpf_link/perf_event fds (kvm_exit, kvm_entry) and their number has not grown for 0.5 s.
profiler_attached() {
	_last=-1 _stable=0 _i=0
	while [ $_i -lt 300 ] && kill -0 "$1" 2>/dev/null; do
		grep -q '^exitprof: profiling' "$2" 2>/dev/null && return 0
		_n=$(ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'bpf_link\|perf_event')
		if [ "$_n" -ge 2 ] && [ "$_n" = "$_last" ]; then
			_stable=$((_stable + 1))
			[ $_stable -ge 5 ] && return 0
		else
			_stable=0
		fi
		_last=$_n
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# guest_start DIR MIXGUEST-ARGS...: a fresh DIR, the hist triggers on, `mixguest --wait` started
# (pid in GUEST_PID, output in DIR/guest.out and guest.err) and READY. Returns 1 if the triggers
# could not be set, 2 if the guest did not get ready (then it is ended, the histograms saved).
guest_start() {
	_gdir=$1
	shift
	rm -rf "$_gdir"
	mkdir -p "$_gdir"
	hist_start || return 1
	mixguest --wait "$@" >"$_gdir/guest.out" 2>"$_gdir/guest.err" &
	GUEST_PID=$!
	wait_for_line "$_gdir/guest.out" '^READY' 10 $GUEST_PID && return 0
	wait_pid $GUEST_PID 5
	hist_stop "$_gdir"
	return 2
}

# run_guest NAME MIXGUEST-ARGS...: one profiled micro-guest run, in this order:
#   hist triggers on; guest creates its VM and waits; exitprof --vm attaches; guest runs; guest
#   exits; exitprof sees the VM gone and writes its CSV; hist triggers off.
# Leaves in $ART/NAME: guest.out, guest.err, exitprof.csv, exitprof.err, hist-*.txt, status.
# Sets GUEST_DIR, GUEST_TIDS, GUEST_RC, PROF_RC (PROF_RC=skip when exitprof is not there).
# PROF_ARGS: extra exitprof options.
run_guest() {
	GUEST_NAME=$1
	shift
	GUEST_DIR=$ART/$GUEST_NAME
	GUEST_RC=0 PROF_RC=skip GUEST_TIDS=""
	guest_start "$GUEST_DIR" "$@"
	case $? in
	1) GUEST_RC=hist; return ;;
	2) GUEST_RC=noready; return ;;
	esac
	_gpid=$GUEST_PID
	if have exitprof; then
		exitprof --vm $_gpid --csv "$GUEST_DIR/exitprof.csv" ${PROF_ARGS:-} >"$GUEST_DIR/exitprof.out" \
			2>"$GUEST_DIR/exitprof.err" &
		_ppid=$!
		profiler_attached $_ppid "$GUEST_DIR/exitprof.err" || echo "lab: exitprof did not attach within 30 s" >>"$GUEST_DIR/exitprof.err"
	fi
	kill -USR1 $_gpid
	wait_pid $_gpid "${GUEST_TIMEOUT:-60}"
	GUEST_RC=$?
	if [ -n "${_ppid:-}" ]; then
		# exitprof ends by itself when the VM's process is gone; SIGINT if it does not.
		wait_pid_int $_ppid 20
		PROF_RC=$?
		_ppid=""
	fi
	hist_stop "$GUEST_DIR"
	GUEST_TIDS=$(sed -n 's/^VCPU [0-9]* tid=//p' "$GUEST_DIR/guest.out" | tr '\n' ' ')
}

wait_pid_int() { # PID SECONDS: like wait_pid, but asks with SIGINT first (exitprof prints then)
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $(($2 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -0 "$1" 2>/dev/null && { kill -INT "$1"; echo "lab: exitprof did not end by itself; sent SIGINT" >>"$GUEST_DIR/exitprof.err"; }
	wait_pid "$1" 10
}

# guest_failure: explains a failed run; a guest that never entered is a lab failure, not a
# profiler failure (see docs/lab.md, "TSC calibration").
guest_failure() {
	_entries=$(hist_entries "$GUEST_DIR/hist-entry.txt" 2>/dev/null || echo 0)
	if [ "$GUEST_RC" = 124 ] && [ "$_entries" = 0 ]; then
		echo "LAB FAILURE: micro-guest hung with 0 kvm_entry events (KVM_RUN never entered the guest; check 'tsc: Unable to calibrate' in the L1 log)"
	else
		echo "micro-guest failed (status $GUEST_RC, $_entries kvm_entry events): $(head -c 200 "$GUEST_DIR/guest.err" | tr '\n' ' ')"
	fi
}

# expect_counts: "reason count" (decimal) of the exits the guest says it controls.
expect_counts() { expect_counts_of "$GUEST_DIR/guest.out"; }

expect_counts_of() { # GUEST-OUTPUT: the same, from that file
	sed -n 's/^EXPECT reason=\(0x[0-9a-f]*\) name=[a-z]* count=\([0-9]*\)/\1 \2/p' "$1" |
		while read -r r c; do echo "$((r)) $c"; done
}

# --- exitprof's CSV (docs/output.md) against the other counters ---

# exitprof_counts CSV [VCPU]: "reason count timed total_ns min_ns avg_ns max_ns user_ns halt_ns"
# per reason (decimal), summed over the VM's vCPUs (or only vCPU VCPU's), from the rows of kind
# "total". Columns found by header name (docs/output.md), so added columns do not break it.
# Malformed rows print "malformed".
exitprof_counts() {
	tr -d '\r' <"$1" | awk -F, -v vcpu="${2:-}" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; nf = NF; next }
		NF != nf { print "malformed", NR; next }
		$c["kind"] != "total" || (vcpu != "" && $c["vcpu"] != vcpu) { next }
		{
			r = $c["reason"]; n[r] += $c["count"]; t[r] += $c["timed"]; ns[r] += $c["total_ns"]
			u[r] += $c["user_ns"]; h[r] += $c["halt_ns"]
			if ($c["min_ns"] != "" && (!(r in mn) || $c["min_ns"] < mn[r])) mn[r] = $c["min_ns"]
			if ($c["max_ns"] != "" && $c["max_ns"] > mx[r]) mx[r] = $c["max_ns"]
		}
		END { for (r in n) printf "%s %d %d %d %d %d %d %d %d\n", r, n[r], t[r], ns[r], mn[r] + 0,
			t[r] ? ns[r] / t[r] : 0, mx[r] + 0, u[r], h[r] }' | sort -n
}

# table_counts FILE: "reason count" (decimal) of the last total table exitprof printed in FILE
# (its stdout, or its stderr when the table moved there), summed over its blocks; the reasons
# by name through this ISA's table, UNKNOWN(0x..) by code. Nothing if FILE has no total table.
table_counts() {
	tr -d '\r' <"$1" | awk '/^=== exitprof / { t = ($3 == "total:"); if (t) { split("", n); seen = 1 } next }
		t && $1 != "REASON" && $1 != "WARNING:" && $2 ~ /^[0-9]+$/ && NF >= 3 { n[$1] += $2 }
		END { if (seen) for (r in n) print r, n[r] }' |
		while read -r _nm _c; do
			case $_nm in
			UNKNOWN*) _code=$(($(echo "$_nm" | sed 's/UNKNOWN(\(0x[0-9a-fA-F]*\))/\1/'))) ;;
			*) _code=$(reason_code "$_nm") ;;
			esac
			echo "${_code:-name:$_nm} $_c"
		done | sort -n
}

# diff_counts WANT GOT: "name want got" for every reason of WANT whose count differs in GOT
# (both files "reason count ..."); empty when all agree.
diff_counts() {
	awk 'NR == FNR { w[$1] = $2; next } { g[$1] = $2 }
		END { for (r in w) if (w[r] != g[r] + 0) printf "%s:want=%s,got=%d ", r, w[r], g[r] }' "$1" "$2"
}

# brief FILE: "name=count ..." of a "reason count" file, for details.
brief() {
	while read -r r c _; do printf '%s=%s ' "$(reason_name "$r")" "$c"; done <"$1"
}
