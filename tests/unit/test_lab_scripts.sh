#!/bin/sh
# The L1 scripts parse as POSIX sh (L1 runs them with busybox sh), and every file they source
# with `. "$d/..."` exists, $d being lab/l1 as in L1's /lab (a script that sources a moved
# helper file would otherwise only fail inside a lab boot). lib/all.sh's list is checked too.
# Usage: test_lab_scripts.sh LAB_L1_DIR
set -u
d=${1:?usage: test_lab_scripts.sh LAB_L1_DIR}
fail=0 n=0
for f in "$d"/bench "$d"/run-checks "$d"/init "$d"/swap-kvm "$d"/lib/*.sh "$d"/checks/*.sh; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	dash -n "$f" || { echo "FAIL: $f does not parse"; fail=1; }
	for src in $(sed -n 's/^[[:space:]]*\. "\$d\/\([^"$]*\)".*/\1/p' "$f"); do
		[ -f "$d/$src" ] || { echo "FAIL: $f sources \$d/$src, which does not exist"; fail=1; }
	done
done
for lib in $(sed -n 's/^for _lib in \(.*\); do$/\1/p' "$d/lib/all.sh"); do
	[ -f "$d/lib/$lib.sh" ] || { echo "FAIL: lib/all.sh names lib/$lib.sh, which does not exist"; fail=1; }
done
[ $n -ge 5 ] || { echo "FAIL: only $n scripts found under $d"; fail=1; }
[ $fail = 0 ] && echo "ok: $n L1 scripts parse and source files that exist"
exit $fail
