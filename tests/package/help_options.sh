# Sourced by the man page and completion tests: what the programs' --help shows.
#
# help_options: reads a --help text on stdin, prints each option it lists (-a, --all, -?, ...),
# one per line. Option lines are those whose first non-blank character is '-', indented by at
# most 6 columns (argp puts options at column 2 or 6 and wraps descriptions at column 29;
# exitprof-cpuid's continuation lines start at column 17); only the option column is read,
# up to the first two blanks.
help_options() {
	grep -E '^ {1,6}-' | sed -E 's/^ +//; s/  .*//' | grep -oE -- '--?[A-Za-z?][A-Za-z0-9-]*' | sort -u
}

# subcommands EXITPROF [WORD...]: the subcommands of exitprof, one per line. Candidates are the
# words after "exitprof " in exitprof --help and the given WORDs; a candidate is a subcommand when
# "exitprof WORD --help" exits 0 with a first line "Usage: exitprof WORD ..." (for any other
# word exitprof prints its own help, "Usage: exitprof [OPTION...]").
subcommands() {
	local exe=$1 w
	shift
	{ "$exe" --help | grep -oE 'exitprof [a-z][a-z-]*' | sed 's/^exitprof //'; printf '%s\n' "$@"; } |
		sort -u | while read -r w; do
		if "$exe" "$w" --help 2>/dev/null | head -1 | grep -qE "^Usage: exitprof $w( |\$)"; then
			echo "$w"
		fi
	done
}

# page_subcommands PAGE: the subcommands that the SYNOPSIS of the scdoc PAGE names
# ("*exitprof WORD*" lines), the candidates to ask the binary about besides those of --help.
page_subcommands() {
	awk '/^# / { on = ($0 == "# SYNOPSIS") } on' "$1" |
		grep -oE '^\*exitprof [a-z][a-z-]*\*' | tr -d '*' | sed 's/^exitprof //'
}
