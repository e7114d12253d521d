# The boot checks' helpers (checks/50-boot-timeline.sh: the lab's minimal L2 Linux;
# checks/55-distro-boot.sh: a Debian guest): an L2 guest boots to poweroff under `exitprof
# record --boot`, and its timeline is checked against the other counters.
#
# The caller sets BOOT_DIR (artefacts: boot.csv, console.csv, summary.csv, l2.out, hist-*.txt,
# *.err), BOOT_BIN_MS (bin width), BOOT_TIMEOUT (exitprof record --duration, s) and BOOT_NAME
# (result name of the boot itself). The guests print lab/l2/markers' lines.

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

# The boot's exits in more detail than per reason, kept for reading the boot (nothing checks it):
# keys are the kvm_exit tracepoint's info1 (VMX: the exit qualification; SVM: EXITINFO1; on both
# an I/O exit's port is in bits 31:16) and intr_info (VMX: the vector of an external interrupt
# in bits 7:0). Saved as hist-detail.txt (with the oracle's histogram). Appended (>>): opening the
# trigger file with O_TRUNC (>) removes every trigger of the event, the oracle's too.
HIST_DETAIL='hist:keys=exit_reason,info1,intr_info:vals=hitcount:sort=hitcount.descending:size=8192'

# boot_record VMM-COMMAND...: boots the guest under exitprof record --boot with the tracefs hist
# oracle on. The guest itself failing (its kernel panicked, or it hung until --duration, under
# nested emulation: seen twice in about 12 boots on a loaded host) while exitprof worked (status
# 0) gets one more boot; the failed boot is named in BOOT_EARLIER and its console kept. exitprof
# failing never gets a second chance (BOOT_TRIES=1 on L1's command line: no second boot of the
# guest either). Sets BOOT_RC (exitprof's status) and BOOT_WALL (L1 s);
# returns 1 after reporting BOOT_NAME FAIL itself (no poweroff marker, or exitprof failed).
boot_record() {
	_boot_try=1 BOOT_EARLIER=""
	while :; do
		rm -rf "$BOOT_DIR"
		mkdir -p "$BOOT_DIR"
		hist_start || { result "$BOOT_NAME" FAIL "cannot set the tracefs hist triggers"; return 1; }
		echo "$HIST_DETAIL" >>"$KVM_EXIT/trigger" 2>/dev/null || echo "LAB-LOG $BOOT_NAME: no detail histogram (kvm_exit lacks info1/intr_info?)"
		_t0=$(cut -d' ' -f1 /proc/uptime)
		exitprof record --boot -o "$BOOT_DIR/boot.csv" --bin "$BOOT_BIN_MS" --console "$BOOT_DIR/console.csv" \
			--csv "$BOOT_DIR/summary.csv" --duration "$BOOT_TIMEOUT" -- "$@" \
			>"$BOOT_DIR/l2.out" 2>"$BOOT_DIR/record.err"
		BOOT_RC=$?
		_t1=$(cut -d' ' -f1 /proc/uptime)
		# (The hist file shows every trigger's histogram: this one holds both, so it goes first.)
		cat "$KVM_EXIT/hist" >"$BOOT_DIR/hist-detail.txt" 2>/dev/null
		echo "!$HIST_DETAIL" >>"$KVM_EXIT/trigger" 2>/dev/null
		hist_stop "$BOOT_DIR"
		BOOT_WALL=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.1f", b - a }')
		if [ "$LAB_ISA" = vmx ]; then _pg="kvm_intel ept=$(cat /sys/module/kvm_intel/parameters/ept 2>/dev/null)"
		else _pg="kvm_amd npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)"; fi
		echo "LAB-LOG $BOOT_NAME: L1 $_pg, L2 command line: ${L2_APPEND:-default}"
		echo "LAB-LOG $BOOT_NAME: exitprof record status $BOOT_RC, L1 wall $BOOT_WALL s"
		sed "s/^/LAB-LOG $BOOT_NAME: /" "$BOOT_DIR/record.err" | grep -v "^LAB-LOG $BOOT_NAME: *\$" | head -n 40
		if [ $BOOT_RC = 0 ] && ! grep -q 'EXITPROF-L2 poweroff' "$BOOT_DIR/l2.out" && [ $_boot_try -lt "${BOOT_TRIES:-2}" ]; then
			_why=$(tr -d '\r' <"$BOOT_DIR/l2.out" | grep -a -m1 -o 'Kernel panic.*' | cut -c1-80)
			BOOT_EARLIER="boot $_boot_try: L2 did not power off (${_why:-no panic line: stopped at --duration}), console kept in $BOOT_DIR-try$_boot_try-l2.out"
			cp "$BOOT_DIR/l2.out" "$BOOT_DIR-try$_boot_try-l2.out"
			echo "LAB-LOG $BOOT_NAME: $BOOT_EARLIER; booting L2 again"
			_boot_try=$((_boot_try + 1))
			continue
		fi
		break
	done
	if [ $BOOT_RC != 0 ] || ! grep -q 'EXITPROF-L2 poweroff' "$BOOT_DIR/l2.out"; then
		_e=$(hist_entries "$BOOT_DIR/hist-entry.txt" 2>/dev/null || echo 0)
		result "$BOOT_NAME" FAIL "exitprof record status $BOOT_RC, $_e kvm_entry events, L2 said: $(tail -c 200 "$BOOT_DIR/l2.out" | tr '\n' ' ')${BOOT_EARLIER:+; earlier: $BOOT_EARLIER}"
		return 1
	fi
	timeline_counts "$BOOT_DIR/boot.csv" >"$BOOT_DIR/timeline.counts"
	BOOT_TOTAL=$(counts_total "$BOOT_DIR/timeline.counts")
	return 0
}

