#!/usr/bin/env bash
# Runs the exitprof binary on every bad input the issue lists and checks, for each: the exit
# status, exactly one line on stderr that names the cause (and a fix after ": "), nothing on
# stdout, and that no BPF program is left behind. Usage: test_cli.sh EXITPROF_BINARY
. "$(dirname "$0")/lib.sh"
exe=$1
runner=() # a command that runs exitprof, e.g. setpriv to drop root
. "$(dirname "$0")/expect_lib.sh"

bpf_progs() { bpftool prog list 2>/dev/null | grep -c 'name handle_kvm_' || true; }
[ "$(id -u)" = 0 ] && command -v bpftool >/dev/null && before=$(bpf_progs)

# Command line (status 2)
expect 2 "no target" -- --duration 1
expect 2 "--vm 'abc' is not a process id" -- --vm abc
expect 2 "--vm '-1' is not a process id" -- --vm -1
expect 2 "--vm '0' is not a process id" -- --vm 0
expect 2 "--vm and --all" -- --vm 1 --all
expect 2 "--interval '0'" -- --all --interval 0
expect 2 "--interval '-2'" -- --all --interval -2
expect 2 "--interval 'x'" -- --all --interval x
expect 2 "--duration '0'" -- --all --duration 0
expect 2 "--duration '-1'" -- --all --duration -1
expect 2 "--duration 'soon'" -- --all --duration soon
expect 2 "--sort 'name'" -- --all --sort name
expect 2 "--vcpu 'one'" -- --all --vcpu one

# The target (status 1). A pid that does not exist: the highest free one below pid_max.
pid=$(( $(cat /proc/sys/kernel/pid_max) - 1 ))
while [ -e "/proc/$pid" ]; do pid=$((pid - 1)); done
expect 1 "no process with pid $pid" -- --vm "$pid"
# A pid that exists but is no KVM process: this shell.
expect 1 "pid $$ (" -- --vm $$
grep -q "is not a KVM process" "$tmp/err" || fail "not-KVM message"

# Unwritable outputs (status 1), checked before anything else touches the system.
expect 1 "--csv /nonexistent-dir-$$/x.csv cannot be created" -- --all --csv "/nonexistent-dir-$$/x.csv"
expect 1 "--json $tmp is a directory" -- --all --json "$tmp"
[ ! -e "/nonexistent-dir-$$" ] || fail "created a directory"

# Not root and no capabilities (status 1). As root, drop to nobody with setpriv (a real
# unprivileged process, not a test hook); as a normal user, run directly.
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null; then
		cp "$exe" "$tmp/exitprof" && chmod 755 "$tmp" "$tmp/exitprof"
		real_exe=$exe
		exe=$tmp/exitprof
		runner=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --)
		expect 1 "not root and no CAP_BPF+CAP_PERFMON" -- --all --duration 1
		runner=()
		exe=$real_exe
	else
		echo "note: setpriv missing, not-root case not run"
	fi
else
	expect 1 "not root and no CAP_BPF+CAP_PERFMON" -- --all --duration 1
fi

# --help documents every option, with examples, and exits 0.
"$exe" --help >"$tmp/help" 2>&1 || fail "--help status"
for opt in --vm --all --vcpu --per-vcpu --interval --duration --sort --csv --json EXAMPLES; do
	grep -q -- "$opt" "$tmp/help" || fail "--help lacks $opt"
done

# Unknown options: the one error line too, for every command; abbreviations argp accepts pass.
expect 2 "'--bogus' is not an option" -- --bogus
expect 2 "'-Z' is not an option" -- --all -Z
expect 2 "'-aZ' is not an option" -- -aZ
expect 2 "'--bogus' is not an option" -- record --bogus -o "$tmp/x.csv" -- true
expect 2 "'--bogus' is not an option" -- plot --bogus "$tmp/x.csv"
expect 2 "'--bogus' is not an option" -- compare --bogus
expect 2 "'--c' is not an option" -- record --boot --c x -o "$tmp/x.csv" -- true # --console or --csv
expect 2 "'--H' is not an option" -- --all --H       # argp's --HANG would sleep for an hour
expect 2 "'--HANG=1' is not an option" -- plot --HANG=1 "$tmp/x.csv"
expect 2 "--duration '0'" -- --all --dur 0    # a unique prefix is the option
expect 2 "--duration '0'" -- --all -d0        # a short option's argument in the same word
expect 2 "--duration '0'" -- --all -ad 0      # in a cluster, then the next word

if [ -n "${before:-}" ]; then
	after=$(bpf_progs)
	[ "$after" = "$before" ] || fail "BPF programs before $before, after $after"
fi
echo "$fails failure(s)"
[ "$fails" = 0 ]
