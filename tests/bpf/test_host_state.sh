#!/usr/bin/env bash
# exitprof on a host nobody prepared, in a private mount namespace (unshare -m) so the host's own
# mounts are never touched: tracefs and debugfs unmounted, tracefs only under debugfs, no right
# to mount, kernel BTF hidden, RLIMIT_MEMLOCK 0, no /dev/kvm, KVM's events absent. Each has one defined behaviour:
# it works (mounting tracefs and saying so), or it stops with one "cause: fix" line, a non-zero
# status and no BPF program left loaded.
# Usage: test_host_state.sh EXITPROF EXPECT_LIB. Exits 77 if not root or no unshare/bpftool.
set -u
exe=$1
expect_lib=$2
if [ -z "${EXITPROF_IN_PRIVATE_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	for c in unshare setpriv prlimit mountpoint bpftool; do
		command -v $c >/dev/null || { echo "SKIP: $c missing"; exit 77; }
	done
	[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: no kernel BTF"; exit 77; }
	exec unshare -m --propagation private env EXITPROF_IN_PRIVATE_NS=1 "$0" "$@"
fi
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
runner=()
. "$expect_lib"
progs() { bpftool prog list | grep -c 'name handle_kvm_' || true; }
before=$(progs)

# Unmounts every tracefs and debugfs mount (stacked ones too) in this namespace.
unmount_tracing() {
	local d
	for d in /sys/kernel/debug/tracing /sys/kernel/debug /sys/kernel/tracing; do
		while mountpoint -q "$d" 2>/dev/null; do umount -l "$d" || return 1; done
	done
	[ ! -e /sys/kernel/tracing/events ] && [ ! -e /sys/kernel/debug/tracing ]
}

# 1. Neither tracefs nor debugfs mounted: exitprof mounts tracefs, says so, attaches.
unmount_tracing || fail "cannot unmount tracefs/debugfs in the private namespace"
"$exe" --all --duration 3 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 300); do grep -q 'profiling every VM' "$tmp/err" && break; sleep 0.1; done
bpftool perf list >"$tmp/perf" 2>&1
wait $pid
rc=$?
[ "$rc" = 0 ] || fail "tracefs unmounted -> status $rc: $(cat "$tmp/err")"
grep -q '^exitprof: tracefs was not mounted: mounted it at /sys/kernel/tracing$' "$tmp/err" ||
	fail "no 'mounted it' line: $(cat "$tmp/err")"
grep -q "pid $pid .*tracepoint  *kvm_exit\$" "$tmp/perf" || fail "not attached to kvm_exit: $(cat "$tmp/perf")"
grep -q '=== exitprof total' "$tmp/out" || fail "no summary after mounting tracefs"
mountpoint -q /sys/kernel/tracing && [ -e /sys/kernel/tracing/events/kvm/kvm_exit ] ||
	fail "tracefs not mounted at /sys/kernel/tracing afterwards"
[ "$fails" = 0 ] && echo "ok: tracefs unmounted -> mounted, attached to kvm_exit, status 0"

# 2. Only debugfs mounted (tracefs automounted under it, where libbpf looks first): no mount.
unmount_tracing || fail "cannot unmount tracefs/debugfs"
mount -t debugfs nodev /sys/kernel/debug || fail "cannot mount debugfs"
if "$exe" --all --duration 1 >"$tmp/out" 2>"$tmp/err"; then
	grep -q 'mounted it' "$tmp/err" && fail "mounted tracefs although debugfs provides it"
	echo "ok: debugfs only -> uses /sys/kernel/debug/tracing, status 0"
else
	fail "debugfs only -> status $?: $(cat "$tmp/err")"
fi
mountpoint -q /sys/kernel/tracing && fail "tracefs mounted at /sys/kernel/tracing although debugfs has it"

# 3. No tracefs and no right to mount it: one line naming the cause and the fix, status 1.
unmount_tracing || fail "cannot unmount tracefs/debugfs"
runner=(setpriv --bounding-set -sys_admin --inh-caps -sys_admin)
expect 1 "tracefs is not mounted and mounting it at /sys/kernel/tracing failed (Operation not permitted): as root, mount -t tracefs nodev /sys/kernel/tracing" -- --all --duration 1
for sub in "record --boot -o $tmp/r.csv -- true" "--compare-cpuid"; do
	# shellcheck disable=SC2086 # word splitting wanted
	"${runner[@]}" "$exe" $sub >/dev/null 2>"$tmp/err"
	rc=$?
	# --compare-cpuid asks the kernel for the leaves first: on a kernel without them it stops
	# there (status 2) before tracefs matters.
	if grep -q 'leaves are not implemented\|cannot create the query VM' "$tmp/err"; then
		echo "ok: $sub -> $rc before tracefs: $(cat "$tmp/err")"
	elif [ "$rc" = 0 ] || [ "$(wc -l <"$tmp/err")" != 1 ] || ! grep -q 'mounting it at /sys/kernel/tracing failed' "$tmp/err"; then
		fail "$sub without tracefs -> $rc: $(cat "$tmp/err")"
	else
		echo "ok: $sub -> $rc: $(cat "$tmp/err")"
	fi
done
runner=()
mount -t tracefs nodev /sys/kernel/tracing || fail "cannot mount tracefs again"

# 4. Kernel BTF missing (hidden under an empty tmpfs): one line, status 1.
mount -t tmpfs nodev /sys/kernel/btf || fail "cannot hide /sys/kernel/btf"
expect 1 "kernel BTF missing (/sys/kernel/btf/vmlinux): exitprof needs a kernel built with CONFIG_DEBUG_INFO_BTF=y" -- --all --duration 1
umount /sys/kernel/btf

# 5. RLIMIT_MEMLOCK 0: kernels since 5.11 charge BPF maps to the memory cgroup, older ones to
#    this limit, which libbpf then raises (root). Either way the run works.
if prlimit --memlock=0:0 "$exe" --all --duration 1 >"$tmp/out" 2>"$tmp/err"; then
	echo "ok: RLIMIT_MEMLOCK 0 -> status 0"
else
	fail "RLIMIT_MEMLOCK 0 -> status $?: $(cat "$tmp/err")"
fi

# 6. No /dev/kvm (a fresh /dev with only null): profiling needs none and works; --compare-cpuid
#    needs it for its query VM and says so.
mount -t tmpfs nodev /dev && mknod -m 666 /dev/null c 1 3 || fail "cannot replace /dev"
if "$exe" --all --duration 1 >"$tmp/out" 2>"$tmp/err"; then
	echo "ok: no /dev/kvm -> profiling still works"
else
	fail "no /dev/kvm -> profiling status $?: $(cat "$tmp/err")"
fi
expect 2 "cannot create the query VM (/dev/kvm: No such file or directory): needs /dev/kvm" -- --compare-cpuid
umount -l /dev

# 7. KVM not loaded (its events hidden under an empty tmpfs): one line, status 1.
mount -t tmpfs nodev /sys/kernel/tracing/events/kvm || fail "cannot hide the kvm events"
expect 1 "no kvm:kvm_exit/kvm:kvm_entry tracepoints in /sys/kernel/tracing/events/kvm: load KVM (modprobe kvm_intel or kvm_amd)" -- --all --duration 1
umount /sys/kernel/tracing/events/kvm

sleep 0.5 # the kernel frees programs after their fds close (RCU)
[ "$(progs)" = "$before" ] || fail "BPF programs before: $before, after: $(progs)"
echo "$fails failure(s)"
[ "$fails" = 0 ]
