# Faults, each with real exits: what exitprof does when something goes wrong around it, and that
# what it reports is still exact (the tracefs hist oracle over the same window, lib/oracle.sh).
#   fault-vmm-kill     the VMM is SIGKILLed mid-profile: exitprof ends by itself, status 0, with
#                      the summary, and its counts equal the oracle's up to the kill
#   fault-prof-kill    exitprof is SIGKILLed while attached: none of its programs stays loaded
#                      or attached (bpftool prog/perf list), and the VM runs on
#   fault-two-profs    two exitprofs on the same VM at once: each equals the oracle exactly
#   fault-map-full     --max-keys 3 on a VM with more keys: every row shown equals the oracle
#                      for its (vCPU, reason), and the WARNING's dropped count is exactly the
#                      oracle's exits of the keys that did not fit
#   fault-cpu-offline  CPU 1 goes offline and back while the VM runs: exitprof runs on, ends
#                      with the VM, status 0, and equals the oracle and the guest's own counts
#   fault-full-fs      --csv on a tmpfs that fills up during the run, and stdout on /dev/full:
#                      one error line each, status 1, and the total (table on stdout, or on
#                      stderr) equals the oracle; the VMM runs until both have failed (at
#                      most 60 s), then is SIGKILLed, and both exitprofs end with it
#   fault-sigpipe      --interval piped into a reader that quits (head -n 3): exitprof ends on
#                      its own while the VM still runs, status 0, nothing on stderr but its
#                      start line, and its CSV still ends with the total
# Guests that "run until killed" have more CPUIDs than any check waits for (2^32 - 1).

ENDLESS=cpuid=4294967295

# fault_guest NAME MIX...: hist triggers on, a micro-guest created and waiting; sets FDIR, FG.
# Non-zero (and a FAIL result for NAME) if the guest does not get ready.
fault_guest() {
	_fname=$1
	shift
	FDIR=$ART/$_fname
	guest_start "$FDIR" "$@"
	case $? in
	0) FG=$GUEST_PID GUEST_DIR=$FDIR; return 0 ;; # GUEST_DIR: wait_pid_int's notes go here
	1) result "$_fname" FAIL "cannot set the hist triggers" ;;
	*) result "$_fname" FAIL "micro-guest not ready: $(head -c 200 "$FDIR/guest.err")" ;;
	esac
	return 1
}

# fault_finish SECONDS PROF-PIDS...: waits for the guest to end by itself (its status in FGRC),
# then for each exitprof (SIGINT if it does not end; statuses in FRCS), saves the histograms.
# FLATE: how many exitprofs did not end by themselves when the VM did (a failure for each check).
fault_finish() {
	wait_pid $FG "$1"
	FGRC=$? FRCS=""
	shift
	for _p in "$@"; do
		wait_pid_int $_p 20
		FRCS="$FRCS${FRCS:+ }$?"
	done
	FLATE=$(grep -c 'did not end by itself' "$FDIR/exitprof.err" 2>/dev/null)
	hist_stop "$FDIR"
}

# fault_prof TAG EXITPROF-ARGS...: exitprof --vm $FG in the background, attached; sets FP.
fault_prof() {
	_tag=$1
	shift
	exitprof --vm $FG "$@" >"$FDIR/$_tag.out" 2>"$FDIR/$_tag.err" &
	FP=$!
	profiler_attached $FP "$FDIR/$_tag.err" || echo "lab: exitprof did not attach within 30 s" >>"$FDIR/$_tag.err"
}

# fault_tids: the guest's vCPU threads (its VCPU lines).
fault_tids() { guest_tids "$FDIR/guest.out"; }

