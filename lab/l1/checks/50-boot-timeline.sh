# Boot timeline: an L2 Linux (the lab's kernel, a busybox /init) boots to poweroff under KVM
# inside L1, recorded by `exitprof record --boot`. Needs the L2 piece (lab/run --l2,
# lab/l2/build); SKIPs without it.
#   boot-l2               L2 reached /init and powered off (its markers came through)
#   timeline-vs-summary, timeline-vs-hist, reader-absent, timeline-vs-leaves, reader-vs-bpf:
#                         the timeline against the other counters (lab/l1/lib/boot.sh), the reader
#                         run by /init after its "EXITPROF-L2 init" marker
#   timeline-vm           exitprof --vm PID --timeline on a micro-guest with a known exit mix: the
#                         timeline's per-reason counts == exitprof's summary, and == the counts the
#                         guest controls (CPUID, IO, MSR)
# Artefacts in $ART/boot: boot.csv, console.csv, summary.csv, marks.csv, hist-*.txt, *.err;
# without a share (Bochs) they come back over the console (art_ship, lib/result.sh).
# The host draws the plot (gnuplot is not in L1): exitprof plot boot.csv -o boot.svg --marks marks.csv
BOOT_DIR=${ART:?lib/result.sh sets ART}/boot
BOOT_BIN_MS=${BOOT_BIN_MS:-10}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
BOOT_NAME=boot-l2
# boot_l2_verbose=1 on L1's command line (lab/run: EXITPROF_LAB_APPEND=boot_l2_verbose=1): L2
# prints its whole kernel log, so the console marks the firmware -> kernel handover, at the cost
# of the serial port's exits.
if [ "${boot_l2_verbose:-0}" = 1 ]; then
	export L2_APPEND="console=ttyS0 panic=-1"
fi

boot_timeline() {
	if [ ! -x /l2/boot-l2 ]; then
		result boot-l2 SKIP "no L2 piece in this initramfs (lab/run --l2 adds it)"
		return
	fi
	if ! have exitprof; then
		result boot-l2 SKIP "exitprof not built"
		return
	fi
	boot_record /l2/boot-l2 || return
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
	result boot-l2 PASS "L2 booted to poweroff: $BOOT_TOTAL exits over $_last ms from the first VM-entry; ${_dec:+decompressor at $_dec ms, }${_boot:+kernel at $_boot ms, }L2 clock 0 at $_kclk ms, /init at $_init ms, poweroff at $_off ms; $(sort -k2,2nr "$BOOT_DIR/timeline.counts" | awk '{ printf "%s=%s ", $3, $2 }')${BOOT_EARLIER:+; repeated, earlier: $BOOT_EARLIER}"
	boot_cross_checks "" 'EXITPROF-L2 init'
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
art_ship "$BOOT_DIR" # no share (Bochs): the host gets the timeline over the console
timeline_vm
