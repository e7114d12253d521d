# Results: every check reports exactly one line per result on the serial console,
#   LAB-RESULT <name> PASS|FAIL|SKIP <detail>
# lab/run on the host parses those lines; nothing else on the console is machine-read.

# Artefacts of each run (guest output, exitprof CSV, hist dumps); /share is the host's 9p
# share when lab/run mounted one, else they stay in L1's tmpfs.
ART=${LAB_ART:-/tmp/lab}
mkdir -p "$ART"

# art_ship DIR: without a share (Bochs has no virtio-9p) the artefacts in DIR (a directory under
# ART) come back over the console: a gzipped tar of it in base64, one "LAB-FILE <rel> <chunk>"
# line each, then "LAB-FILE-END <rel> md5=<md5 of the tar.gz> bytes=<its size>". lab/run unpacks
# it into its share directory, where it would have been with 9p. With a share: nothing to do.
art_ship() {
	[ -z "${LAB_ART:-}" ] && [ -d "$1" ] || return 0
	_rel=${1#"$ART"/}
	tar -C "$ART" -czf /tmp/art-ship.tgz "$_rel" || return 0
	base64 /tmp/art-ship.tgz | sed "s|^|LAB-FILE $_rel |"
	echo "LAB-FILE-END $_rel md5=$(md5sum </tmp/art-ship.tgz | cut -d' ' -f1) bytes=$(wc -c </tmp/art-ship.tgz)"
	rm -f /tmp/art-ship.tgz
}
LAB_NRESULTS=0

result() { # name status detail... (LAB_PREFIX names a second pass, e.g. swapped-)
	_n=${LAB_PREFIX:-}$1 _s=$2
	shift 2
	if [ -n "${LAB_DEFER:-}" ]; then
		# Held back (see result_flush): a check that may repeat its run reports only the last.
		LAB_DEFERRED="${LAB_DEFERRED:-}$_n $_s $*
"
		return
	fi
	LAB_NRESULTS=$((LAB_NRESULTS + 1))
	echo "LAB-RESULT $_n $_s $*"
}

result_flush() { # prints the held-back results, the detail of the last one extended by $1
	_extra=$1
	LAB_DEFER=""
	_left=$(printf '%s' "$LAB_DEFERRED" | grep -c .)
	printf '%s' "$LAB_DEFERRED" | {
		while read -r _n _s _d; do
			_left=$((_left - 1))
			[ $_left = 0 ] && [ -n "$_extra" ] && _d="$_d; $_extra"
			echo "LAB-RESULT $_n $_s $_d"
		done
	}
	LAB_NRESULTS=$((LAB_NRESULTS + $(printf '%s' "$LAB_DEFERRED" | grep -c .)))
	LAB_DEFERRED=""
}

# have PROGRAM: a check whose program is not in this initramfs says SKIP, never PASS.
have() { command -v "$1" >/dev/null 2>&1; }
