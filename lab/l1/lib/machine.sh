# What L1 is: the ISA of its KVM, that ISA's exit codes, its TSC rate.

# The TSC frequency in kHz: in the lab, the tsc_early_khz lab/run boots L1 with; on a real host,
# the kernel's own calibration from its log ("Refined TSC ..." wins over "Detected ...").
tsc_khz() {
	_k=$(sed -n 's/.*tsc_early_khz=\([0-9]*\).*/\1/p' /proc/cmdline)
	[ -n "$_k" ] || _k=$(dmesg | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p; s/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' |
		tail -n 1 | awk '{ printf "%d", $1 * 1000 }')
	echo "$_k"
}

# The ISA of this machine's KVM and its exit codes, never written here: mixguest --isa decides
# vmx or svm from the vendor module that initialized (user/microvm/host_isa.c) and names the codes
# of the exits the guests control; exitprof-cpuid --list-reasons prints the whole table of that
# ISA (user/guest/reasons.c, the one source of codes).
LAB_ISA="" LAB_ISA_WHY=""
LAB_REASONS=/tmp/lab-reasons.csv
LAB_GUEST_REASONS=/tmp/lab-guest-reasons.txt
: >"$LAB_REASONS"
: >"$LAB_GUEST_REASONS"
if have mixguest && mixguest --isa >/tmp/lab-isa.txt 2>&1; then
	LAB_ISA=$(sed -n 's/^ISA \([a-z]*\) .*/\1/p' /tmp/lab-isa.txt)
	LAB_ISA_WHY=$(sed -n 's/^ISA [a-z]* //p' /tmp/lab-isa.txt)
	sed -n 's/^REASON //p' /tmp/lab-isa.txt >"$LAB_GUEST_REASONS"
fi
if [ -n "$LAB_ISA" ] && have exitprof-cpuid; then
	exitprof-cpuid --list-reasons --isa "$LAB_ISA" | tail -n +2 >"$LAB_REASONS"
fi

reason_name() { # CODE (decimal or 0x hex): its name in this ISA's table, else reasonN
	awk -F, -v c="$(($1))" '$2 == c { sub(/^[^,]*,[^,]*,/, ""); print; f = 1; exit }
		END { if (!f) printf "reason%d\n", c }' "$LAB_REASONS"
}

reason_code() { # NAME: its decimal code in this ISA's table (empty if it has no such name)
	awk -F, -v n="$1" '{ c = $2; sub(/^[^,]*,[^,]*,/, "") } $0 == n { print c; exit }' "$LAB_REASONS"
}

guest_reason() { # LABEL (cpuid, io, msr, rdmsr, wrmsr, hlt): the code of that exit the guests control
	awk -v l="$1" '$1 == l { print $2; exit }' "$LAB_GUEST_REASONS"
}
