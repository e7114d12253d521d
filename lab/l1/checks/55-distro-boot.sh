# The distribution boot: a Debian 12 guest (lab/l2/distro: mmdebstrap minbase, Debian's cloud
# kernel and its initramfs-tools initramfs, systemd, udev, on a virtio disk) boots from SeaBIOS
# to multi-user.target and powers off under KVM inside L1, recorded by `exitprof record --boot`.
# Needs the distro piece (lab/run --distro); SKIPs without it.
#   distro-boot        the guest reached multi-user.target (exitprof-boot-done.service's marker)
#                      and powered off: its exits, the L2 kernel's clock start and each main phase
#   distro-phases      the console marks (lab/l2/distro/marks) show the whole boot, in order:
#                      the firmware's first line and its "Booting from ROM" (SeaBIOS's log on
#                      QEMU's debugcon; not required with DISTRO_DEBUGCON=0), kernel clock 0,
#                      initramfs, systemd as PID 1, sysinit.target, basic.target,
#                      multi-user.target, the login prompt, exitprof-boot-done, poweroff, the
#                      kernel's Power down
#   distro-timeline-vs-summary, distro-timeline-vs-hist, distro-reader-absent,
#   distro-timeline-vs-leaves, distro-reader-vs-bpf: the timeline against the other counters
#                      (lab/l1/lib/boot.sh), with exitprof-cpuid run by exitprof-boot-done.service
#                      after its "EXITPROF-L2 multi-user" marker
# Artefacts in $ART/distro: boot.csv, console.csv, marks.csv, summary.csv, l2.out, hist-*.txt;
# the host draws the plot and the phase table (lab/l2/plot-boot, as for the minimal boot).
# 100 ms bins: the boot is long under nested emulation, and the timeline map holds 65,536
# (bin, vCPU, reason) cells.
BOOT_DIR=${ART:?lib/result.sh sets ART}/distro
BOOT_BIN_MS=${DISTRO_BIN_MS:-100}
# The boot took 32.8 s of L1 wall time with L1 on one CPU (docs/boot-analysis.md): 300 s is
# ample, and a hung boot costs no more.
BOOT_TIMEOUT=${DISTRO_TIMEOUT:-300}
BOOT_NAME=distro-boot
# One boot: a hung one already costs BOOT_TIMEOUT.
BOOT_TRIES=${BOOT_TRIES:-1}

# mark_t REGEX: t_ms of the first mark whose label matches REGEX (empty if none).
mark_t() { awk -F, -v re="$1" 'NR > 1 && $2 ~ re { print $1; exit }' "$BOOT_DIR/marks.csv"; }

distro_boot() {
	if [ ! -x /l2/distro/boot-distro ] || [ ! -x /l2/boot-l2 ]; then
		result distro-boot SKIP "no distro piece in this initramfs (lab/run --distro adds it)"
		return
	fi
	if ! have exitprof; then
		result distro-boot SKIP "exitprof not built"
		return
	fi
	boot_record /l2/distro/boot-distro || return
	/l2/distro/marks "$BOOT_DIR/console.csv" >"$BOOT_DIR/marks.csv"
	sed 's/^/LAB-LOG distro-boot: mark /' "$BOOT_DIR/marks.csv"
	_multi=$(mark_t '^exitprof-boot-done')
	if [ -z "$_multi" ]; then
		result distro-boot FAIL "powered off without reaching multi-user.target (no EXITPROF-L2 multi-user marker): $(tail -c 300 "$BOOT_DIR/l2.out" | tr -d '\r' | tr '\n' ' ')"
		return
	fi
	_last=$(boot_bins | awk -F, '{ t = $1 } END { print t + 0 }')
	_ns=$(summary_ns "$BOOT_DIR/summary.csv")
	_khz=$(tsc_khz)
	_cyc=$(awk -v n="$_ns" -v k="$_khz" 'BEGIN { if (k > 0) printf "%.0f", n * k / 1e6; else print "?" }')
	_leaf=$(tr -d '\r' <"$BOOT_DIR/l2.out" | sed -n 's/.*EXITPROF-L2 cpuid total,total,valid,\([0-9]*\),\([0-9]*\).*/\1 exits, \2 cycles/p' | head -n 1)
	_at=""
	for _m in '^firmware: Booting from ROM' 'kernel clock 0' '^initramfs' '^systemd' 'multi-user.target' 'login prompt' \
		'^exitprof-boot-done' '^poweroff' 'Power down'; do
		_t=$(mark_t "$_m")
		[ -n "$_t" ] && _at="$_at$(awk -F, -v re="$_m" 'NR > 1 && $2 ~ re { print $2; exit }' "$BOOT_DIR/marks.csv") at $_t ms ($(cum_before "$_t") exits before), "
	done
	_warn=$(grep -m 1 'drop' "$BOOT_DIR/record.err" | tr -d '\r')
	result distro-boot PASS "Debian 12 booted to multi-user and powered off: $BOOT_TOTAL exits over $_last ms from the first VM-entry (L1 wall $BOOT_WALL s); exit->entry time $(awk -v n="$_ns" 'BEGIN { printf "%.3f", n / 1e9 }') s = $_cyc cycles at L1's $_khz kHz TSC; ${_leaf:+the patch's counters inside L2 at multi-user: $_leaf; }${_at%, }; $(sort -k2,2nr "$BOOT_DIR/timeline.counts" | awk '{ printf "%s=%s ", $3, $2 }')${_warn:+; $_warn}${BOOT_EARLIER:+; repeated, earlier: $BOOT_EARLIER}"

	# The marks in boot order; each must be there and later than the one before.
	_prev=-1 _miss="" _order="" _fw=""
	[ "${DISTRO_DEBUGCON:-1}" = 0 ] || _fw="'^firmware: SeaBIOS' '^firmware: Booting from ROM'"
	eval "set -- $_fw 'kernel clock 0' '^initramfs' '^systemd: PID 1' 'target sysinit.target' 'target basic.target' \
		'target multi-user.target' 'login prompt' '^exitprof-boot-done' '^poweroff requested' 'Power down'"
	for _m in "$@"; do
		_t=$(mark_t "$_m")
		if [ -z "$_t" ]; then
			_miss="$_miss '$_m'"
			continue
		fi
		awk -v a="$_prev" -v b="$_t" 'BEGIN { exit !(b + 0 >= a + 0) }' || _order="$_order '$_m' at $_t < $_prev;"
		_prev=$_t
	done
	_n=$(($(grep -c . "$BOOT_DIR/marks.csv") - 1))
	if [ -z "$_miss$_order" ]; then
		result distro-phases PASS "$_n marks from the console, the boot's phases in order ($(grep -c '^[^,]*,target ' "$BOOT_DIR/marks.csv") targets reached)"
	else
		result distro-phases FAIL "${_miss:+missing:$_miss; }${_order:+out of order:$_order}"
	fi
	boot_cross_checks distro- 'EXITPROF-L2 multi-user'
}

# summary_ns CSV: exit->entry ns summed over the summary's total rows (docs/output.md).
summary_ns() {
	tr -d '\r' <"$1" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["kind"] == "total" { s += $c["total_ns"] } END { printf "%.0f", s }'
}

distro_boot
