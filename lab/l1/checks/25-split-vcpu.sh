# The time split and --per-vcpu on whatever kernel L1 runs (ours, or Debian's stock kernels:
# lab/run --kernel), from one 2-vCPU micro-guest run under `exitprof --per-vcpu --bpf-stats`:
#   split     with kvm:kvm_userspace_exit and kvm:kvm_vcpu_wakeup in tracefs: exitprof says
#             nothing is missing, both programs are loaded, the userspace-exit program ran at
#             least once per io exit (the VMM handles port 0x80), and the VMM time lies where
#             the VMM works: io has 0 < VMM < total, cpuid and msr (handled in KVM) have VMM = 0.
#             Without one of them: exitprof's stderr names the missing tracepoint. HALTED stays 0
#             here (a micro-guest's HLT returns to the VMM; nothing halts inside KVM): the
#             wakeup program is only shown to be attached.
#   per-vcpu  with vcpu_id in kvm:kvm_exit: for each vCPU, exitprof's CSV counts for that vcpu
#             equal the hist oracle of that vCPU's thread for every reason, and the table has a
#             block "vCPU i" with that total. Without vcpu_id: SKIP naming the field.
#   vcpu-filter  a second run under `exitprof --vcpu 1` (the in-kernel vCPU filter, a program
#             the verifier sees with another constant): its counts equal the hist oracle of
#             vCPU 1's thread for every reason, and nothing of vCPU 0 is in its CSV.

SPLIT_TP_MISSING=""
for _tp in kvm_userspace_exit kvm_vcpu_wakeup; do
	[ -d "$TRACING/events/kvm/$_tp" ] || SPLIT_TP_MISSING="$SPLIT_TP_MISSING $_tp"
done

# split_row FILE REASON: "count timed total user halt" of a reason in an exitprof_counts file.
split_row() { awk -v r="$2" '$1 == r { print $2, $3, $4, $8, $9 }' "$1"; }

# expect_code NAME...: the decimal code of the guest's EXPECT line with one of these names.
expect_code() {
	for _n in "$@"; do
		_x=$(sed -n "s/^EXPECT reason=\(0x[0-9a-f]*\) name=$_n .*/\1/p" "$GUEST_DIR/guest.out")
		[ -n "$_x" ] && { echo $((_x)); return; }
	done
}

# bpf_runs ERRFILE PROGRAM: how often a program ran (--bpf-stats), empty if it was not loaded
# (PROGRAM: the classic tracepoint's name; its tp_btf twin is PROGRAM_btf).
bpf_runs() { awk -v p="$2" '$2 == "bpf-stats" && ($3 == p || $3 == p "_btf") { print $5 }' "$1"; }

check_split() {
	_c=$GUEST_DIR/exitprof.counts
	if [ -n "$SPLIT_TP_MISSING" ]; then
		_bad=""
		for _tp in $SPLIT_TP_MISSING; do
			grep -q "kvm:$_tp missing" "$GUEST_DIR/exitprof.err" || _bad="$_bad $_tp"
		done
		if [ -n "$_bad" ]; then
			result split FAIL "tracefs lacks$SPLIT_TP_MISSING but exitprof does not say so for:$_bad"
		else
			result split PASS "tracefs lacks$SPLIT_TP_MISSING and exitprof says: $(grep -m 1 'missing' "$GUEST_DIR/exitprof.err")"
		fi
		return
	fi
	_bad=""
	grep -q 'missing' "$GUEST_DIR/exitprof.err" && _bad="$_bad exitprof claims a missing tracepoint: $(grep -m 1 missing "$GUEST_DIR/exitprof.err");"
	_uruns=$(bpf_runs "$GUEST_DIR/exitprof.err" handle_kvm_userspace_exit)
	_wruns=$(bpf_runs "$GUEST_DIR/exitprof.err" handle_kvm_vcpu_wakeup)
	[ -n "$_wruns" ] || _bad="$_bad handle_kvm_vcpu_wakeup not loaded;"
	# Reason codes from the guest's EXPECT lines (SVM or VMX names): io goes to the VMM, hlt ends
	# the run untimed, the rest (cpuid, msr) KVM handles itself.
	_io_code=$(expect_code io IO_INSTRUCTION)
	_kvm_codes=$(sed -n 's/^EXPECT reason=\(0x[0-9a-f]*\) name=\([A-Za-z_]*\) .*/\2 \1/p' "$GUEST_DIR/guest.out" |
		awk '$1 != "io" && $1 != "IO_INSTRUCTION" && $1 != "hlt" && $1 != "HLT" { printf "%d ", $2 }')
	set -- $(split_row "$_c" "$_io_code")
	_io="count=$1 timed=$2 total=$3 vmm=$4 halted=$5"
	if [ -z "$_uruns" ]; then
		_bad="$_bad handle_kvm_userspace_exit not loaded;"
	elif [ "$_uruns" -lt "${1:-0}" ]; then
		_bad="$_bad kvm_userspace_exit program ran $_uruns times for ${1:-0} io exits;"
	fi
	[ "${2:-0}" -gt 0 ] && [ "${4:-0}" -gt 0 ] && [ "${4:-0}" -lt "${3:-0}" ] ||
		_bad="$_bad io not split 0 < VMM < total: $_io;"
	[ -n "$_kvm_codes" ] || _bad="$_bad no cpuid/msr EXPECT lines from the guest;"
	for _r in $_kvm_codes; do
		set -- $(split_row "$_c" $_r)
		[ "${2:-0}" -gt 0 ] && [ "${4:-1}" = 0 ] && [ "${5:-1}" = 0 ] ||
			_bad="$_bad $(reason_name $_r) (handled in KVM) has VMM/HALTED time or none timed: timed=${2:-} vmm=${4:-} halted=${5:-};"
	done
	if [ -n "$_bad" ]; then
		result split FAIL "$_bad"
	else
		result split PASS "io: $_io ns (kvm_userspace_exit program: $_uruns runs); VMM=0 for$(for _r in $_kvm_codes; do printf ' %s' "$(reason_name $_r)"; done); HALTED: kvm_vcpu_wakeup program attached, $_wruns runs (no halt in KVM in this guest)"
	fi
}