# boot_cross_checks PREFIX READER-MARK: after a boot_record that passed, the timeline against the
# other counters, results named PREFIX<check>:
#   timeline-vs-summary   per reason, the timeline CSV's counts == exitprof's summary of the same
#                         run (two BPF maps filled independently)
#   timeline-vs-hist      per reason, the timeline CSV == the tracefs hist oracle (nothing else runs
#                         guests during the boot, so every kvm_exit in the window is L2's)
#   reader-absent         (KVM without the patch, exitprof-cpuid in L2) the reader exits 2 with
#                         one line saying the kernel does not implement the leaves
#   timeline-vs-leaves    (with exitprof-cpuid in L2) the patch's per-VM total read inside L2 lies
#                         between the timeline's exits before READER-MARK (the marker line the
#                         guest prints just before it runs the reader) arrived and those before the
#                         cpuid lines arrived
#   reader-vs-bpf         (with exitprof-cpuid in L2) the same bracket per reason: every count the
#                         reader printed (its --csv rows), and 0 for a reason it left out, lies
#                         between that reason's timeline exits at the two times
boot_cross_checks() {
	_p=$1 _from=$2
	exitprof_counts "$BOOT_DIR/summary.csv" >"$BOOT_DIR/summary.counts"
	timeline_agrees "${_p}timeline-vs-summary" "$BOOT_DIR/summary.counts" "every reason's count agrees ($BOOT_TOTAL exits)" \
		"timeline CSV (a) vs summary CSV (b) differ" summary

	hist_counts "$BOOT_DIR/hist-exit.txt" all >"$BOOT_DIR/hist.counts"
	timeline_agrees "${_p}timeline-vs-hist" "$BOOT_DIR/hist.counts" "every reason's count equals the tracefs hist oracle" \
		"timeline (a) vs hist oracle (b)" hist

	# A KVM without the patch (lab/run --kernel debian-* --l2): the reader must refuse, once.
	if [ ! -f /sys/module/kvm/parameters/exit_stats ]; then
		_st=$(tr -d '\r' <"$BOOT_DIR/l2.out" | sed -n 's/^.*EXITPROF-L2 cpuid-status \([0-9]*\).*/\1/p')
		_msg=$(tr -d '\r' <"$BOOT_DIR/l2.out" | sed -n 's/^.*EXITPROF-L2 cpuid \(exitprof-cpuid: .*\)/\1/p')
		_nl=$(tr -d '\r' <"$BOOT_DIR/l2.out" | grep -c 'EXITPROF-L2 cpuid ')
		if [ -z "$_st" ]; then
			result "${_p}reader-absent" SKIP "no exitprof-cpuid in L2 (not built)"
		elif [ "$_st" = 2 ] && [ "$_nl" = 1 ] && echo "$_msg" | grep -q 'does not implement the exitprof CPUID leaves'; then
			result "${_p}reader-absent" PASS "kernel without the patch: exitprof-cpuid inside L2 exits 2 with one line: $_msg"
		else
			result "${_p}reader-absent" FAIL "kernel without the patch: exitprof-cpuid inside L2 exited $_st with $_nl lines (want 2, one line saying the leaves are not implemented): $(tr -d '\r' <"$BOOT_DIR/l2.out" | grep -m 3 'EXITPROF-L2 cpuid' | tr '\n' ' ')"
		fi
		return
	fi
	_leaf=$(sed -n 's/.*EXITPROF-L2 cpuid total,total,valid,\([0-9]*\),.*/\1/p' "$BOOT_DIR/l2.out" | head -n 1)
	if [ -z "$_leaf" ]; then
		result "${_p}timeline-vs-leaves" SKIP "no exitprof-cpuid total in L2's output (not packed, or the kernel lacks the leaves): $(grep -m 1 'EXITPROF-L2 cpuid' "$BOOT_DIR/l2.out" | tr -d '\r')"
		return
	fi
	_tfrom=$(console_t "$_from")
	_tcsv=$(console_t 'EXITPROF-L2 cpuid total')
	_lo=$(cum_before "$_tfrom")
	_hi=$(cum_upto "$_tcsv")
	if [ "$_leaf" -ge "$_lo" ] && [ "$_leaf" -le "$_hi" ]; then
		result "${_p}timeline-vs-leaves" PASS "leaf total $_leaf inside L2 lies in the timeline's [$_lo, $_hi] (exits before the '$_from' marker, before the cpuid line)"
	else
		result "${_p}timeline-vs-leaves" FAIL "leaf total $_leaf is outside the timeline's [$_lo, $_hi]"
	fi

	# Per reason, the same bracket. The reader's own CPUIDs need no correction, as for the total:
	# each runs after the marker and before the first row was printed, so none is in the lower
	# cut and all are in the upper one, and a CPUID row counts those read before it.
	reason_cum_before "$_tfrom" >"$BOOT_DIR/reader-lo.counts"
	reason_cum_upto "$_tcsv" >"$BOOT_DIR/reader-hi.counts"
	reader_counts "$BOOT_DIR/l2.out" >"$BOOT_DIR/reader.counts"
	_out=$(reader_outside "$BOOT_DIR/reader-lo.counts" "$BOOT_DIR/reader-hi.counts" "$BOOT_DIR/reader.counts")
	_cmp=$(awk 'FILENAME == ARGV[1] { lo[$1] = $2; next } FILENAME == ARGV[2] { hi[$1] = $2; next }
		{ printf "%s %s in [%d,%d], ", $3, $2, lo[$1], hi[$1] }' \
		"$BOOT_DIR/reader-lo.counts" "$BOOT_DIR/reader-hi.counts" "$BOOT_DIR/reader.counts")
	_nr=$(grep -c . "$BOOT_DIR/reader.counts")
	if [ "$_nr" = 0 ]; then
		result "${_p}reader-vs-bpf" FAIL "the reader printed a total but no reason rows"
	elif [ -z "$_out" ]; then
		result "${_p}reader-vs-bpf" PASS "all $_nr reasons the reader printed lie in the timeline's per-reason brackets (before the '$_from' marker, before the cpuid line): ${_cmp%, }"
	else
		result "${_p}reader-vs-bpf" FAIL "outside their brackets: ${_out% }; compared $_nr reasons: ${_cmp%, }"
	fi
}
