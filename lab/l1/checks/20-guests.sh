# Micro-guests with known exit mixes (lab/guests/mixguest), each run once with three counters
# watching the same window: the tracefs hist oracle, exitprof (BPF) and, for the snapshot guest,
# the patch's own counters read through the leaves from inside the guest. Per guest NAME:
#   mix-NAME       hist oracle == the counts the guest controls (proves the guest and the lab)
#   exitprof-NAME  exitprof --vm PID == those counts exactly, and its times are plausible
#   oracle-NAME    exitprof == hist oracle for every reason, noise (npf, intr) included
#   leaves-NAME    (snapshot guests) leaf counts == exitprof counts per reason and in total,
#                  leaf cycles == exitprof time within the bound below
#   leader-exit    (the leader guest, mixguest --leader-exit: its main thread ends before any
#                  vCPU runs) the guest's main thread had ended before its first vCPU ran, and
#                  exitprof profiled the process until its last thread ended: == hist oracle
#   tracepoints    exitprof loaded its tp_btf programs where the kernel's BTF has this ISA's
#                  vendor vCPU struct (else the classic ones), and EXITPROF_TRACEPOINTS=classic
#                  loaded the classic ones (guest mix1-classic, checked like every guest)
#
# Cycles (patch, rdtsc) vs nanoseconds (BPF, bpf_ktime_get_ns on the tsc clocksource): both
# bound the same exit->entry interval, but the patch reads the TSC right after trace_kvm_exit()
# and right after trace_kvm_entry(), so exitprof's own programs run between the two clocks'
# readings: per exit, the difference lies within the run time of one kvm_exit plus one
# kvm_entry program. The bound is therefore exits x (avg kvm_exit + avg kvm_entry program run
# time, as the kernel measures it: exitprof --bpf-stats) + LEAF_TOL_PCT % of the total.
LEAF_TOL_PCT=${LEAF_TOL_PCT:-1}
# Uncontrolled exits (interrupts, faults) allowed after the snapshot's last read (see check_leaves).
NOISE_AFTER=2
# The reasons the snapshot guest reads through 0x4FFFFFFD: everything a micro-guest can cause,
# by name (their codes come from this ISA's table, lib/machine.sh). A name missing from the table stops
# the check rather than quietly shortening the list.
case $LAB_ISA in
vmx) _snap_names="EXCEPTION_NMI EXTERNAL_INTERRUPT TRIPLE_FAULT INTERRUPT_WINDOW CPUID HLT IO_INSTRUCTION
	MSR_READ MSR_WRITE EPT_VIOLATION EPT_MISCONFIG PREEMPTION_TIMER" ;;
*) _snap_names="interrupt nmi smi vintr cpuid hlt io msr shutdown npf" ;;
esac
SNAP_REASONS="" SNAP_MISSING=""
for _nm in $_snap_names; do
	_c=$(reason_code "$_nm")
	if [ -n "$_c" ]; then SNAP_REASONS="$SNAP_REASONS${SNAP_REASONS:+,}$(printf '%x' "$_c")"; else SNAP_MISSING="$SNAP_MISSING $_nm"; fi
done

check_mix() { # name
	expect_counts >"$GUEST_DIR/expect.counts"
	hist_counts "$GUEST_DIR/hist-exit.txt" $GUEST_TIDS >"$GUEST_DIR/hist.counts"
	_bad=$(diff_counts "$GUEST_DIR/expect.counts" "$GUEST_DIR/hist.counts")
	_other=$(hist_other_pids "$GUEST_DIR/hist-exit.txt" $GUEST_TIDS)
	_entries=$(hist_entries "$GUEST_DIR/hist-entry.txt")
	if [ -n "$_bad" ]; then
		result "mix-$1" FAIL "hist oracle differs from the guest's mix: $_bad"
	elif [ "$_entries" = 0 ]; then
		result "mix-$1" FAIL "LAB FAILURE: 0 kvm_entry events"
	else
		result "mix-$1" PASS "hist: $(brief "$GUEST_DIR/hist.counts")entries=$_entries${_other:+ other-threads=$_other}"
	fi
}

