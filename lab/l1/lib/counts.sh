# Reason-count files: one "reason count ..." line per exit reason (decimal code first), what every
# counter's reader here produces (oracle.sh, exitprof.sh, guests.sh), so any two compare.

# count_diffs A B [LA LB]: "reason:LA=N,LB=M " for every reason of A or B whose count differs (a
# reason missing from one side counts 0 there); labels a and b by default; empty when equal.
count_diffs() { _count_diffs both "$1" "$2" "${3:-a}" "${4:-b}"; }

# diff_counts WANT GOT: the same for the reasons of WANT only, "reason:want=N,got=M ": what a
# guest controls, against a counter that also sees the exits it does not (npf, intr).
diff_counts() { _count_diffs first "$1" "$2" want got; }

_count_diffs() {
	awk -v only="$1" -v la="$4" -v lb="$5" 'NR == FNR { a[$1] = $2; k[$1] = 1; next }
		{ b[$1] = $2; if (only != "first") k[$1] = 1 }
		END { for (r in k) if (a[r] + 0 != b[r] + 0) printf "%s:%s=%d,%s=%d ", r, la, a[r], lb, b[r] }' "$2" "$3"
}

counts_total() { awk '{ s += $2 } END { print s + 0 }' "$@"; } # [FILE]: the sum of all counts (of stdin without FILE)

# lookup FILE KEY: the value of "KEY value" lines (0 if absent).
lookup() { awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"; }

# brief FILE: "name=count ..." of a "reason count" file, for details.
brief() {
	while read -r r c _; do printf '%s=%s ' "$(reason_name "$r")" "$c"; done <"$1"
}
