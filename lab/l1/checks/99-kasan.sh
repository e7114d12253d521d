# KASAN. /lab/run-checks runs this file last in every pass, whatever lab/run --check selected, so
# that it sees the kernel log of everything the checks did:
#   kasan  the L1 kernel log (dmesg) holds no KASAN report (a line with "BUG: KASAN" or
#          "KASAN:"). On a kernel built with KASAN (lab/run --kasan; told by the kasan_report
#          symbol in /proc/kallsyms) PASS or FAIL with the report's first lines; on a kernel
#          without, SKIP saying so (FAIL all the same if such a line is there). lab/run --kasan
#          puts lab.kasan=1 on the command line: a kernel without KASAN then FAILs.
_kasan_log=$ART/kasan-dmesg.txt
dmesg >"$_kasan_log" 2>&1
_kasan_on=0
grep -q ' kasan_report$' /proc/kallsyms 2>/dev/null && _kasan_on=1
_kasan_asked=0
grep -qw 'lab\.kasan=1' /proc/cmdline && _kasan_asked=1
_kasan_bad=$(grep -c 'BUG: KASAN\|KASAN:' "$_kasan_log")
if [ "$_kasan_bad" != 0 ]; then
	grep -B 2 -A 20 -m 1 'BUG: KASAN\|KASAN:' "$_kasan_log" | sed 's/^/LAB-LOG kasan: /'
	result kasan FAIL "$_kasan_bad KASAN report line(s) in dmesg, the first: $(grep -m 1 'BUG: KASAN\|KASAN:' "$_kasan_log")"
elif [ $_kasan_asked = 1 ] && [ $_kasan_on = 0 ]; then
	result kasan FAIL "lab.kasan=1 (lab/run --kasan), but the kernel has no kasan_report: not the KASAN build"
elif [ $_kasan_on = 1 ]; then
	result kasan PASS "KASAN kernel ($(grep -m 1 'KernelAddressSanitizer' "$_kasan_log" | sed 's/^\[[^]]*\] //')), no KASAN report in $(wc -l <"$_kasan_log") lines of dmesg"
else
	result kasan SKIP "kernel without KASAN (no kasan_report in /proc/kallsyms): no KASAN report possible; none in dmesg either (lab/run --kasan checks for them)"
fi