check_exitprof() { # name
	if [ "$PROF_RC" = skip ]; then
		result "exitprof-$1" SKIP "exitprof not in the initramfs (not built yet, issue 2)"
		result "oracle-$1" SKIP "exitprof not in the initramfs"
		return 1
	fi
	if [ "$PROF_RC" != 0 ] || [ ! -s "$GUEST_DIR/exitprof.csv" ]; then
		result "exitprof-$1" FAIL "exitprof status $PROF_RC, no CSV: $(head -c 300 "$GUEST_DIR/exitprof.err" | tr '\n' ' ')"
		result "oracle-$1" SKIP "no exitprof CSV"
		return 1
	fi
	exitprof_counts "$GUEST_DIR/exitprof.csv" >"$GUEST_DIR/exitprof.counts"
	if grep -q malformed "$GUEST_DIR/exitprof.counts"; then
		result "exitprof-$1" FAIL "malformed CSV rows: $(grep malformed "$GUEST_DIR/exitprof.counts" | head -n 3 | tr '\n' ' ')"
		return 1
	fi
	_bad=$(diff_counts "$GUEST_DIR/expect.counts" "$GUEST_DIR/exitprof.counts")
	# Plausible times: every timed reason has 0 < min <= avg <= max, and the total time fits
	# in the run's wall time on all vCPUs. Every CPUID exit is timed: the guest re-enters after
	# each (a lost per-thread state would leave some untimed).
	_times=$(awk -v wall="$GUEST_WALL_NS" -v nv="$(echo $GUEST_TIDS | wc -w)" -v cpuid="$(guest_reason cpuid)" '
		$3 > 0 && !($5 > 0 && $5 <= $6 && $6 <= $7) { printf "reason %s: min=%s avg=%s max=%s; ", $1, $5, $6, $7 }
		$3 > $2 { printf "reason %s: timed %s > count %s; ", $1, $3, $2 }
		$1 == cpuid && $3 != $2 { printf "cpuid: timed %s != count %s; ", $3, $2 }
		{ s += $4 } END { if (s <= 0) printf "no time measured; ";
			if (s > wall * nv) printf "total %.0f ns > wall %.0f ns x %d vCPUs; ", s, wall, nv }' \
		"$GUEST_DIR/exitprof.counts")
	if [ -n "$_bad$_times" ]; then
		result "exitprof-$1" FAIL "${_bad:+counts differ from the guest's mix: $_bad}${_times:+implausible times: $_times}"
	else
		result "exitprof-$1" PASS "$(while read -r _r _n _t _ns _mn _avg _mx _rest; do
			printf '%s=%s(avg %dns max %dns) ' "$(reason_name "$_r")" "$_n" "$_avg" "$_mx"
		done <"$GUEST_DIR/exitprof.counts")"
	fi
	# The oracle: every reason of either.
	_bad=$(count_diffs "$GUEST_DIR/hist.counts" "$GUEST_DIR/exitprof.counts" want got)
	if [ -n "$_bad" ]; then
		result "oracle-$1" FAIL "exitprof vs hist oracle (want=hist): $_bad"
	else
		result "oracle-$1" PASS "exitprof == hist for all $(wc -l <"$GUEST_DIR/hist.counts") reasons, $(counts_total "$GUEST_DIR/hist.counts") exits"
	fi
}

