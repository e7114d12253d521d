#!/usr/bin/env bash
# The L2 guests' two small scripts, on this host:
#   lab/l2/markers (exitprof-l2-markers): the marker lines the boot checks read, in their order,
#     with a stand-in exitprof-cpuid on PATH (its rows, then its status), and without one; it
#     ends by running the power-off command it was given;
#   lab/l2/distro/marks: a console CSV as `exitprof record --console` writes it (CRLF, quoted
#     fields, systemd's colour escapes, a repeated target, a login prompt without a newline)
#     turned into phase marks: the first line of each kind, sorted by time, the kernel's clock
#     start placed at the multi-user marker's arrival minus the uptime it reports.
# Usage: test_l2_scripts.sh LAB-DIR
. "$(dirname "$0")/lib.sh"
lab=$1

# --- markers, with a reader that prints two rows and exits 3 ---
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "reason,name,status,count,cycles"\necho "total,total,valid,42,4200"\nexit 3\n' >"$tmp/bin/exitprof-cpuid"
chmod +x "$tmp/bin/exitprof-cpuid"
PATH=$tmp/bin:$PATH sh "$lab/l2/markers" multi-user echo POWEROFF-RAN >"$tmp/m.out" 2>&1
rc=$?
grep -v '^$' "$tmp/m.out" | sed 's/uptime=[0-9.]*$/uptime=U/' >"$tmp/m.lines"
want='EXITPROF-L2 multi-user uptime=U
EXITPROF-L2 cpuid reason,name,status,count,cycles
EXITPROF-L2 cpuid total,total,valid,42,4200
EXITPROF-L2 cpuid-status 3
EXITPROF-L2 poweroff
POWEROFF-RAN'
if [ "$rc" != 0 ] || [ "$(cat "$tmp/m.lines")" != "$want" ]; then
	fail "markers with a reader: status $rc, lines:"
	sed 's/^/  /' "$tmp/m.out"
else
	echo "ok: markers with a reader: its rows, its status 3, poweroff, then the command"
fi
head -n 1 "$tmp/m.out" | grep -q '^$' || fail "markers does not start with an empty line (a login prompt may hold the cursor)"
up=$(sed -n 's/^EXITPROF-L2 multi-user uptime=\([0-9.]*\)$/\1/p' "$tmp/m.out")
read -r now _ </proc/uptime
awk -v u="$up" -v n="$now" 'BEGIN { exit !(u > 0 && u <= n) }' || fail "uptime '$up' is not this host's (now $now)"

# Without a reader: no cpuid lines at all.
mkdir -p "$tmp/empty"
PATH=$tmp/empty /bin/sh "$lab/l2/markers" init /bin/true >"$tmp/n.out" 2>&1
if grep -q cpuid "$tmp/n.out" || ! grep -q '^EXITPROF-L2 init uptime=' "$tmp/n.out" || ! grep -q '^EXITPROF-L2 poweroff$' "$tmp/n.out"; then
	fail "markers without a reader:"
	sed 's/^/  /' "$tmp/n.out"
else
	echo "ok: markers without a reader: stage and poweroff only"
fi

# --- marks ---
esc=$(printf '\033')
{
	printf 't_ms,line\r\n'
	printf '100.5,Booting the kernel.\r\n'
	printf '2000,"Loading, please wait..."\r\n'
	printf '3000,Welcome to %s[1mDebian GNU/Linux 12 (bookworm)%s[0m!\r\n' "$esc" "$esc"
	printf '3500,[  %s[0;32mOK  %s[0m] Reached target %s[0;1;39mlocal-fs.target%s[0m - Local File Systems.\r\n' "$esc" "$esc" "$esc" "$esc"
	printf '3600,[  OK  ] Reached target local-fs.target - Local File Systems.\r\n'
	printf '3700,[  OK  ] Reached target sysinit.target - System Initialization.\r\n'
	printf '4900,[  OK  ] Reached target multi-user.target - Multi-User System.\r\n'
	printf '5000,debian login: \r\n'
	printf '5100,EXITPROF-L2 multi-user uptime=4.25\r\n'
	printf '5200,"EXITPROF-L2 cpuid total,total,valid,100,200"\r\n'
	printf '5300,EXITPROF-L2 poweroff\r\n'
	printf '6000,[   12.100000] reboot: Power down\r\n'
} >"$tmp/console.csv"
sh "$lab/l2/distro/marks" "$tmp/console.csv" >"$tmp/marks.csv"
rc=$?
label_t() { awk -F, -v l="$1" '$2 == l { print $1 }' "$tmp/marks.csv"; }
check_mark() { # LABEL T
	[ "$(label_t "$1")" = "$2" ] || fail "mark '$1' at '$(label_t "$1")', want $2"
}
[ "$rc" = 0 ] || fail "marks exited $rc"
[ "$(head -n 1 "$tmp/marks.csv")" = "t_ms,label" ] || fail "marks header: $(head -n 1 "$tmp/marks.csv")"
check_mark "boot stub: Booting the kernel" 100.5
check_mark "initramfs: /init of initramfs-tools" 2000
check_mark "systemd: PID 1 started" 3000
check_mark "target local-fs.target" 3500
check_mark "target sysinit.target" 3700
check_mark "target multi-user.target" 4900
check_mark "login prompt" 5000
check_mark "exitprof-boot-done: multi-user reached" 5100
check_mark "poweroff requested" 5300
check_mark "kernel: Power down" 6000
check_mark "kernel clock 0 (uptime at multi-user)" 850.000
[ "$(grep -c 'local-fs' "$tmp/marks.csv")" = 1 ] || fail "a repeated target gave more than one mark"
[ "$(grep -c . "$tmp/marks.csv")" = 12 ] || fail "$(($(grep -c . "$tmp/marks.csv") - 1)) marks, want 11"
tail -n +2 "$tmp/marks.csv" | cut -d, -f1 | sort -c -g 2>/dev/null || fail "marks not sorted by time"
grep -q "$esc" "$tmp/marks.csv" && fail "an escape sequence is left in a label"
[ "$fails" = 0 ] && echo "ok: marks: 11 marks from 12 console lines, in time order" &&
	echo "test_l2_scripts: all checks passed"
exit $((fails > 0))
