# The host owner's switch /sys/module/kvm/parameters/exit_stats (docs/leaves.md):
#   leaves-off    with 0, each exitprof leaf answers exactly like the unused leaf 0x4FFFFFF0
#                 with the same ecx, i.e. like an unpatched kernel
#   leaves-on     with 2, the same queries get the contract's answers (so leaves-off could fail)
#   leaves-modes  1 (global) shows earlier VMs' exits (made in mode 1) to a new VM, 2 (per-VM)
#                 does not
#   leaves-separate each mode counts only while it is on: a busy VM's exits under 2 do not
#                 reach the global total (mode 1's counters)
#   leaves-frozen with 0 nothing is counted: the global total does not grow by a busy VM's exits
#   leaves-absent (kernel without the patch, e.g. lab/run --kernel debian-6.12) the same queries
#                 as leaves-off answer like 0x4FFFFFF0: what exitprof-cpuid refuses on (exit 2)
PARAM=/sys/module/kvm/parameters/exit_stats
# Pairs: an exitprof leaf, then 0x4FFFFFF0 with the same ecx. 0xFFFFFFFB: a code neither the
# SDM nor the APM defines; C and I: this ISA's cpuid and io codes (mixguest --isa, lib/machine.sh).
_C=$(printf '%x' "$(guest_reason cpuid)") _I=$(printf '%x' "$(guest_reason io)")
OFF_QUERIES=4fffffff:0,4ffffff0:0,4ffffffe:0,4ffffff0:0,4ffffffd:$_C,4ffffff0:$_C,4ffffffc:$_C,4ffffff0:$_C,4ffffffd:fffffffb,4ffffff0:fffffffb,4ffffffc:$_I,4ffffff0:$_I

query_guest() { # name queries: runs mixguest (a few cpuids first) with --query
	GUEST_DIR=$ART/$1
	mkdir -p "$GUEST_DIR"
	timeout 60 mixguest --query "$2" cpuid=10 >"$GUEST_DIR/guest.out" 2>"$GUEST_DIR/guest.err"
}

leaf_pairs() { # after query_guest with OFF_QUERIES: _same, _diff (leaves that differ from 0x4FFFFFF0)
	_same="" _diff="" _i=0
	while [ $_i -lt 12 ]; do
		_a=$(leaf_regs "$GUEST_DIR/guest.out" $_i)
		_b=$(leaf_regs "$GUEST_DIR/guest.out" $((_i + 1)))
		_leaf=$(sed -n "s/^LEAF vcpu=0 idx=$_i in_eax=\([^ ]*\) in_ecx=\([^ ]*\).*/\1:\2/p" "$GUEST_DIR/guest.out")
		if [ -z "$_a" ] || [ -z "$_b" ]; then
			_diff="$_diff idx$_i:no-answer"
		elif [ "$_a" = "$_b" ]; then
			_same="$_same $_leaf"
		else
			_diff="$_diff $_leaf=($_a)vs($_b)"
		fi
		_i=$((_i + 2))
	done
}

if ! have mixguest; then
	result leaves-off SKIP "mixguest not in the initramfs"
elif [ ! -f $PARAM ]; then
	if ! query_guest leaves-absent "$OFF_QUERIES"; then
		result leaves-absent FAIL "mixguest failed: $(head -c 200 "$GUEST_DIR/guest.err")"
	else
		leaf_pairs
		if [ -z "$_diff" ]; then
			result leaves-absent PASS "kernel without the patch (no $PARAM): 6 of 6 queries answer like 0x4FFFFFF0:$_same"
		else
			result leaves-absent FAIL "kernel without $PARAM, yet leaves differ from 0x4FFFFFF0:$_diff"
		fi
	fi
