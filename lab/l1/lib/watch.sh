# watch_start / watch_stop: with lab_watch=SECONDS on L1's command line
# (EXITPROF_LAB_APPEND=lab_watch=5), a background loop that prints, every SECONDS of L1 time,
# the uptime, KVM's exit count so far, and each thread of every mixguest and exitprof: its
# state, CPU time, wait channel and the top of its kernel stack. For a check that stalls with
# a quiet console: which process waits where, and whether L1 still schedules at all.
watch_start() {
	[ -n "${lab_watch:-}" ] || return 0
	(
		while sleep "$lab_watch"; do
			echo "LAB-LOG watch uptime=$(cut -d' ' -f1 /proc/uptime) kvm_exits=$(cat /sys/kernel/debug/kvm/exits 2>/dev/null)"
			for _p in /proc/[0-9]*; do
				case $(cat "$_p/comm" 2>/dev/null) in mixguest | exitprof) ;; *) continue ;; esac
				for _t in "$_p"/task/*; do
					# stat after the comm: state, then utime and stime (fields 14, 15).
					_s=$(sed 's/.*) //' "$_t/stat" 2>/dev/null | cut -d' ' -f1,12,13)
					_k=$(head -n 4 "$_t/stack" 2>/dev/null | sed 's/^\[<[0-9a-f]*>\] //' | tr '\n' ' ')
					echo "LAB-LOG watch ${_p#/proc/}/${_t##*/} $(cat "$_t/comm" 2>/dev/null) state/utime/stime=$_s wchan=$(cat "$_t/wchan" 2>/dev/null) stack: $_k"
				done
			done
		done
	) &
	LAB_WATCH=$!
}

watch_stop() {
	[ -n "${LAB_WATCH:-}" ] && kill "$LAB_WATCH" 2>/dev/null && wait "$LAB_WATCH" 2>/dev/null
	LAB_WATCH=""
}
