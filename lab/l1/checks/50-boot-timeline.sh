# Boot timeline (issue 6): an L2 Linux boots to poweroff under KVM inside L1, recorded by
# `exitprof record --boot`. Needs the L2 piece (lab/run --l2, lab/l2/build); SKIPs without it.
#   boot-l2               L2 reached /init and powered off (its markers came through)
#   timeline-vs-summary   per reason, the timeline CSV's counts == exitprof's summary of the same run
#                         (two BPF maps filled independently)
#   timeline-vs-hist      per reason, the timeline CSV == the tracefs hist oracle (nothing else runs
#                         guests during the boot, so every kvm_exit in the window is L2's)
#   timeline-vs-leaves    (with exitprof-cpuid in L2) the patch's per-VM total read inside L2 lies
#                         between the timeline's exits before /init printed its marker and those
#                         before the cpuid lines arrived
#   reader-vs-bpf         (with exitprof-cpuid in L2) the same bracket per reason: every count the
#                         reader printed (its --csv rows), and 0 for a reason it left out, lies
#                         between that reason's timeline exits at the two times
#   reader-absent         (KVM without the patch, exitprof-cpuid in L2) the reader exits 2 with
#                         one line saying the kernel does not implement the leaves
#   timeline-vm           exitprof --vm PID --timeline on a micro-guest with a known exit mix: the
#                         timeline's per-reason counts == exitprof's summary, and == the counts the
#                         guest controls (CPUID, IO, MSR)
# Artefacts in $ART/boot: boot.csv, console.csv, summary.csv, marks.csv, hist-*.txt, *.err.
# The host draws the plot (gnuplot is not in L1): exitprof plot boot.csv -o boot.svg --marks marks.csv
BOOT_DIR=${ART:?lib/result.sh sets ART}/boot
BOOT_BIN_MS=${BOOT_BIN_MS:-10}
# boot_l2_verbose=1 on L1's command line (lab/run: EXITPROF_LAB_APPEND=boot_l2_verbose=1): L2
# prints its whole kernel log, so the console marks the firmware -> kernel handover, at the cost
# of the serial port's exits.
if [ "${boot_l2_verbose:-0}" = 1 ]; then
	export L2_APPEND="console=ttyS0 panic=-1"
fi

# timeline_agrees NAME OTHER PASS-DETAIL FAIL-PREFIX WHAT: result NAME from the boot timeline's
# per-reason counts against another counter's "reason count" file OTHER (WHAT names it when empty).
timeline_agrees() {
	_d=$(count_diffs "$BOOT_DIR/timeline.counts" "$2")
	if [ -z "$_d" ] && [ -s "$2" ]; then
		result "$1" PASS "$3"
	else
		result "$1" FAIL "$4: ${_d:-$5 empty}"
	fi
}

# console_t REGEX: t_ms of the first console line matching REGEX (empty if none).
console_t() {
	tr -d '\r' <"$BOOT_DIR/console.csv" | awk -F, -v re="$1" 'NR > 1 && $0 ~ re { print $1; exit }'
}

# The boot timeline's bins, "t_ms,reason,count,reason_name" (columns by header name).
boot_bins() { csv_cols "$BOOT_DIR/boot.csv" t_ms reason count reason_name; }
# cum_before T: timeline exits in bins that end at or before T ms; cum_upto T: in bins starting
# at or before T.
cum_before() { boot_bins | awk -F, -v t="$1" -v w="$BOOT_BIN_MS" '$1 + w <= t { s += $3 } END { print s + 0 }'; }
cum_upto() { boot_bins | awk -F, -v t="$1" '$1 <= t { s += $3 } END { print s + 0 }'; }
# reason_cum_before T / reason_cum_upto T: the same two cuts per reason, "reason count name".
reason_cum_before() { boot_bins | awk -F, -v t="$1" -v w="$BOOT_BIN_MS" '$2 != "" && $1 + w <= t { n[$2] += $3; nm[$2] = $4 } END { for (r in n) print r, n[r], nm[r] }' | sort -n; }
reason_cum_upto() { boot_bins | awk -F, -v t="$1" '$2 != "" && $1 <= t { n[$2] += $3; nm[$2] = $4 } END { for (r in n) print r, n[r], nm[r] }' | sort -n; }

# reader_counts L2OUT: "reason count name" of the valid per-reason rows exitprof-cpuid --csv
# printed inside L2 (lines "EXITPROF-L2 cpuid reason,name,status,count,cycles"; the header and the
# total row are left out).
reader_counts() {
	tr -d '\r' <"$1" | sed -n 's/^.*EXITPROF-L2 cpuid //p' |
		awk -F, '$1 ~ /^[0-9]+$/ && $3 == "valid" { print $1, $4, $2 }' | sort -n
}

