#!/usr/bin/env bash
# Every option that --help shows is documented on the man page, as a definition term (a line of
# the scdoc source starting with "*-") in the right section: exitprof's own options in OPTIONS,
# each subcommand's in the section named after it (RECORD, PLOT, ...), exitprof-cpuid's in its
# page's OPTIONS. Subcommands are found by asking the binary (help_options.sh), so a new one
# without a section fails too.
# Usage: test_man_options.sh EXITPROF EXITPROF_CPUID MAN_SOURCE_DIR
set -u
exe=$1 cpuid=$2 man=$3
fails=0
. "$(dirname "$0")/help_options.sh"

# page_options PAGE SECTION: the options defined in SECTION of the scdoc PAGE.
page_options() {
	awk -v sec="# $2" '/^# / { on = ($0 == sec) } on && /^\*-/' "$1" |
		grep -oE -- '--?[A-Za-z?][A-Za-z0-9-]*' | sort -u
}

# check WHAT PAGE SECTION HELP_TEXT_FILE
check() {
	local what=$1 page=$2 section=$3 help=$4 opts missing
	opts=$(help_options <"$help")
	if [ -z "$opts" ]; then
		echo "FAIL: $what --help lists no options (cannot check $page)"
		fails=$((fails + 1))
		return
	fi
	missing=$(comm -23 <(echo "$opts") <(page_options "$page" "$section"))
	if [ -n "$missing" ]; then
		echo "FAIL: $what: options in --help but not defined in section $section of $(basename "$page"):" $missing
		fails=$((fails + 1))
	else
		echo "ok: $what: all $(echo "$opts" | wc -l) options of --help are in section $section of $(basename "$page")"
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$exe" --help >"$tmp/help" || { echo "FAIL: exitprof --help exited $?"; exit 1; }
check exitprof "$man/exitprof.8.scd" OPTIONS "$tmp/help"

# Subcommands named in --help or in the page's SYNOPSIS.
subs=$(subcommands "$exe" $(page_subcommands "$man/exitprof.8.scd"))
[ -n "$subs" ] || { echo "FAIL: no subcommand found (exitprof --help names record and plot)"; fails=$((fails + 1)); }
for sub in $subs; do
	section=$(echo "$sub" | tr a-z A-Z)
	if ! grep -qx "# $section" "$man/exitprof.8.scd"; then
		echo "FAIL: subcommand $sub has no section '# $section' in exitprof.8.scd"
		fails=$((fails + 1))
		continue
	fi
	"$exe" "$sub" --help >"$tmp/help" || { echo "FAIL: exitprof $sub --help exited $?"; fails=$((fails + 1)); continue; }
	check "exitprof $sub" "$man/exitprof.8.scd" "$section" "$tmp/help"
done

"$cpuid" --help >"$tmp/help" || { echo "FAIL: exitprof-cpuid --help exited $?"; exit 1; }
check exitprof-cpuid "$man/exitprof-cpuid.1.scd" OPTIONS "$tmp/help"

[ "$fails" = 0 ] && echo "man pages: every --help option documented" || echo "man pages: $fails failure(s)"
[ "$fails" = 0 ]
