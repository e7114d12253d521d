# exitprof --compare-cpuid in L1 (docs/compare-cpuid.md): the patch's counters, read through the
# leaves by exitprof's own query VM, against exitprof's BPF counts over the same window.
#   compare-quiet      mode 1 (global), nothing else running: exit 0
#   compare-busy       mode 1 while a 2-vCPU micro-guest exits continuously, also during the two
#                      reads: exit 0, and the guest's exits are in the comparison (--vm PID:
#                      its share of the window is printed)
#   compare-pervm      mode 2 while the same guest runs: exit 0, per-VM mode named in the output
#   compare-contained  mode 1, a whole 2-vCPU guest run inside the window: exit 0, and the patch
#                      column's io/msr/cpuid rows equal what the guest controls (its EXPECT lines
#                      + the query VM's own n CPUIDs): a third, independent truth for the patch
#   compare-late       the --late-attach test hook (BPF attached after read 1): exit 1
#   compare-off        mode 0: exit 2 with one line saying the leaves are off
#   compare-absent     a kernel without the patch (lab/run --kernel debian-*): exit 2 with one
#                      line saying this kernel does not implement the leaves
# What is NOT compared here: exitprof-cpuid (the guest reader) cannot run in a micro-guest (bare
# code, no Linux); the patch column is checked against the guests' own counts instead.
CMP_PARAM=/sys/module/kvm/parameters/exit_stats
CMP_DIR=$ART/compare
# Busy guest: each vCPU repeats this mix until killed (mixguest --loop), so it outlasts the two
# comparisons however slowly the emulator runs L1 (Bochs is much slower than QEMU).
CMP_BUSY=${CMP_BUSY:-cpuid=3000,io=60,msr=20}
# This ISA's name of the cpuid exit, as the comparison's table rows say it (lib/machine.sh).
CMP_CPUID=$(reason_name "$(guest_reason cpuid)")

cmp_step() { # what: a console line with L1's uptime, so a stalled step shows where it stalled
	echo "LAB-LOG compare: $* uptime=$(cut -d' ' -f1 /proc/uptime)"
}

cmp_run() { # name args...: exitprof --compare-cpuid ARGS -> $CMP_DIR/name.{out,err}, CMP_RC
	_cn=$1
	shift
	cmp_step "$_cn: exitprof --compare-cpuid $*"
	exitprof --compare-cpuid "$@" >"$CMP_DIR/$_cn.out" 2>"$CMP_DIR/$_cn.err"
	CMP_RC=$?
	cmp_step "$_cn: exit $CMP_RC"
}

# cmp_times_only NAME: the comparison disagreed on times alone, every count equal: the one case
# a run may be repeated (a host pause of the emulator thread between the two counters' clock
# reads lands on one side only, docs/lab.md). Counts never get a second chance.
cmp_times_only() {
	[ "$CMP_RC" = 1 ] && grep -q "DIFFER: 0 of" "$CMP_DIR/$1.out"
}

cmp_row() { # name reason: "patch bpf diff own" of that table row
	awk -v r="$2" '$1 == r { print $2, $3, $4, $5; exit }' "$CMP_DIR/$1.out"
}

cmp_brief() { # name: total row, window, exactness, for the result's detail
	_t=$(cmp_row "$1" total)
	_w=$(sed -n 's/^compare-cpuid: window \([0-9.]* s\).*/\1/p' "$CMP_DIR/$1.out")
	_v=$(sed -n 's/^compare-cpuid: \(AGREE\|DIFFER\): \(.*\)/\1: \2/p' "$CMP_DIR/$1.out" | cut -c1-110)
	echo "window=$_w total(patch bpf diff own)=($_t) $_v"
}

cmp_expect() { # name want-rc: PASS/FAIL on the status alone (detail: the summary)
	if [ "$CMP_RC" = "$2" ]; then
		result "$1" PASS "exit $CMP_RC; $(cmp_brief "$1")"
	else
		result "$1" FAIL "exit $CMP_RC (want $2): $(head -c 300 "$CMP_DIR/$1.err" | tr '\n' ' ') $(cmp_brief "$1")"
	fi
}

if ! have exitprof || ! have mixguest; then
	result compare SKIP "exitprof or mixguest not in the initramfs"