check_leaves() { # name: the snapshot (leaves read inside the guest) against exitprof
	if [ ! -f /sys/module/kvm/parameters/exit_stats ]; then
		result "leaves-$1" SKIP "kernel without the patch (no /sys/module/kvm/parameters/exit_stats)"
		return
	fi
	[ -f "$GUEST_DIR/exitprof.counts" ] || { result "leaves-$1" SKIP "no exitprof counts to compare with"; return; }
	_q=$(sed -n 's/^QUERIES .*quiet=//p' "$GUEST_DIR/guest.out")
	[ "$_q" = 1 ] || { result "leaves-$1" FAIL "no quiet snapshot in $(sed -n 's/^QUERIES .*attempts=\([0-9]*\).*/\1/p' "$GUEST_DIR/guest.out") tries (leaf totals moved by more than the reads themselves)"; return; }
	_f=$GUEST_DIR/guest.out
	_last=$(($(grep -c '^LEAF ' "$_f") - 1))
	_cpuid=$(expect_code "$_f" cpuid)
	_hlt=$(expect_code "$_f" hlt)
	_ctl=" $(expect_counts_of "$_f" | while read -r c _; do printf '%s ' "$c"; done)"
	# Exits the guest does not control (interrupts, nested page faults) may still come after the
	# last read: an interrupt that arrives while KVM handles that read's exit makes the guest exit
	# again right at the next VM-entry. Up to NOISE_AFTER of them are allowed, and are accounted:
	# the total must differ by exactly their sum, and their time is taken off exitprof's total.
	_bad="" _j=1 _noise=0 _noise_list=""
	while [ $_j -lt $_last ]; do
		_r=$(leaf_field "$_f" $_j in_ecx)
		_edx=$(leaf_field "$_f" $_j edx)
		_leaf=$(($(leaf_field "$_f" $_j eax) + ((_edx & 0x7fffffff) << 32)))
		# Exits of this reason that came after this read: later reads (cpuid), the final HLT.
		_after=0
		[ "$_r" = "$_cpuid" ] && _after=$((_last - _j))
		[ "$_r" = "$_hlt" ] && _after=1
		_want=$(($(lookup "$GUEST_DIR/exitprof.counts" $_r) - _after))
		[ $((_edx & 0x80000000)) != 0 ] || _bad="$_bad $(reason_name $_r):edx=$_edx(not valid)"
		case $_ctl in
		*" $_r "*) [ "$_leaf" = "$_want" ] || _bad="$_bad $(reason_name $_r):leaf=$_leaf,exitprof-after=$_want" ;;
		*)
			_d=$((_want - _leaf))
			if [ $_d -lt 0 ] || [ $_d -gt "$NOISE_AFTER" ]; then
				_bad="$_bad $(reason_name $_r):leaf=$_leaf,exitprof=$_want"
			elif [ $_d -gt 0 ]; then
				_noise=$((_noise + _d)) _noise_list="$_noise_list $_r:$_d"
			fi ;;
		esac
		_j=$((_j + 1))
	done
	_total=$(counts_total "$GUEST_DIR/exitprof.counts")
	_ltotal=$(leaf_field "$_f" $_last eax)
	[ "$_ltotal" = $((_total - 1 - _noise)) ] || _bad="$_bad total:leaf=$_ltotal,exitprof-1-noise=$((_total - 1 - _noise))"
	[ $_noise -le "$NOISE_AFTER" ] || _bad="$_bad $_noise uncontrolled exits after the last read (max $NOISE_AFTER)"
	# Cycles: at the last read, every earlier exit has re-entered and added its cycles; exitprof's
	# total also holds that read's own exit (one cpuid exit, its average) and the noise after it
	# (their reasons' averages).
	_khz=$(tsc_khz)
	_cyc=$(($(leaf_field "$_f" $_last ebx) * 4294967296 + $(leaf_field "$_f" $_last ecx)))
	_prog=$(for _p in handle_kvm_exit handle_kvm_entry; do bpf_stat "$GUEST_DIR/exitprof.err" $_p avg_ns; done |
		awk '{ s += $1 } END { print s + 0 }')
	_cmp=$(awk -v cyc="$_cyc" -v khz="$_khz" -v tol="$LEAF_TOL_PCT" -v prog="$_prog" -v cpuid="$_cpuid" \
		-v noise="$_noise_list" '
		BEGIN { k = split(noise, nl, " "); for (i = 1; i <= k; i++) { split(nl[i], p, ":"); late[p[1]] = p[2] } }
		{ ns += $4; n += $3; if ($1 == cpuid) avg += $6; avg += late[$1] * $6 }
		END { leaf = cyc * 1e6 / khz; bpf = ns - avg; bound = n * prog + bpf * tol / 100
			d = leaf - bpf
			printf "%s leaf=%.0fns exitprof=%.0fns diff=%+.0fns (%+.2f%%) bound=%.0fns (%d exits x %.0fns programs + %s%%)",
				(d <= bound && d >= -bound) ? "ok" : "bad", leaf, bpf, d, 100 * d / bpf, bound, n, prog, tol }' \
		"$GUEST_DIR/exitprof.counts")
	[ "$_prog" != 0 ] || _bad="$_bad no --bpf-stats program costs from exitprof;"
	# Only the cycles off: the caller may repeat the run (a host-side pause of the emulator
	# thread between the two clocks' readings inflates one side by milliseconds).
	LEAVES_CYCLES_ONLY=""
	case $_cmp in bad*)
		[ -z "$_bad" ] && LEAVES_CYCLES_ONLY="${_cmp#bad }"
		_bad="$_bad cycles: ${_cmp#bad }" ;;
	esac
	if [ -n "$_bad" ]; then
		result "leaves-$1" FAIL "leaf vs exitprof:$_bad"
	else
		result "leaves-$1" PASS "$((_last - 1)) reasons and total ($_ltotal exits) equal exitprof's${_noise_list:+ (after the last read: reason:count$_noise_list)}; cycles: ${_cmp#ok }; $(sed -n 's/^QUERIES vcpu=0 //p' "$_f")"
	fi
}

