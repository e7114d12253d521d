# Sourced by the CLI tests. Needs: exe (the exitprof binary), tmp (a scratch directory),
# fail (a function that reports and counts a failure: lib.sh's); runner (optional array: a
# command that runs exitprof, e.g. setpriv).
#
# expect STATUS NEEDLE -- ARGS...: run exitprof ARGS; check the exit status, exactly one line on
# stderr holding NEEDLE in the form "exitprof: <cause>: <fix>" ("exitprof NAME: ..." for the
# subcommands record, plot and compare), and nothing on stdout.
expect() {
	local want=$1 needle=$2
	shift 3
	"${runner[@]}" "$exe" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$? lines
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" != "$want" ] || [ "$lines" != 1 ] || ! grep -qF -- "$needle" "$tmp/err" ||
		! grep -q '^exitprof\( [a-z]*\)\?: .*: ' "$tmp/err" || [ -s "$tmp/out" ]; then
		fail "exitprof $* -> status $rc (want $want), $lines stderr line(s), want '$needle':"
		sed 's/^/  stderr: /' "$tmp/err"
		sed 's/^/  stdout: /' "$tmp/out"
	else
		echo "ok: exitprof $* -> $rc: $(cat "$tmp/err")"
	fi
}