elif [ ! -f $CMP_PARAM ]; then
	rm -rf "$CMP_DIR"
	mkdir -p "$CMP_DIR"
	cmp_run compare-absent --duration 1
	if [ "$CMP_RC" = 2 ] && [ "$(wc -l <"$CMP_DIR/compare-absent.err")" = 1 ] &&
		grep -q 'not implemented by this kernel' "$CMP_DIR/compare-absent.err"; then
		result compare-absent PASS "kernel without the patch (no $CMP_PARAM): exit 2: $(cat "$CMP_DIR/compare-absent.err")"
	else
		result compare-absent FAIL "exit $CMP_RC (want 2 and one line): $(head -c 300 "$CMP_DIR/compare-absent.err" | tr '\n' ' ')"
	fi
else
	rm -rf "$CMP_DIR" # a previous boot's files (the share persists) must not satisfy a wait
	mkdir -p "$CMP_DIR"
	_old=$(cat $CMP_PARAM)
	echo 1 >$CMP_PARAM
	# run-checks keeps an idle VM alive (keeper_start), so the query VMs and guests below never
	# take the number of VMs to or from 0.

	cmp_run compare-quiet --duration 1
	cmp_expect compare-quiet 0

	# A busy 2-vCPU guest across two comparisons (global, then per-VM).
	mixguest --loop $CMP_BUSY $CMP_BUSY >"$CMP_DIR/busy-guest.out" 2>"$CMP_DIR/busy-guest.err" &
	_gp=$!
	cmp_step "busy guest pid $_gp started"
	wait_for_line "$CMP_DIR/busy-guest.out" '^VCPU 1 ' 10 $_gp
	cmp_step "busy guest: $(grep -c '^VCPU ' "$CMP_DIR/busy-guest.out") vCPU threads running"
	sleep 0.3
	# At most 3 runs, as compare-contained below; the earlier runs' figures go into the detail.
	_earlier="" _run=1
	while :; do
		cmp_run compare-busy --duration 1 --vm $_gp
		cmp_times_only compare-busy && [ $_run -lt 3 ] || break
		_earlier="$_earlier run $_run: $(sed -n 's/^compare-cpuid: DIFFER: //p' "$CMP_DIR/compare-busy.out");"
		_run=$((_run + 1))
	done
	_busy_rc=$CMP_RC
	_busy_earlier=$_earlier
	_busy_alive=$(kill -0 $_gp 2>/dev/null && echo yes || echo no)
	echo 2 >$CMP_PARAM
	cmp_run compare-pervm --duration 1
	_pervm_rc=$CMP_RC
	_pervm_alive=$(kill -0 $_gp 2>/dev/null && echo yes || echo no)
	echo 1 >$CMP_PARAM
	kill $_gp 2>/dev/null
	wait $_gp 2>/dev/null
	cmp_step "busy guest ended (status $?)"
	# The guest's exits must be in the global comparison: far more cpuid exits than the reads'.
	LAB_DEFER=1 LAB_DEFERRED=""
	_bc=$(cmp_row compare-busy "$CMP_CPUID")
	_bown=$(echo "$_bc" | cut -d' ' -f4)
	_bpatch=$(echo "$_bc" | cut -d' ' -f1)
	if [ "$_busy_rc" != 0 ] && [ "$_busy_rc" != 1 ]; then
		CMP_RC=$_busy_rc
		cmp_expect compare-busy 0
	elif [ "$_busy_alive" != yes ]; then
		result compare-busy FAIL "the busy guest (mixguest --loop) ended before the comparison did: $(head -c 200 "$CMP_DIR/busy-guest.err") ($(cmp_brief compare-busy))"
	elif [ "${_bpatch:-0}" -le $((${_bown:-0} + 1000)) ]; then
		result compare-busy FAIL "the busy guest's cpuid exits are not in the window: cpuid row ($_bc)"
	elif _vmn=$(sed -n "s/^compare-cpuid: VM pid $_gp: \([0-9]*\) exits.*/\1/p" "$CMP_DIR/compare-busy.out") &&
		{ [ -z "$_vmn" ] || [ "$_vmn" -lt 1000 ]; }; then
		result compare-busy FAIL "--vm $_gp: fewer than 1000 exits of that VM in the window: $(grep 'VM pid' "$CMP_DIR/compare-busy.out")"
	else
		CMP_RC=$_busy_rc
		cmp_expect compare-busy 0
	fi
	result_flush "${_busy_earlier:+repeated, earlier:$_busy_earlier}"
	CMP_RC=$_pervm_rc
	if ! grep -q 'per-VM mode hides other VMs' "$CMP_DIR/compare-pervm.out"; then
		result compare-pervm FAIL "no per-VM explanation in the output ($(cmp_brief compare-pervm))"
	elif [ "$_pervm_alive" != yes ]; then
		result compare-pervm FAIL "the busy guest ended before the comparison did"
	else
		cmp_expect compare-pervm 0
	fi

	# A whole guest run inside one window: the patch column against the guest's own counts.
	# Repeated (at most 3 runs) only when every count agreed and just the times were out of
	# tolerance (cmp_times_only); the earlier runs' figures go into the detail.
	_earlier="" _run=1
	while :; do
		LAB_DEFER=1 LAB_DEFERRED="" _bad="no window" CMP_RC=""
		# A repeat must not see the last run's "window open" before the new exitprof truncates
		# its stderr (it did: the guest then ran outside the window).
		rm -f "$CMP_DIR/compare-contained.out" "$CMP_DIR/compare-contained.err" "$CMP_DIR/contained-guest.out"
		exitprof --compare-cpuid --duration 6 >"$CMP_DIR/compare-contained.out" 2>"$CMP_DIR/compare-contained.err" &
		_cp=$!
		if wait_for_line "$CMP_DIR/compare-contained.err" 'window open' 60 $_cp; then
			mixguest cpuid=1000,io=300,msr=200 cpuid=500,io=100,msr=50 >"$CMP_DIR/contained-guest.out" 2>&1
			_grc=$?
			wait $_cp
			CMP_RC=$?
			_bad="" _seen=""
			[ $_grc = 0 ] || _bad="guest status $_grc;"
			_n=$(sed -n 's/.* reads of \([0-9]*\) leaves each.*/\1/p' "$CMP_DIR/compare-contained.out")
			# Every exit the guest controls (its EXPECT lines), under this ISA's name for it.
			expect_lines "$CMP_DIR/contained-guest.out" >"$CMP_DIR/contained.expect"
			[ -s "$CMP_DIR/contained.expect" ] || _bad="no EXPECT lines from the guest;"
			while read -r _code _label _want; do
				_r=$(reason_name "$_code")
				[ "$_label" = cpuid ] && _want=$((_want + ${_n:-0}))
				[ "$_label" = hlt ] && _want=$((_want + 1)) # read 1's HLT (docs/compare-cpuid.md)
				_got=$(cmp_row compare-contained "$_r" | cut -d' ' -f1)
				[ "$_got" = "$_want" ] || _bad="$_bad $_r patch=$_got want=$_want;"
				_seen="$_seen$_r=$_got "
			done <"$CMP_DIR/contained.expect"
			if [ "$CMP_RC" != 0 ] || [ -n "$_bad" ]; then
				result compare-contained FAIL "exit $CMP_RC;$_bad $(cmp_brief compare-contained)"
			else
				result compare-contained PASS "patch column = guest's counts + own reads: $_seen; $(cmp_brief compare-contained)"
			fi
		else
			wait $_cp
			result compare-contained FAIL "no 'window open' from exitprof: $(head -c 300 "$CMP_DIR/compare-contained.err" | tr '\n' ' ')"
		fi
		[ -z "$_bad" ] && cmp_times_only compare-contained && [ $_run -lt 3 ] || break
		_earlier="$_earlier run $_run: $(sed -n 's/^compare-cpuid: DIFFER: //p' "$CMP_DIR/compare-contained.out");"
		_run=$((_run + 1))
	done
	result_flush "${_earlier:+repeated, earlier:$_earlier}"

	cmp_run compare-late --duration 1 --late-attach
	cmp_expect compare-late 1

	echo 0 >$CMP_PARAM
	cmp_run compare-off --duration 1
	if [ "$CMP_RC" = 2 ] && [ "$(wc -l <"$CMP_DIR/compare-off.err")" = 1 ] && grep -q 'switched off' "$CMP_DIR/compare-off.err"; then
		result compare-off PASS "exit 2: $(cat "$CMP_DIR/compare-off.err")"
	else
		result compare-off FAIL "exit $CMP_RC (want 2 and one line): $(head -c 300 "$CMP_DIR/compare-off.err" | tr '\n' ' ')"
	fi
	echo "$_old" >$CMP_PARAM
	# The tables, for the console log.
	for _f in compare-quiet compare-busy compare-pervm compare-contained compare-late; do
		sed "s/^/LAB-LOG $_f: /" "$CMP_DIR/$_f.out"
	done
fi
