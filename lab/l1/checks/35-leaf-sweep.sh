# The leaf sweep (lab/guests/leafsweep.c): in one micro-guest, CPUID on each exitprof leaf with
# ecx over every boundary value of docs/leaves.md and the SDM/APM tables, then over
# $leafsweep_random pseudo-random values per leaf (a kernel command-line word, which /init
# passes on as an environment variable; default 5000, lab/run --kasan: 1000000). Every answer is
# checked against docs/leaves.md by leafsweep itself (lab/guests/leafsweep_check.c); the seed is
# printed, so a failure is repeatable (leafsweep --mode M --random N --seed S).
#   leaf-sweep         kvm.exit_stats=2 (per VM): undefined reasons answer 0,0,0,0xFFFFFFFF,
#                      defined ones valid or 0,0,0,0 and the same every time: as the contract
#                      fixes them where it does, else valid exactly for the codes KVM's handler
#                      tables have in this kernel (/lab/data/kvm-handled.txt, which lab/run makes
#                      with tests/patch/handler-tables --list from the kernel's source and
#                      .config; not in a swapped-* pass, whose modules are built otherwise);
#                      totals and counts never go back, and CPUID's and port I/O's counts are
#                      exactly what the guest executed
#   leaf-sweep-global  kvm.exit_stats=1 (all VMs), $leafsweep_random / 10 values per leaf: the
#                      same, the counts at least the guest's own
#   leaf-sweep-off     kvm.exit_stats=0, $leafsweep_random / 10 values per leaf: every leaf
#                      answers like 0x4FFFFFF0 with the same ecx
#   leaf-sweep-absent  (kernel without the patch) the same as leaf-sweep-off
LS_PARAM=/sys/module/kvm/parameters/exit_stats
LS_SEED=${leafsweep_seed:-0x1eaf5eed}
LS_HANDLED=/lab/data/kvm-handled.txt

# leafsweep_run NAME MODE N: runs the sweep and reports one result.
leafsweep_run() {
	_d=$ART/$1
	mkdir -p "$_d"
	# Up to 250 us per CPUID (the lab's exits cost tens of us; KASAN and a busy host, more).
	_table=""
	[ -f $LS_HANDLED ] && [ -z "${LAB_PREFIX:-}" ] && _table=$LS_HANDLED
	timeout $((60 + $3 / 1000)) leafsweep --mode "$2" --random "$3" --seed "$LS_SEED" \
		${_table:+--handled $_table} >"$_d/leafsweep.out" 2>"$_d/leafsweep.err"
	_rc=$?
	sed "s/^/LAB-LOG $1: /" "$_d/leafsweep.out"
	_res=$(sed -n 's/^RESULT //p' "$_d/leafsweep.out")
	_time=$(sed -n 's/^TIME cpuids=\([0-9]*\) .* run_ns=\([0-9]*\) ns_per_cpuid=\([0-9]*\).*/\1 CPUIDs in \2 ns (\3 ns each)/p' "$_d/leafsweep.out")
	_head=$(sed -n 's/^LEAFSWEEP //p' "$_d/leafsweep.out")
	_reasons=$(sed -n 's/^REASONS //p' "$_d/leafsweep.out")
	if [ $_rc = 0 ] && [ -n "$_res" ]; then
		result "$1" PASS "$_head: $_res; ${_reasons:+reasons $_reasons ($([ -n "$_table" ] && echo "as KVM's handler tables" || echo "no handler tables: each only the same every time")); }$_time"
	elif [ -n "$_res" ]; then
		result "$1" FAIL "$_head: $_res; $(grep -m 3 '^VIOLATION' "$_d/leafsweep.out" | tr '\n' ' ')"
	else
		result "$1" FAIL "leafsweep status $_rc: $(head -c 300 "$_d/leafsweep.err")"
	fi
}

LS_N=${leafsweep_random:-5000}
case $LS_N in '' | *[!0-9]*) LS_N=5000 ;; esac
if ! have leafsweep; then
	result leaf-sweep SKIP "leafsweep not in the initramfs"
elif [ ! -f $LS_PARAM ]; then
	leafsweep_run leaf-sweep-absent 0 $((LS_N / 10))
else
	_old=$(cat $LS_PARAM)
	for _m in 2 1 0; do
		_name=leaf-sweep$([ $_m = 1 ] && echo -global)$([ $_m = 0 ] && echo -off)
		if echo $_m >$LS_PARAM; then
			leafsweep_run "$_name" $_m $([ $_m = 2 ] && echo "$LS_N" || echo $((LS_N / 10)))
		else
			result "$_name" FAIL "cannot write $_m to $LS_PARAM"
		fi
	done
	echo "$_old" >$LS_PARAM
fi