# Which programs ran (the --bpf-stats lines name them) against what the kernel offers: the
# vendor struct's name is a string in the BTF's string table (vmlinux, or the vendor module's);
# the kfunc bpf_rdonly_cast (Linux >= 6.2) is a symbol in /proc/kallsyms. The tp_btf kvm_exit
# program is handle_kvm_exit_cast where both are there, handle_kvm_exit_btf where only the struct.
check_tracepoints() {
	_want=classic _where="" _cast="no bpf_rdonly_cast"
	for _b in /sys/kernel/btf/vmlinux /sys/kernel/btf/kvm_amd /sys/kernel/btf/kvm_intel; do
		[ -r "$_b" ] && grep -q "vcpu_$LAB_ISA" "$_b" && _want=btf _where="$_where ${_b##*/}"
	done
	grep -q ' bpf_rdonly_cast$' /proc/kallsyms && _cast="bpf_rdonly_cast in kallsyms" &&
		[ $_want = btf ] && _want=cast
	_def=classic _cls=""
	grep -q 'bpf-stats handle_kvm_exit_btf ' "$ART/snap/exitprof.err" 2>/dev/null && _def=btf
	grep -q 'bpf-stats handle_kvm_exit_cast ' "$ART/snap/exitprof.err" 2>/dev/null && _def=cast
	grep -q 'bpf-stats handle_kvm_exit ' "$ART/snap/exitprof.err" 2>/dev/null || [ $_def != classic ] || _def=none
	grep -q 'bpf-stats handle_kvm_exit ' "$ART/mix1-classic/exitprof.err" 2>/dev/null && _cls=classic
	if [ "$_def" = "$_want" ] && [ "$_cls" = classic ]; then
		result tracepoints PASS "default: $_def programs (struct vcpu_$LAB_ISA in BTF:${_where:- none}; $_cast); EXITPROF_TRACEPOINTS=classic: classic programs"
	else
		result tracepoints FAIL "default loaded ${_def} programs, want $_want (struct vcpu_$LAB_ISA in BTF:${_where:- none}; $_cast); EXITPROF_TRACEPOINTS=classic loaded ${_cls:-not the classic} programs; $(grep -m 1 'tp_btf programs did not load' "$ART/snap/exitprof.err")"
	fi
}

guest_case() { # name mixguest-args...
	_name=$1
	shift
	_t0=$(cut -d' ' -f1 /proc/uptime)
	run_guest "$_name" "$@"
	GUEST_WALL_NS=$(awk -v a="$_t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.0f", (b - a + 0.02) * 1e9 }')
	if [ "$GUEST_RC" != 0 ]; then
		result "mix-$_name" FAIL "$(guest_failure)"
		return
	fi
	check_mix "$_name"
	check_exitprof "$_name" || return 0
	case " $* " in *" --snapshot "*) check_leaves "$_name" ;; esac
}