else
	_old=$(cat $PARAM)
	for _mode in 0 2; do
		echo $_mode >$PARAM || { result leaves-off FAIL "cannot write $_mode to $PARAM"; break; }
		_name=leaves-$([ $_mode = 0 ] && echo off || echo on)
		if ! query_guest "$_name" "$OFF_QUERIES"; then
			result "$_name" FAIL "mixguest failed: $(head -c 200 "$GUEST_DIR/guest.err")"
			continue
		fi
		leaf_pairs
		if [ $_mode = 0 ]; then
			if [ -z "$_diff" ]; then
				result leaves-off PASS "exit_stats=0: 6 of 6 queries answer like 0x4FFFFFF0:$_same"
			else
				result leaves-off FAIL "exit_stats=0 but leaves differ from 0x4FFFFFF0:$_diff"
			fi
		else
			# 0x4FFFFFFF valid (edx bit 31), undefined reason -> 0,0,0,0xffffffff
			_t=$(leaf_regs "$GUEST_DIR/guest.out" 0)
			_u=$(leaf_regs "$GUEST_DIR/guest.out" 8)
			if [ $(($(echo "$_t" | cut -d' ' -f4) & 0x80000000)) != 0 ] && [ "$_u" = "0x0 0x0 0x0 0xffffffff" ]; then
				result leaves-on PASS "exit_stats=2: total ($_t) valid, undefined reason 0xFFFFFFFB -> ($_u)"
			else
				result leaves-on FAIL "exit_stats=2: total ($_t) and undefined reason 0xFFFFFFFB ($_u) not as in docs/leaves.md"
			fi
		fi
	done
	# total_in_mode MODE NAME: the total count (0x4FFFFFFF's eax) a new VM reads with exit_stats
	# MODE; empty if the write or the guest failed.
	total_in_mode() {
		echo "$1" >$PARAM && query_guest "$2" 4fffffff:0 &&
			echo $(($(leaf_regs "$GUEST_DIR/guest.out" 0 | cut -d' ' -f1)))
	}
	# Modes: a busy VM first, in global mode (each mode's counters grow only while it is on),
	# then a new VM reads its total in mode 1 and in mode 2.
	_busy=5000
	echo 1 >$PARAM && timeout 60 mixguest cpuid=$_busy >/dev/null 2>&1
	_gn=$(total_in_mode 1 leaves-global) _pn=$(total_in_mode 2 leaves-pervm)
	# Per-VM: only its own 10 cpuids, the read itself and a few npf/intr; global: >= the busy VM.
	if [ "$_gn" -ge $_busy ] && [ "$_pn" -ge 11 ] && [ "$_pn" -lt 100 ]; then
		result leaves-modes PASS "after a VM with $_busy cpuid exits in mode 1, a new VM reads total $_gn in mode 1 (global), $_pn in mode 2 (its own)"
	else
		result leaves-modes FAIL "new VM's total: mode 1 $_gn (want >= $_busy), mode 2 $_pn (want 11..99)"
	fi
	# global_growth CHECK MODE: the global total (read in mode 1) before and after a VM with
	# $_busy cpuid exits run under exit_stats=MODE grows only by the two reading VMs' own few
	# exits: MODE counts nothing into mode 1's counters.
	global_growth() {
		_gn=$(total_in_mode 1 "$1-before")
		echo "$2" >$PARAM && timeout 60 mixguest cpuid=$_busy >/dev/null 2>&1
		_g2n=$(total_in_mode 1 "$1-after")
		if [ "${_gn:-0}" -gt 0 ] && [ "${_g2n:-0}" -ge "$_gn" ] && [ $((_g2n - _gn)) -lt 200 ]; then
			result "$1" PASS "global total $_gn, then a VM with $_busy cpuid exits under exit_stats=$2, then $_g2n: +$((_g2n - _gn)), the reading VMs' own"
		else
			result "$1" FAIL "global total $_gn, then $_g2n after a VM with $_busy cpuid exits under exit_stats=$2 (want +0..199)"
		fi
	}
	# Each mode counts only while it is on: per-VM mode's exits are not in the global total.
	global_growth leaves-separate 2
	# Off means uncounted.
	global_growth leaves-frozen 0
	echo "$_old" >$PARAM
fi
