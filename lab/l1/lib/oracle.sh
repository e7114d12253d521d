# The oracle: tracefs hist triggers on kvm:kvm_exit and kvm:kvm_entry count every event in the
# kernel, independently of exitprof.

TRACING=/sys/kernel/tracing
KVM_EXIT=$TRACING/events/kvm/kvm_exit
KVM_ENTRY=$TRACING/events/kvm/kvm_entry
HIST_EXIT='hist:keys=common_pid,exit_reason:vals=hitcount:sort=common_pid,exit_reason:size=4096'
HIST_ENTRY='hist:keys=common_pid:vals=hitcount:size=1024'

hist_start() {
	echo "$HIST_EXIT" >"$KVM_EXIT/trigger" && echo "$HIST_ENTRY" >"$KVM_ENTRY/trigger"
}

hist_stop() { # dir: saves both histograms there, then removes the triggers
	cat "$KVM_EXIT/hist" >"$1/hist-exit.txt"
	cat "$KVM_ENTRY/hist" >"$1/hist-entry.txt"
	echo "!$HIST_EXIT" >"$KVM_EXIT/trigger"
	echo "!$HIST_ENTRY" >"$KVM_ENTRY/trigger"
}

# hist_rows HISTFILE: "common_pid PID exit_reason R hitcount N" per line of the exit histogram.
hist_rows() { sed -n 's/[{},:]/ /g; s/^ *common_pid/common_pid/p' "$1"; }

# hist_counts HISTFILE all|TIDS...: "reason count" (decimal) over every thread, or summed over
# the given threads.
hist_counts() {
	_f=$1
	shift
	hist_rows "$_f" | awk -v tids=" $* " '$1 == "common_pid" && (tids == " all " || index(tids, " " $2 " ")) { n[$4] += $6 }
			END { for (r in n) print r, n[r] }' | sort -n
}

# hist_other_pids HISTFILE TIDS...: events of threads that are not the guest's ("pid:count ...").
hist_other_pids() {
	_f=$1
	shift
	hist_rows "$_f" | awk -v tids=" $* " '$1 == "common_pid" && !index(tids, " " $2 " ") { n[$2] += $NF }
			END { for (p in n) printf "%s:%d ", p, n[p] }'
}

hist_entries() { # HISTFILE: total kvm_entry events
	sed -n 's/.*hitcount: *\([0-9]*\).*/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'
}
