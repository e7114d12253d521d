# Micro-guests (lab/guests/mixguest): running them, waiting for them, what they say they did.

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

wait_pid_int() { # PID SECONDS: like wait_pid, but asks with SIGINT first (exitprof prints then)
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $(($2 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -0 "$1" 2>/dev/null && { kill -INT "$1"; echo "lab: exitprof did not end by itself; sent SIGINT" >>"$GUEST_DIR/exitprof.err"; }
	wait_pid "$1" 10
}

# keeper_start / keeper_stop: one idle VM for a whole pass of the checks. KVM flips the
# preempt-notifier static key (a jump label inside __schedule) whenever the number of VMs goes
# 0 <-> 1, and under multi-threaded TCG such a flip once killed L1 with "Oops: int3" (docs/lab.md).
# With this VM alive, no check's VM is the first.
keeper_start() {
	have mixguest || return 0
	mixguest --wait cpuid=0 >/tmp/lab-keeper.out 2>&1 &
	LAB_KEEPER=$!
	wait_for_line /tmp/lab-keeper.out '^READY' 10 $LAB_KEEPER
}

keeper_stop() {
	[ -n "${LAB_KEEPER:-}" ] && kill -9 "$LAB_KEEPER" 2>/dev/null && wait "$LAB_KEEPER" 2>/dev/null
	LAB_KEEPER=""
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
	GUEST_TIDS=$(guest_tids "$GUEST_DIR/guest.out")
}

guest_tids() { sed -n 's/^VCPU [0-9]* tid=//p' "$1" | tr '\n' ' '; } # GUEST-OUTPUT: its vCPU threads

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

# expect_lines GUEST-OUTPUT: "code label count" (decimal code) of each exit reason the guest says
# it controls (its EXPECT lines; the label is mixguest's: cpuid, io, msr, hlt, ...).
expect_lines() {
	sed -n 's/^EXPECT reason=\(0x[0-9a-f]*\) name=\([^ ]*\) count=\([0-9]*\)$/\1 \2 \3/p' "$1" |
		while read -r r l c; do echo "$((r)) $l $c"; done
}

expect_code() { # GUEST-OUTPUT LABEL: the decimal code of that label's EXPECT line (empty if none)
	expect_lines "$1" | awk -v l="$2" '$2 == l { print $1; exit }'
}

expect_counts_of() { expect_lines "$1" | cut -d' ' -f1,3; } # GUEST-OUTPUT: "reason count" of those

# expect_count_named COUNTS NAME: the guest's count, in COUNTS (expect_counts_of), of the exit
# reason NAME as this ISA's table names it (matched by code); empty if the table has no such name
# or the guest did not count that reason.
expect_count_named() {
	_ecn=$(reason_code "$2")
	[ -n "$_ecn" ] || return 0
	awk -v c="$_ecn" '$1 == c { print $2 }' "$1"
}

expect_counts() { expect_counts_of "$GUEST_DIR/guest.out"; } # the same, of the last run_guest

# The CPUID leaves a guest read (mixguest --snapshot / --query), one line per read:
# "LEAF vcpu=0 idx=N in_eax=0x.. in_ecx=0x.. eax=0x.. ebx=0x.. ecx=0x.. edx=0x..".
leaf_regs() { # GUEST-OUTPUT IDX: "eax ebx ecx edx" (hex) of read IDX
	sed -n "s/^LEAF vcpu=0 idx=$2 .* eax=\([^ ]*\) ebx=\([^ ]*\) ecx=\([^ ]*\) edx=\([^ ]*\)/\1 \2 \3 \4/p" "$1"
}

leaf_field() { # GUEST-OUTPUT IDX FIELD: one field of read IDX (in_ecx, eax, ...), as a decimal number
	printf '%d' "$(sed -n "s/^LEAF vcpu=0 idx=$2 .* $3=\(0x[0-9a-f]*\).*/\1/p" "$1")"
}

# mix_scale K MIXGUEST-ARGS...: the same arguments, each mix's cpuid, io and msr counts times K
# (options, spin= and the rest as they are), one line for `set --` or an unquoted expansion.
mix_scale() {
	_msk=$1
	shift
	for _msa in "$@"; do
		case $_msa in
		-*) printf '%s ' "$_msa" ;;
		*=*) printf '%s ' "$(echo "$_msa" | awk -v k="$_msk" -v OFS=, -F, '{
			for (i = 1; i <= NF; i++) { split($i, kv, "=")
				if (kv[1] == "cpuid" || kv[1] == "io" || kv[1] == "msr") $i = sprintf("%s=%.0f", kv[1], kv[2] * k) }
			print }')" ;;
		*) printf '%s ' "$_msa" ;;
		esac
	done
	echo
}

# guest_scale MS MIXGUEST-ARGS...: a guest sized in exits lasts as long as L1 takes for them,
# and L1's clock runs at very different rates per exit (QEMU's lab: about 40 us per exit; Bochs:
# far less, docs/lab.md). This runs ARGS once, unprofiled, reads the run's length (its TIME run
# line) and sets GUEST_SCALE, the factor (at least 1) for mix_scale that makes the run last MS ms
# of L1's clock, and SCALE_NOTE, what was measured (for a result's detail). A failed measuring
# run gives 1 and says so.
guest_scale() {
	_gsms=$1
	shift
	mixguest "$@" >"$ART/scale.out" 2>&1
	_gsns=$(sed -n 's/^TIME run ns=\([0-9]*\)$/\1/p' "$ART/scale.out")
	if [ -z "$_gsns" ] || [ "$_gsns" = 0 ]; then
		GUEST_SCALE=1
		SCALE_NOTE="sizing run failed ($(head -c 100 "$ART/scale.out" | tr '\n' ' ')), counts x1"
		return
	fi
	GUEST_SCALE=$(awk -v ns="$_gsns" -v ms="$_gsms" 'BEGIN { k = int(ms * 1e6 / ns); if (k * ns < ms * 1e6) k++
		print (k < 1 ? 1 : k) }')
	SCALE_NOTE=$(awk -v ns="$_gsns" -v ms="$_gsms" -v k="$GUEST_SCALE" 'BEGIN {
		printf "counts x%d (the guest unprofiled: %.1f ms of L1 time, want >= %d ms)", k, ns / 1e6, ms }')
}
