# The lab itself: is L1 the machine the other checks assume? (KVM on SVM with nested paging,
# two CPUs, tracefs with the kvm events, a calibrated TSC.) If these fail, nothing else counts.

_param=$(cat /sys/module/kvm/parameters/exit_stats 2>/dev/null || echo "absent (kernel without the patch)")
if [ -c /dev/kvm ] && [ -d /sys/module/kvm_amd ]; then
	npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)
	nested=$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null)
	if [ "$npt" = Y ] || [ "$npt" = 1 ]; then
		result lab-kvm PASS "kvm_amd loaded, npt=$npt nested=$nested, kvm.exit_stats=$_param"
	else
		result lab-kvm FAIL "kvm_amd without nested paging (npt=$npt): start QEMU with -cpu qemu64,+svm,+npt"
	fi
elif [ -c /dev/kvm ] && [ -d /sys/module/kvm_intel ]; then
	# Real Intel hardware (the lab itself cannot emulate VMX).
	result lab-kvm PASS "kvm_intel loaded, ept=$(cat /sys/module/kvm_intel/parameters/ept), kvm.exit_stats=$_param"
else
	result lab-kvm FAIL "no /dev/kvm or kvm_amd in L1: $(dmesg | grep -i 'kvm\|svm' | tail -n 2 | tr '\n' ' ')"
fi

online=$(cat /sys/devices/system/cpu/online)
if [ "$(nproc)" -ge 2 ]; then
	result lab-cpus PASS "$(nproc) CPUs online ($online)"
else
	result lab-cpus FAIL "CPUs online: $online, want at least 2 (QEMU needs -smp 2,sockets=2)"
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