# The leader guest: the VM lives as long as its process, not its main thread.
check_leader() {
	_le=$(grep -n '^LEADER-EXITED' "$GUEST_DIR/guest.out" | cut -d: -f1)
	_v=$(grep -n '^VCPU ' "$GUEST_DIR/guest.out" | head -n 1 | cut -d: -f1)
	_bad=$(count_diffs "$GUEST_DIR/hist.counts" "$GUEST_DIR/exitprof.counts" want got)
	if [ -z "$_le" ] || [ -z "$_v" ] || [ "$_le" -gt "$_v" ]; then
		result leader-exit FAIL "the guest's main thread had not ended before its vCPUs ran (LEADER-EXITED at line ${_le:-none}, first VCPU line ${_v:-none})"
	elif [ -n "$_bad" ] || [ ! -s "$GUEST_DIR/exitprof.counts" ]; then
		result leader-exit FAIL "exitprof vs hist oracle (want=hist): ${_bad:-no exitprof counts}; $(grep -m 1 'exited after' "$GUEST_DIR/exitprof.err")"
	else
		result leader-exit PASS "main thread ended first, then $(counts_total "$GUEST_DIR/hist.counts") exits on its vCPU threads: exitprof == hist for all of them; '$(grep -o 'VM pid [0-9]* exited after [0-9.]* s' "$GUEST_DIR/exitprof.err")'"
	fi
}

if ! have mixguest; then
	result guests SKIP "mixguest not in the initramfs"
else
	# Per-VM mode for the snapshot: the guest must see its own VM's exits only.
	_mode=$(cat /sys/module/kvm/parameters/exit_stats 2>/dev/null)
	[ -n "$_mode" ] && echo 2 >/sys/module/kvm/parameters/exit_stats
	guest_case mix1 cpuid=200,io=50,msr=20
	guest_case smp2 cpuid=300,io=10,msr=5 cpuid=100,io=40,msr=15
	guest_case big cpuid=20000,io=2000,msr=1000
	guest_case leader --leader-exit cpuid=3000,io=300,msr=100 cpuid=1000,io=100,msr=300
	[ -f "$GUEST_DIR/exitprof.counts" ] && check_leader
	# The snapshot run is repeated (at most 3 runs) only when every count agreed and just the
	# cycles fell outside the bound; the earlier runs' figures go into the detail. Counts never
	# get a second chance.
	PROF_ARGS=--bpf-stats _earlier="" _run=1
	while :; do
		LAB_DEFER=1 LAB_DEFERRED="" LEAVES_CYCLES_ONLY=""
		if [ -n "$SNAP_MISSING" ]; then
			result leaves-snap FAIL "reasons not in the $LAB_ISA table of exitprof-cpuid --list-reasons:$SNAP_MISSING"
			break
		fi
		guest_case snap --snapshot $SNAP_REASONS cpuid=100,io=20,msr=10
		[ -n "$LEAVES_CYCLES_ONLY" ] && [ $_run -lt 3 ] || break
		_earlier="$_earlier run $_run: cycles ${LEAVES_CYCLES_ONLY%% bound=*};"
		_run=$((_run + 1))
	done
	result_flush "${_earlier:+repeated, earlier:$_earlier}"
	# The classic tracepoint programs, the fallback, on the same kind of guest.
	PROF_ARGS=--bpf-stats
	export EXITPROF_TRACEPOINTS=classic
	guest_case mix1-classic cpuid=200,io=50,msr=20
	unset EXITPROF_TRACEPOINTS
	# One entry of exitprof's per-thread state array for both vCPU threads: one owns it, the
	# other keeps its state in task storage (or takes the entry over once the first has ended).
	export EXITPROF_THREAD_SLOTS=1
	guest_case smp2-shared cpuid=3000,io=10,msr=5 cpuid=3000,io=40,msr=15
	unset EXITPROF_THREAD_SLOTS
	PROF_ARGS=""
	check_tracepoints
	[ -n "$_mode" ] && echo "$_mode" >/sys/module/kvm/parameters/exit_stats
fi
