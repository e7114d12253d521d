# The lab itself: is L1 the machine the other checks assume? (KVM with nested paging on the ISA
# that actually initialized, the CPUs lab/run gave it, tracefs with the kvm events, a calibrated
# TSC.) If these fail, nothing else counts.

_param=$(cat /sys/module/kvm/parameters/exit_stats 2>/dev/null || echo "absent (kernel without the patch)")
# The module is the one mixguest --isa found initialized (lib/machine.sh), never just /sys/module/kvm_*:
# a built-in kvm_amd has its directory there on an Intel CPU too.
case $LAB_ISA in
svm) _mod=kvm_amd _paging=npt ;;
vmx) _mod=kvm_intel _paging=ept ;;
*) _mod="" ;;
esac
if [ ! -c /dev/kvm ] || [ -z "$_mod" ]; then
	result lab-kvm FAIL "no /dev/kvm or no KVM vendor module initialized (${LAB_ISA_WHY:-mixguest --isa: $(head -c 200 /tmp/lab-isa.txt 2>/dev/null)}): $(dmesg | grep -i 'kvm\|svm\|vmx' | tail -n 2 | tr '\n' ' ')"
elif [ ! -s "$LAB_REASONS" ]; then
	result lab-kvm FAIL "$_mod, but no exit-reason table from exitprof-cpuid --list-reasons --isa $LAB_ISA"
else
	_pg=$(cat /sys/module/$_mod/parameters/$_paging 2>/dev/null)
	_nested=$(cat /sys/module/$_mod/parameters/nested 2>/dev/null)
	if [ "$_pg" = Y ] || [ "$_pg" = 1 ]; then
		result lab-kvm PASS "$_mod ($LAB_ISA_WHY), $_paging=$_pg nested=$_nested, kvm.exit_stats=$_param"
	else
		result lab-kvm FAIL "$_mod without nested paging ($_paging=$_pg): QEMU needs -cpu qemu64,+svm,+npt, Bochs a CPU model with EPT"
	fi
fi

# lab/run boots L1 with lab.cpus=N (QEMU: 2; Bochs: 1 unless --cpus says more): exactly that many
# must be online. Without lab.cpus (the checks run on a real host), at least 2.
_want=$(sed -n 's/.*lab\.cpus=\([0-9]*\).*/\1/p' /proc/cmdline)
online=$(cat /sys/devices/system/cpu/online)
if [ -n "$_want" ] && [ "$(nproc)" = "$_want" ]; then
	result lab-cpus PASS "$(nproc) CPUs online ($online), as lab/run asked (lab.cpus=$_want)"
elif [ -z "$_want" ] && [ "$(nproc)" -ge 2 ]; then
	result lab-cpus PASS "$(nproc) CPUs online ($online)"
else
	result lab-cpus FAIL "CPUs online: $online, want ${_want:-at least 2} (QEMU needs -smp 2,sockets=2)"
fi

if dmesg | grep -q 'Unable to calibrate against PIT'; then
	result lab-tsc FAIL "tsc: Unable to calibrate against PIT (KVM_RUN may never enter guests): pass tsc_early_khz"
else
	result lab-tsc PASS "tsc_khz=$(tsc_khz)"
fi

# exitprof's times come from bpf_ktime_get_ns(): what matters is a TSC-based clocksource with
# nanosecond resolution. tsc-early and tsc are both the TSC (Linux switches from the first to the
# second once calibration is refined, which may still be pending when the checks start); jiffies,
# refined-jiffies (4 ms steps: every exit->entry interval reads as 0 or 4 ms), hpet or acpi_pm
# (microsecond reads that cost more than an exit) are not. docs/lab.md, "Clock".
_cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
case $_cs in
tsc | tsc-early)
	result lab-clock PASS "clocksource $_cs (TSC-based)" ;;
*)
	result lab-clock FAIL "clocksource $_cs, not tsc or tsc-early (exit times would have its resolution): $(dmesg | grep -i 'tsc\|clocksource' | tail -n 4 | tr '\n' ' ')" ;;
esac

if [ -f "$KVM_EXIT/format" ] && [ -f "$KVM_ENTRY/format" ] && [ -f "$KVM_EXIT/trigger" ]; then
	result lab-tracefs PASS "kvm_exit and kvm_entry events with hist triggers"
else
	result lab-tracefs FAIL "tracefs lacks kvm:kvm_exit/kvm_entry or hist triggers (CONFIG_HIST_TRIGGERS)"
fi