# reader_outside LO HI READER: "name(reason):reader=N,bpf=[lo,hi] " for every reason whose
# reader count lies outside its bracket. A reason the timeline has but the reader did not print counts 0 for
# the reader (it hides zero counts), so a missed reason is outside once its lower cut is above 0.
reader_outside() {
	awk 'FILENAME == ARGV[1] { lo[$1] = $2; k[$1] = 1; next }
		FILENAME == ARGV[2] { hi[$1] = $2; nm[$1] = $3; k[$1] = 1; next }
		{ rd[$1] = $2; nm[$1] = $3; k[$1] = 1 }
		END { for (r in k) if (rd[r] + 0 < lo[r] + 0 || rd[r] + 0 > hi[r] + 0)
			printf "%s(%s):reader=%d,bpf=[%d,%d] ", nm[r], r, rd[r], lo[r], hi[r] }' "$1" "$2" "$3"
}

boot_timeline() {
	if [ ! -x /l2/boot-l2 ]; then
		result boot-l2 SKIP "no L2 piece in this initramfs (lab/run --l2 adds it)"
		return
	fi
	if ! have exitprof; then
		result boot-l2 SKIP "exitprof not built"
		return
	fi
	# The L2 guest itself failing (its kernel panicked, or it hung until --duration, under nested
	# emulation: seen twice in about 12 boots on a loaded host) while exitprof worked (status 0)
	# gets one more boot; the failed boot is named in the detail and its console kept. exitprof
	# failing never gets a second chance.
	_boot_try=1 _boot_earlier=""
	while :; do
		rm -rf "$BOOT_DIR"
		mkdir -p "$BOOT_DIR"
		hist_start || { result boot-l2 FAIL "cannot set the tracefs hist triggers"; return; }
		_t0=$(cut -d' ' -f1 /proc/uptime)
		exitprof record --boot -o "$BOOT_DIR/boot.csv" --bin "$BOOT_BIN_MS" --console "$BOOT_DIR/console.csv" \
			--csv "$BOOT_DIR/summary.csv" --duration "${BOOT_TIMEOUT:-120}" -- /l2/boot-l2 \
			>"$BOOT_DIR/l2.out" 2>"$BOOT_DIR/record.err"
		_rc=$?
		_t1=$(cut -d' ' -f1 /proc/uptime)
		hist_stop "$BOOT_DIR"
		if [ "$LAB_ISA" = vmx ]; then _pg="kvm_intel ept=$(cat /sys/module/kvm_intel/parameters/ept 2>/dev/null)"
		else _pg="kvm_amd npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)"; fi
		echo "LAB-LOG boot: L1 $_pg, L2 command line: ${L2_APPEND:-default (quiet)}"
		echo "LAB-LOG boot: exitprof record status $_rc, L1 wall $(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.1f", b - a }') s"
		sed 's/^/LAB-LOG boot: /' "$BOOT_DIR/record.err" | grep -v '^LAB-LOG boot: *$' | head -n 40
		if [ $_rc = 0 ] && ! grep -q 'EXITPROF-L2 poweroff' "$BOOT_DIR/l2.out" && [ $_boot_try -lt 2 ]; then
			_why=$(tr -d '\r' <"$BOOT_DIR/l2.out" | grep -a -m1 -o 'Kernel panic.*' | cut -c1-80)
			_boot_earlier="boot $_boot_try: L2 did not power off (${_why:-no panic line: stopped at --duration}), console kept in $ART/boot-try$_boot_try-l2.out"
			cp "$BOOT_DIR/l2.out" "$ART/boot-try$_boot_try-l2.out"
			echo "LAB-LOG boot: $_boot_earlier; booting L2 again"
			_boot_try=$((_boot_try + 1))
			continue
		fi
		break
	done

	if [ $_rc != 0 ] || ! grep -q 'EXITPROF-L2 poweroff' "$BOOT_DIR/l2.out"; then
		_e=$(hist_entries "$BOOT_DIR/hist-entry.txt" 2>/dev/null || echo 0)
		result boot-l2 FAIL "exitprof record status $_rc, $_e kvm_entry events, L2 said: $(tail -c 200 "$BOOT_DIR/l2.out" | tr '\n' ' ')${_boot_earlier:+; earlier: $_boot_earlier}"
		return
	fi
	# Phase marks from the arrival times of L2's console lines: the boot stub's two lines
	# (lab/l2/boot-l2), /init's markers, and the L2 kernel's clock start placed at /init's arrival
	# minus the uptime /init read (valid because L2 gets tsc_early_khz, see lab/l2/boot-l2).
	_dec=$(console_t 'Decompressing Linux')
	_boot=$(console_t 'Booting the kernel')
	_init=$(console_t 'EXITPROF-L2 init')
	_off=$(console_t 'EXITPROF-L2 poweroff')
	_up=$(sed -n 's/.*EXITPROF-L2 init uptime=\([0-9.]*\).*/\1/p' "$BOOT_DIR/l2.out" | head -n 1)
	_kclk=$(awk -v i="$_init" -v u="${_up:-0}" 'BEGIN { printf "%.3f", i - u * 1000 }')
	_last=$(boot_bins | awk -F, '{ t = $1 } END { print t + 0 }')
	{
		echo "t_ms,label"
		[ -n "$_dec" ] && echo "$_dec,firmware done: Decompressing Linux"
		[ -n "$_boot" ] && echo "$_boot,Booting the kernel"
		[ -n "$_up" ] && echo "$_kclk,L2 kernel clock 0 (/init - uptime)"
		echo "$_init,L2 /init"
		echo "$_off,L2 poweroff"
	} >"$BOOT_DIR/marks.csv"
	timeline_counts "$BOOT_DIR/boot.csv" >"$BOOT_DIR/timeline.counts"
	_total=$(counts_total "$BOOT_DIR/timeline.counts")
	result boot-l2 PASS "L2 booted to poweroff: $_total exits over $_last ms from the first VM-entry; ${_dec:+decompressor at $_dec ms, }${_boot:+kernel at $_boot ms, }L2 clock 0 at $_kclk ms, /init at $_init ms, poweroff at $_off ms; $(sort -k2,2nr "$BOOT_DIR/timeline.counts" | awk '{ printf "%s=%s ", $3, $2 }')${_boot_earlier:+; repeated, earlier: $_boot_earlier}"

	exitprof_counts "$BOOT_DIR/summary.csv" >"$BOOT_DIR/summary.counts"
	timeline_agrees timeline-vs-summary "$BOOT_DIR/summary.counts" "every reason's count agrees ($_total exits)" \
		"timeline CSV (a) vs summary CSV (b) differ" summary

	hist_counts "$BOOT_DIR/hist-exit.txt" all >"$BOOT_DIR/hist.counts"
	timeline_agrees timeline-vs-hist "$BOOT_DIR/hist.counts" "every reason's count equals the tracefs hist oracle" \
		"timeline (a) vs hist oracle (b)" hist

	# A KVM without the patch (lab/run --kernel debian-* --l2): the reader must refuse, once.
	if [ ! -f /sys/module/kvm/parameters/exit_stats ]; then
		_st=$(tr -d '\r' <"$BOOT_DIR/l2.out" | sed -n 's/^.*EXITPROF-L2 cpuid-status \([0-9]*\).*/\1/p')
		_msg=$(tr -d '\r' <"$BOOT_DIR/l2.out" | sed -n 's/^.*EXITPROF-L2 cpuid \(exitprof-cpuid: .*\)/\1/p')
		_nl=$(tr -d '\r' <"$BOOT_DIR/l2.out" | grep -c 'EXITPROF-L2 cpuid ')
		if [ -z "$_st" ]; then
			result reader-absent SKIP "no exitprof-cpuid in L2 (not built)"
		elif [ "$_st" = 2 ] && [ "$_nl" = 1 ] && echo "$_msg" | grep -q 'does not implement the exitprof CPUID leaves'; then
			result reader-absent PASS "kernel without the patch: exitprof-cpuid inside L2 exits 2 with one line: $_msg"
		else
			result reader-absent FAIL "kernel without the patch: exitprof-cpuid inside L2 exited $_st with $_nl lines (want 2, one line saying the leaves are not implemented): $(tr -d '\r' <"$BOOT_DIR/l2.out" | grep -m 3 'EXITPROF-L2 cpuid' | tr '\n' ' ')"
		fi
		return
	fi
	_leaf=$(sed -n 's/.*EXITPROF-L2 cpuid total,total,valid,\([0-9]*\),.*/\1/p' "$BOOT_DIR/l2.out" | head -n 1)
	if [ -z "$_leaf" ]; then
		result timeline-vs-leaves SKIP "no exitprof-cpuid total in L2's output (not packed, or the kernel lacks the leaves): $(grep -m 1 'EXITPROF-L2 cpuid' "$BOOT_DIR/l2.out" | tr -d '\r')"
		return
	fi
	_lo=$(cum_before "$_init")
	_hi=$(cum_upto "$(console_t 'EXITPROF-L2 cpuid total')")
	if [ "$_leaf" -ge "$_lo" ] && [ "$_leaf" -le "$_hi" ]; then
		result timeline-vs-leaves PASS "leaf total $_leaf inside L2 lies in the timeline's [$_lo, $_hi] (exits before /init's marker, before the cpuid line)"
	else
		result timeline-vs-leaves FAIL "leaf total $_leaf is outside the timeline's [$_lo, $_hi]"
	fi

	# Per reason, the same bracket. The reader's own CPUIDs need no correction, as for the total:
	# each runs after /init's marker and before the first row was printed, so none is in the lower
	# cut and all are in the upper one, and a CPUID row counts those read before it.
	_tcsv=$(console_t 'EXITPROF-L2 cpuid total')
	reason_cum_before "$_init" >"$BOOT_DIR/reader-lo.counts"
	reason_cum_upto "$_tcsv" >"$BOOT_DIR/reader-hi.counts"
	reader_counts "$BOOT_DIR/l2.out" >"$BOOT_DIR/reader.counts"
	_out=$(reader_outside "$BOOT_DIR/reader-lo.counts" "$BOOT_DIR/reader-hi.counts" "$BOOT_DIR/reader.counts")
	_cmp=$(awk 'FILENAME == ARGV[1] { lo[$1] = $2; next } FILENAME == ARGV[2] { hi[$1] = $2; next }
		{ printf "%s %s in [%d,%d], ", $3, $2, lo[$1], hi[$1] }' \
		"$BOOT_DIR/reader-lo.counts" "$BOOT_DIR/reader-hi.counts" "$BOOT_DIR/reader.counts")
	_nr=$(grep -c . "$BOOT_DIR/reader.counts")
	if [ "$_nr" = 0 ]; then
		result reader-vs-bpf FAIL "the reader printed a total but no reason rows"
	elif [ -z "$_out" ]; then
		result reader-vs-bpf PASS "all $_nr reasons the reader printed lie in the timeline's per-reason brackets (before /init's marker, before the cpuid line): ${_cmp%, }"
	else
		result reader-vs-bpf FAIL "outside their brackets: ${_out% }; compared $_nr reasons: ${_cmp%, }"
	fi
}