# fault_wait_exits N SECONDS: waits until the guest's threads have made N exits (the oracle's
# histogram, read live), while the guest lives.
fault_wait_exits() {
	_i=0
	while [ $_i -lt $(($2 * 10)) ] && kill -0 $FG 2>/dev/null; do
		cat "$KVM_EXIT/hist" >"$FDIR/hist-live.txt"
		[ "$(hist_counts "$FDIR/hist-live.txt" $(fault_tids) | counts_total)" -ge "$1" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# vs_oracle COUNTS: "" when COUNTS ("reason count") equals the oracle over the guest's threads
# for every reason both ways, else the differences (want=hist).
vs_oracle() {
	hist_counts "$FDIR/hist-exit.txt" $(fault_tids) >"$FDIR/hist.counts"
	count_diffs "$FDIR/hist.counts" "$1" want got
}

# The number in a "WARNING: N exits not counted" line of the last total table in FILE (0 if none).
table_dropped() {
	awk '/^=== exitprof / { t = ($3 == "total:"); d = 0 } t && /^WARNING: [0-9]+ exits not counted/ { d = $2 }
		END { print d + 0 }' "$1"
}

fault_vmm_kill() {
	fault_guest fault-vmm-kill $ENDLESS $ENDLESS || return
	fault_prof prof --csv "$FDIR/prof.csv"
	kill -USR1 $FG
	fault_wait_exits 2000 120
	kill -9 $FG
	wait $FG 2>/dev/null
	_t0=$(cut -d' ' -f1 /proc/uptime)
	wait_pid $FP 30
	_rc=$?
	_took=$(awk -v a="$_t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.2f", b - a }')
	hist_stop "$FDIR"
	exitprof_counts "$FDIR/prof.csv" >"$FDIR/prof.counts" 2>/dev/null
	_bad=$(vs_oracle "$FDIR/prof.counts")
	_n=$(counts_total "$FDIR/hist.counts")
	if [ "$_rc" != 0 ] || ! grep -q "VM pid $FG exited after" "$FDIR/prof.err" || ! grep -q '=== exitprof total' "$FDIR/prof.out"; then
		result fault-vmm-kill FAIL "exitprof status $_rc ${_took}s after the kill (124: did not end by itself), summary $(grep -c '=== exitprof total' "$FDIR/prof.out"): $(tr '\n' ' ' <"$FDIR/prof.err" | head -c 300)"
	elif [ -n "$_bad" ] || [ "$_n" -lt 2000 ]; then
		result fault-vmm-kill FAIL "exitprof vs hist oracle up to the kill (want=hist): ${_bad:-equal} over $_n exits"
	else
		result fault-vmm-kill PASS "VMM SIGKILLed after $_n exits: exitprof ended by itself ${_took}s later, status 0, '$(grep -o "VM pid $FG exited after [0-9.]* s" "$FDIR/prof.err")'; == hist oracle: $(brief "$FDIR/hist.counts")"
	fi
}

# handle_kvm_* programs loaded in the kernel, and the perf attachments exitprof's pid holds.
kvm_progs() { bpftool prog list 2>/dev/null | grep -c 'name handle_kvm_'; }
pid_links() { bpftool perf list 2>/dev/null | grep -c "^pid $1 "; }

fault_prof_kill() {
	if ! have bpftool; then
		result fault-prof-kill SKIP "bpftool not in the initramfs (lab/run packs it when the host has it: scripts/setup)"
		return
	fi
	_before=$(kvm_progs)
	fault_guest fault-prof-kill $ENDLESS || return
	fault_prof prof
	kill -USR1 $FG
	fault_wait_exits 500 120
	_p=$FP _att=$(pid_links $FP) _loaded=$(kvm_progs)
	bpftool perf list >"$FDIR/perf-before.txt" 2>&1
	kill -9 $_p
	wait $_p 2>/dev/null
	# The kernel frees a closed program after an RCU grace period: wait for it, at most 10 s.
	_i=0
	while [ $_i -lt 100 ] && { [ "$(kvm_progs)" != "$_before" ] || [ "$(pid_links $_p)" != 0 ]; }; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_after=$(kvm_progs) _left=$(pid_links $_p)
	bpftool prog list >"$FDIR/prog-after.txt" 2>&1
	bpftool perf list >"$FDIR/perf-after.txt" 2>&1
	# The VM runs on without a profiler: its exits go on.
	cat "$KVM_EXIT/hist" >"$FDIR/hist-a.txt"
	_a=$(hist_counts "$FDIR/hist-a.txt" $(fault_tids) | counts_total)
	fault_wait_exits $((_a + 200)) 60
	_alive=$?
	kill -9 $FG 2>/dev/null
	wait $FG 2>/dev/null
	hist_stop "$FDIR"
	if [ "$_att" -lt 2 ] || [ "$_loaded" -le "$_before" ]; then
		result fault-prof-kill FAIL "exitprof was not attached before the kill: $_att perf attachments, $_loaded handle_kvm_ programs ($_before before)"
	elif [ "$_after" != "$_before" ] || [ "$_left" != 0 ]; then
		result fault-prof-kill FAIL "after SIGKILL: $_after handle_kvm_ programs loaded ($_before before), $_left attachments of pid $_p left: $(grep handle_kvm_ "$FDIR/prog-after.txt" | head -c 200)"
	elif [ "$_alive" != 0 ]; then
		result fault-prof-kill FAIL "the VM stopped making exits after exitprof was killed"
	else
		result fault-prof-kill PASS "attached ($_att tracepoint attachments, $_loaded handle_kvm_ programs), SIGKILLed: after $((_i * 100)) ms none loaded ($_after, as before), no attachment of pid $_p; the VM ran on (200 more exits)"
	fi
}

fault_two_profs() {
	fault_guest fault-two-profs cpuid=3000,io=300,msr=100 cpuid=1000,io=100,msr=300 || return
	fault_prof a --csv "$FDIR/a.csv"
	_pa=$FP
	fault_prof b --csv "$FDIR/b.csv" --per-vcpu
	_pb=$FP
	kill -USR1 $FG
	fault_finish 120 $_pa $_pb
	_grc=$FGRC
	set -- $FRCS
	_ra=$1 _rb=$2
	exitprof_counts "$FDIR/a.csv" >"$FDIR/a.counts" 2>/dev/null
	exitprof_counts "$FDIR/b.csv" >"$FDIR/b.counts" 2>/dev/null
	_da=$(vs_oracle "$FDIR/a.counts")
	_db=$(vs_oracle "$FDIR/b.counts")
	expect_counts_of "$FDIR/guest.out" >"$FDIR/expect.counts"
	_de=$(diff_counts "$FDIR/expect.counts" "$FDIR/hist.counts")
	if [ "$_grc" != 0 ] || [ -n "$_de" ] || [ "${FLATE:-0}" != 0 ]; then
		result fault-two-profs FAIL "micro-guest status $_grc; hist vs the guest's mix: ${_de:-equal}; ${FLATE:-0} exitprofs did not end with the VM"
	elif [ "$_ra" != 0 ] || [ "$_rb" != 0 ] || [ -n "$_da$_db" ]; then
		result fault-two-profs FAIL "status $_ra and $_rb; vs hist oracle (want=hist): first ${_da:-equal}; second ${_db:-equal}"
	else
		result fault-two-profs PASS "two exitprofs (pids $_pa, $_pb) at once, both == hist oracle ($(counts_total "$FDIR/hist.counts") exits): $(brief "$FDIR/hist.counts")"
	fi
}

fault_map_full() {
	_keys=3
	fault_guest fault-map-full cpuid=500,io=50,msr=20 cpuid=300,io=30,msr=40 || return
	fault_prof prof --max-keys $_keys --csv "$FDIR/prof.csv"
	kill -USR1 $FG
	fault_finish 120 $FP
	_grc=$FGRC _rc=$FRCS
	hist_counts "$FDIR/hist-exit.txt" $(fault_tids) >"$FDIR/hist.counts"
	# Per (vCPU, reason): each CSV row against the oracle of that vCPU's thread (all threads when
	# the kernel's kvm_exit has no vcpu_id: then there is one key per reason).
	_bad="" _shown=0 _rows=0
	tr -d '\r' <"$FDIR/prof.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["kind"] == "total" { print ($c["vcpu"] == "" ? "-" : $c["vcpu"]), $c["reason"], $c["count"] }' >"$FDIR/prof.rows"
	while read -r _v _r _n; do
		_tid=$(sed -n "s/^VCPU $_v tid=//p" "$FDIR/guest.out")
		[ -n "$_tid" ] || _tid=$(fault_tids)
		hist_counts "$FDIR/hist-exit.txt" $_tid >"$FDIR/hist-key.counts"
		_want=$(lookup "$FDIR/hist-key.counts" "$_r")
		[ "$_want" = "$_n" ] || _bad="$_bad vCPU $_v $(reason_name "$_r"): hist=$_want exitprof=$_n;"
		_shown=$((_shown + _n)) _rows=$((_rows + 1))
	done <"$FDIR/prof.rows"
	_all=$(counts_total "$FDIR/hist.counts")
	_dropped=$(table_dropped "$FDIR/prof.out")
	_jd=""
	if [ "$_grc" != 0 ] || [ "$_rc" != 0 ] || [ "${FLATE:-0}" != 0 ]; then
		result fault-map-full FAIL "micro-guest status $_grc, exitprof status $_rc (ended by the lab's SIGINT: ${FLATE:-0}): $(tr '\n' ' ' <"$FDIR/prof.err" | head -c 300)"
	elif [ "$_rows" != "$_keys" ]; then
		result fault-map-full FAIL "$_rows CSV rows with --max-keys $_keys (the VM has $(wc -l <"$FDIR/hist.counts") reasons on 2 vCPUs: the map should be full)"
	elif [ -n "$_bad" ] || [ "$_dropped" != $((_all - _shown)) ]; then
		result fault-map-full FAIL "rows vs hist:${_bad:- equal}; WARNING says $_dropped dropped, hist has $((_all - _shown)) exits outside the rows shown"
	else
		result fault-map-full PASS "--max-keys $_keys: $_rows rows each == hist of its (vCPU, reason) ($_shown exits), '$(grep -m 1 '^WARNING: [0-9]* exits not counted' "$FDIR/prof.out" | cut -c 1-40)...' == hist's $((_all - _shown)) exits of the keys that did not fit ($_all in all)"
	fi
}

fault_cpu_offline() {
	_cpu=/sys/devices/system/cpu/cpu1/online
	if [ ! -w "$_cpu" ]; then
		result fault-cpu-offline SKIP "no hot-pluggable CPU 1 ($_cpu missing: L1 has $(grep -c ^processor /proc/cpuinfo) CPU(s))"
		return
	fi
	fault_guest fault-cpu-offline cpuid=60000,io=600,msr=200 cpuid=60000,io=600,msr=200 || return
	fault_prof prof --csv "$FDIR/prof.csv"
	kill -USR1 $FG
	fault_wait_exits 1000 60
	echo 0 >"$_cpu"
	_off=$(cat /sys/devices/system/cpu/online)
	fault_wait_exits 3000 60
	echo 1 >"$_cpu"
	_on=$(cat /sys/devices/system/cpu/online)
	# The fault counts only if it came and went while the VM ran.
	_mid=no
	kill -0 $FG 2>/dev/null && _mid=yes
	fault_finish 300 $FP
	_grc=$FGRC _rc=$FRCS
	exitprof_counts "$FDIR/prof.csv" >"$FDIR/prof.counts" 2>/dev/null
	_bad=$(vs_oracle "$FDIR/prof.counts")
	expect_counts_of "$FDIR/guest.out" >"$FDIR/expect.counts"
	_de=$(diff_counts "$FDIR/expect.counts" "$FDIR/prof.counts")
	if [ "$_off" != 0 ] || [ "$_mid" != yes ]; then
		result fault-cpu-offline FAIL "the fault did not happen mid-run: online CPUs while offline '$_off', back '$_on', guest still running after: $_mid"
	elif [ "$_grc" != 0 ] || [ "$_rc" != 0 ] || [ "${FLATE:-0}" != 0 ]; then
		result fault-cpu-offline FAIL "micro-guest status $_grc, exitprof status $_rc (ended by the lab's SIGINT: ${FLATE:-0}): $(tr '\n' ' ' <"$FDIR/prof.err" | head -c 300)"
	elif [ -n "$_bad$_de" ]; then
		result fault-cpu-offline FAIL "exitprof vs hist (want=hist): ${_bad:-equal}; vs the guest's mix: ${_de:-equal}"
	else
		result fault-cpu-offline PASS "CPU 1 offline (online: $_off) and back ($_on) mid-run: exitprof ran on, status 0, == hist oracle and the guest's mix ($(counts_total "$FDIR/hist.counts") exits): $(brief "$FDIR/hist.counts")"
	fi
}

fault_full_fs() {
	_mnt=/tmp/fault-fs
	mkdir -p $_mnt
	umount $_mnt 2>/dev/null
	if ! mount -t tmpfs -o size=8k tmpfs $_mnt; then
		result fault-full-fs SKIP "cannot mount a tmpfs of 8 KiB at $_mnt"
		return
	fi
	# Guests that run until killed: the check waits for what it needs, both writes failed, however
	# long that takes in L1's clock (a guest of 40,000 exits lasted about 1.6 s under QEMU and
	# 0.25 s under Bochs, too short there), then ends the VMM.
	fault_guest fault-full-fs $ENDLESS $ENDLESS || { umount $_mnt; return; }
	# Rows every 50 ms: more than the 4 KiB page its header started fill up within the run.
	fault_prof csv --csv $_mnt/prof.csv --interval 0.05
	_pc=$FP
	exitprof --vm $FG --interval 0.2 >/dev/full 2>"$FDIR/stdout.err" &
	_ps=$!
	profiler_attached $_ps "$FDIR/stdout.err"
	# The CSV's header is written: now the filesystem fills up.
	dd if=/dev/zero of=$_mnt/fill bs=1k 2>/dev/null
	_free=$(df -k $_mnt | awk 'NR == 2 { print $4 }')
	kill -USR1 $FG
	_t0=$(cut -d' ' -f1 /proc/uptime)
	_i=0
	while [ $_i -lt 600 ] && kill -0 $FG 2>/dev/null &&
		! { grep -q 'cannot write --csv' "$FDIR/csv.err" && grep -q 'cannot write the table' "$FDIR/stdout.err"; }; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_took=$(awk -v a="$_t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.2f", b - a }')
	kill -9 $FG
	fault_finish 30 $_pc $_ps
	_grc=$FGRC
	set -- $FRCS
	_rc=$1 _rs=$2
	_csvsize=$(wc -c <$_mnt/prof.csv)
	umount $_mnt
	table_counts "$FDIR/csv.out" >"$FDIR/csv.counts"
	table_counts "$FDIR/stdout.err" >"$FDIR/stdout.counts"
	_bc=$(vs_oracle "$FDIR/csv.counts")
	_bs=$(vs_oracle "$FDIR/stdout.counts")
	_ec=$(grep -c "cannot write --csv $_mnt/prof.csv (No space left on device)" "$FDIR/csv.err")
	_es=$(grep -c 'cannot write the table (No space left on device)' "$FDIR/stdout.err")
	if [ "$_grc" != 137 ] || [ "$_free" != 0 ] || [ "${FLATE:-0}" != 0 ]; then
		result fault-full-fs FAIL "micro-guest status $_grc (137 wanted: SIGKILLed by the check after ${_took}s); the tmpfs had $_free KiB free after filling; ${FLATE:-0} exitprofs did not end with the VM"
	elif [ "$_rc" != 1 ] || [ "$_ec" != 1 ] || [ -n "$_bc" ] || [ ! -s "$FDIR/csv.counts" ]; then
		result fault-full-fs FAIL "--csv on a full tmpfs (VMM killed after ${_took}s): status $_rc, $_ec error lines, table total vs hist (want=hist): ${_bc:-equal}: $(tr '\n' ' ' <"$FDIR/csv.err" | head -c 300)"
	elif [ "$_rs" != 1 ] || [ "$_es" != 1 ] || [ -n "$_bs" ] || [ ! -s "$FDIR/stdout.counts" ]; then
		result fault-full-fs FAIL "stdout on /dev/full (VMM killed after ${_took}s): status $_rs, $_es error lines, stderr's total vs hist (want=hist): ${_bs:-equal}: $(grep -v '^[A-Za-z(]* *[0-9]' "$FDIR/stdout.err" | tr '\n' ' ' | head -c 300)"
	else
		result fault-full-fs PASS "--csv on a full tmpfs ($_csvsize bytes written): status 1, '$(grep -m 1 'cannot write --csv' "$FDIR/csv.err" | cut -c 1-90)...', table on stdout == hist; stdout on /dev/full: status 1, '$(grep -m 1 'cannot write the table' "$FDIR/stdout.err" | cut -c 1-70)...', the total on stderr == hist ($(counts_total "$FDIR/hist.counts") exits; both failed, VMM killed ${_took}s after the start)"
	fi
}

fault_sigpipe() {
	fault_guest fault-sigpipe $ENDLESS || return
	kill -USR1 $FG
	fault_wait_exits 200 60
	_t0=$(cut -d' ' -f1 /proc/uptime)
	{
		exitprof --vm $FG --interval 0.2 --csv "$FDIR/prof.csv" 2>"$FDIR/prof.err"
		echo $? >"$FDIR/prof.rc"
	} | head -n 3 >"$FDIR/head.out" &
	_pipe=$!
	# exitprof's status file appears when it has ended (at most 60 s).
	_i=0
	while [ ! -s "$FDIR/prof.rc" ] && [ $_i -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_took=$(awk -v a="$_t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.2f", b - a }')
	wait_pid $_pipe 10
	_alive=no
	kill -0 $FG 2>/dev/null && _alive=yes
	kill -9 $FG 2>/dev/null
	wait $FG 2>/dev/null
	hist_stop "$FDIR"
	_rc=$(cat "$FDIR/prof.rc" 2>/dev/null)
	_noise=$(grep -v '^exitprof: profiling' "$FDIR/prof.err" | head -c 200 | tr '\n' ' ')
	_last=$(tr -d '\r' <"$FDIR/prof.csv" | tail -n 1 | cut -d, -f2)
	if [ "$_rc" != 0 ] || [ -n "$_noise" ] || [ "$_alive" != yes ] || [ "$_last" != total ]; then
		result fault-sigpipe FAIL "status '${_rc:-none}' after ${_took}s, stderr '$_noise', VM still running: $_alive, last CSV row of kind '$_last'"
	else
		result fault-sigpipe PASS "| head -n 3 quit: exitprof ended by itself ${_took}s after it started, status 0, quiet stderr, while the VM ran on; CSV ends with the total"
	fi
}

if ! have mixguest || ! have exitprof; then
	result faults SKIP "mixguest or exitprof not in the initramfs"
else
	fault_vmm_kill
	fault_prof_kill
	fault_two_profs
	fault_map_full
	fault_cpu_offline
	fault_full_fs
	fault_sigpipe
fi