check_per_vcpu() {
	if ! grep -q 'field:.* vcpu_id;' "$KVM_EXIT/format"; then
		result per-vcpu SKIP "this kernel's kvm:kvm_exit has no vcpu_id field: exitprof's table shows 'vCPU ?' and the CSV column vcpu is empty"
		return
	fi
	_bad="" _detail=""
	for _line in $(sed -n 's/^VCPU \([0-9]*\) tid=\([0-9]*\).*/\1:\2/p' "$GUEST_DIR/guest.out"); do
		_v=${_line%%:*} _tid=${_line#*:}
		exitprof_counts "$GUEST_DIR/exitprof.csv" "$_v" >"$GUEST_DIR/exitprof-vcpu$_v.counts"
		hist_counts "$GUEST_DIR/hist-exit.txt" "$_tid" >"$GUEST_DIR/hist-vcpu$_v.counts"
		_d="$(diff_counts "$GUEST_DIR/hist-vcpu$_v.counts" "$GUEST_DIR/exitprof-vcpu$_v.counts")$(diff_counts "$GUEST_DIR/exitprof-vcpu$_v.counts" "$GUEST_DIR/hist-vcpu$_v.counts")"
		_n=$(awk '{ s += $2 } END { print s + 0 }' "$GUEST_DIR/hist-vcpu$_v.counts")
		_t=$(sed -n "s/^VM pid [0-9]* ([^)]*) vCPU $_v, [A-Za-z]*: \([0-9]*\) exits.*/\1/p" "$GUEST_DIR/exitprof.out")
		[ -z "$_d" ] || _bad="$_bad vCPU $_v (tid $_tid) CSV vs hist (want=hist): $_d;"
		[ "$_t" = "$_n" ] || _bad="$_bad table block 'vCPU $_v' says '${_t:-none}' exits, hist $_n;"
		_detail="$_detail vCPU $_v: $_n exits in $(wc -l <"$GUEST_DIR/hist-vcpu$_v.counts") reasons;"
	done
	[ -n "$_detail" ] || _bad="$_bad no VCPU lines from the guest;"
	if [ -n "$_bad" ]; then
		result per-vcpu FAIL "$_bad"
	else
		result per-vcpu PASS "per vCPU, CSV == hist oracle of its thread and the table's block count:$_detail"
	fi
}

if ! have mixguest || ! have exitprof; then
	result split SKIP "mixguest or exitprof not in the initramfs"
else
	PROF_ARGS="--per-vcpu --bpf-stats"
	run_guest split cpuid=300,io=40,msr=5 cpuid=100,io=10,msr=15
	PROF_ARGS=""
	if [ "$GUEST_RC" != 0 ]; then
		result split FAIL "$(guest_failure)"
	elif [ "$PROF_RC" != 0 ] || [ ! -s "$GUEST_DIR/exitprof.csv" ]; then
		result split FAIL "exitprof status $PROF_RC, no CSV: $(head -c 300 "$GUEST_DIR/exitprof.err" | tr '\n' ' ')"
	else
		exitprof_counts "$GUEST_DIR/exitprof.csv" >"$GUEST_DIR/exitprof.counts"
		check_split
		check_per_vcpu
	fi
fi

if have mixguest && have exitprof && grep -q 'field:.* vcpu_id;' "$KVM_EXIT/format"; then
	PROF_ARGS="--vcpu 1"
	run_guest vcpu-filter cpuid=300,io=40,msr=5 cpuid=100,io=10,msr=15
	PROF_ARGS=""
	_tid=$(sed -n 's/^VCPU 1 tid=\([0-9]*\).*/\1/p' "$GUEST_DIR/guest.out")
	if [ "$GUEST_RC" != 0 ]; then
		result vcpu-filter FAIL "$(guest_failure)"
	elif [ "$PROF_RC" != 0 ] || [ ! -s "$GUEST_DIR/exitprof.csv" ] || [ -z "$_tid" ]; then
		result vcpu-filter FAIL "exitprof status $PROF_RC, CSV or vCPU 1's thread missing: $(head -c 300 "$GUEST_DIR/exitprof.err" | tr '\n' ' ')"
	else
		exitprof_counts "$GUEST_DIR/exitprof.csv" >"$GUEST_DIR/exitprof.counts"
		hist_counts "$GUEST_DIR/hist-exit.txt" "$_tid" >"$GUEST_DIR/hist.counts"
		_d="$(diff_counts "$GUEST_DIR/hist.counts" "$GUEST_DIR/exitprof.counts")$(diff_counts "$GUEST_DIR/exitprof.counts" "$GUEST_DIR/hist.counts")"
		_others=$(tr -d '\r' <"$GUEST_DIR/exitprof.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			$c["vcpu"] != 1 { n++ } END { print n + 0 }')
		if [ -z "$_d" ] && [ "$_others" = 0 ] && [ -s "$GUEST_DIR/hist.counts" ]; then
			result vcpu-filter PASS "--vcpu 1 == hist oracle of vCPU 1's thread: $(brief "$GUEST_DIR/hist.counts")"
		else
			result vcpu-filter FAIL "--vcpu 1 vs hist of vCPU 1's thread (want=hist): ${_d:-equal}; $_others CSV rows of other vCPUs"
		fi
	fi
fi
