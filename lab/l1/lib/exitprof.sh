# exitprof's outputs, read as its documentation describes them (docs/output.md,
# docs/boot-analysis.md): CSV columns by header name, so added columns break nothing.

# csv_cols CSV NAME...: the named columns of each row after the header, comma-separated in that
# order (empty fields stay empty). A row whose field count differs from the header's prints
# "malformed,LINE"; a name the header lacks prints "malformed,no column NAME" once, and no rows.
csv_cols() {
	_csv=$1
	shift
	tr -d '\r' <"$_csv" | awk -F, -v names="$*" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; nf = NF
			k = split(names, want, " ")
			for (j = 1; j <= k; j++) if (!(want[j] in c)) { print "malformed,no column " want[j]; exit }
			next }
		NF != nf { print "malformed," NR; next }
		{ line = $c[want[1]]; for (j = 2; j <= k; j++) line = line "," $c[want[j]]; print line }'
}

# exitprof_counts CSV [VCPU]: "reason count timed total_ns min_ns avg_ns max_ns user_ns halt_ns"
# per reason (decimal) of exitprof's summary CSV, summed over the VM's vCPUs (or only vCPU VCPU's),
# from the rows of kind "total". Malformed rows print "malformed ...".
exitprof_counts() {
	csv_cols "$1" kind vcpu reason count timed total_ns min_ns max_ns user_ns halt_ns | awk -F, -v vcpu="${2:-}" '
		$1 == "malformed" { print "malformed", $2; next }
		$1 != "total" || (vcpu != "" && $2 != vcpu) { next }
		{
			r = $3; n[r] += $4; t[r] += $5; ns[r] += $6; u[r] += $9; h[r] += $10
			if ($7 != "" && (!(r in mn) || $7 < mn[r])) mn[r] = $7
			if ($8 != "" && $8 > mx[r]) mx[r] = $8
		}
		END { for (r in n) printf "%s %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n", r, n[r], t[r], ns[r],
			mn[r] + 0, t[r] ? int(ns[r] / t[r]) : 0, mx[r] + 0, u[r], h[r] }' | sort -n
}

# timeline_counts CSV: "reason count name" of a timeline CSV (exitprof record -o, --timeline),
# summed over bins and vCPUs; the rows of empty bins (no reason) are left out.
timeline_counts() {
	csv_cols "$1" reason count reason_name | awk -F, '$1 != "" { n[$1] += $2; nm[$1] = $3 }
		END { for (r in n) print r, n[r], nm[r] }' | sort -n
}

# table_counts FILE: "reason count" (decimal) of the last total table exitprof printed in FILE
# (its stdout, or its stderr when the table moved there), summed over its blocks; the reasons
# by name through this ISA's table, UNKNOWN(0x..) by code. Nothing if FILE has no total table.
table_counts() {
	tr -d '\r' <"$1" | awk '/^=== exitprof / { t = ($3 == "total:"); if (t) { split("", n); seen = 1 } next }
		t && $1 != "REASON" && $1 != "WARNING:" && $2 ~ /^[0-9]+$/ && NF >= 3 { n[$1] += $2 }
		END { if (seen) for (r in n) print r, n[r] }' |
		while read -r _nm _c; do
			case $_nm in
			UNKNOWN*) _code=$(($(echo "$_nm" | sed 's/UNKNOWN(\(0x[0-9a-fA-F]*\))/\1/'))) ;;
			*) _code=$(reason_code "$_nm") ;;
			esac
			echo "${_code:-name:$_nm} $_c"
		done | sort -n
}

# profiler_attached PID ERRFILE [MIN]: exitprof has attached when it says "profiling ..." on
# stderr (it prints that after attaching), or, should that message change (and for the other
# tools), once it holds at least MIN (default 2: kvm_exit, kvm_entry) bpf_link/perf_event fds
# and their number has not grown for 0.5 s.
profiler_attached() {
	_min=${3:-2} _last=-1 _stable=0 _i=0
	while [ $_i -lt 300 ] && kill -0 "$1" 2>/dev/null; do
		grep -q '^exitprof: profiling' "$2" 2>/dev/null && return 0
		_n=$(ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'bpf_link\|perf_event')
		if [ "$_n" -ge "$_min" ] && [ "$_n" = "$_last" ]; then
			_stable=$((_stable + 1))
			[ $_stable -ge 5 ] && return 0
		else
			_stable=0
		fi
		_last=$_n
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# bpf_stat ERRFILE PROGRAM KEY: a figure of exitprof --bpf-stats for that BPF program (KEY runs,
# run_time_ns or avg_ns, as its stderr line names them); empty if the program was not loaded.
# PROGRAM is the classic tracepoint program's name; its tp_btf twin is PROGRAM_btf.
bpf_stat() {
	awk -v p="$2" -v k="$3" '$2 == "bpf-stats" && ($3 == p || $3 == p "_btf" || $3 == p "_cast") { for (i = 4; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"
}