# exitprof --vm PID --timeline FILE on an already-running VM (run_guest: lib/guests.sh).
timeline_vm() {
	if ! have mixguest || ! have exitprof; then
		result timeline-vm SKIP "mixguest or exitprof not in the initramfs"
		return
	fi
	PROF_ARGS="--timeline $ART/timeline-vm/timeline.csv --bin 1"
	run_guest timeline-vm cpuid=500,io=40,msr=20
	PROF_ARGS=""
	if [ "$GUEST_RC" != 0 ] || [ "$PROF_RC" != 0 ]; then
		result timeline-vm FAIL "guest status $GUEST_RC, exitprof status $PROF_RC: $(tail -n 1 "$GUEST_DIR/exitprof.err")"
		return
	fi
	timeline_counts "$GUEST_DIR/timeline.csv" >"$GUEST_DIR/timeline.counts"
	exitprof_counts "$GUEST_DIR/exitprof.csv" >"$GUEST_DIR/summary.counts"
	expect_counts >"$GUEST_DIR/expect.counts"
	_d=$(count_diffs "$GUEST_DIR/timeline.counts" "$GUEST_DIR/summary.counts")
	_e=$(awk 'NR == FNR { t[$1] = $2; next } t[$1] + 0 != $2 { printf "%s:timeline=%d,guest=%d ", $1, t[$1], $2 }' \
		"$GUEST_DIR/timeline.counts" "$GUEST_DIR/expect.counts")
	_bins=$(csv_cols "$GUEST_DIR/timeline.csv" t_ms | awk -F, '{ b[$1] = 1 } END { n = 0; for (k in b) n++; print n }')
	if [ -z "$_d" ] && [ -z "$_e" ] && [ -s "$GUEST_DIR/expect.counts" ]; then
		result timeline-vm PASS "--timeline of a running VM: $_bins bins of 1 ms; per reason = summary and = the guest's own counts ($(awk '{ printf "%s=%s ", $1, $2 }' "$GUEST_DIR/expect.counts"))"
	else
		result timeline-vm FAIL "timeline (a) vs summary (b): ${_d:-equal}; vs guest: ${_e:-equal}"
	fi
}

boot_timeline
timeline_vm
