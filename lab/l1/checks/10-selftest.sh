# The patch's own KVM selftest (tools/testing/selftests/kvm/x86_64/exit_stats_test), run for
# real on this machine's KVM (kvm_amd under QEMU, kvm_intel under Bochs). kselftest exit codes:
# 0 pass, 4 skip, anything else fail.
if ! have exit_stats_test; then
	result selftest SKIP "exit_stats_test not in the initramfs (tests/patch/build-selftest not there yet, issue 3)"
else
	mkdir -p "$ART/selftest"
	# By absolute path: the selftest library reads its own ELF (argv[0]) to load the guest code.
	# The hist oracle runs alongside, so that a hang can be told apart: 0 kvm_entry events means
	# KVM_RUN never entered a guest (a lab failure, docs/lab.md), not a selftest failure.
	hist_start
	timeout 300 "$(command -v exit_stats_test)" >"$ART/selftest/out.txt" 2>&1
	_rc=$?
	hist_stop "$ART/selftest"
	_entries=$(hist_entries "$ART/selftest/hist-entry.txt")
	case $_rc in
	0) result selftest PASS "exit_stats_test: $(grep -v '^Random seed' "$ART/selftest/out.txt" | tail -n 3 | tr '\n' ' ')" ;;
	4) result selftest SKIP "exit_stats_test skipped itself: $(tail -n 1 "$ART/selftest/out.txt")" ;;
	124 | 137 | 143) if [ "$_entries" = 0 ]; then
		result selftest FAIL "LAB FAILURE: exit_stats_test hung (300 s) with 0 kvm_entry events: KVM_RUN never entered the guest"
	else
		result selftest FAIL "exit_stats_test hung (300 s) after $_entries kvm_entry events: $(tail -n 2 "$ART/selftest/out.txt" | tr '\n' ' ')"
	fi ;;
	*) result selftest FAIL "exit_stats_test status $_rc: $(grep '^not ok' "$ART/selftest/out.txt" | head -n 3 | tr '\n' ' ') $(tail -n 2 "$ART/selftest/out.txt" | tr '\n' ' ')" ;;
	esac
fi
