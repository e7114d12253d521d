#!/usr/bin/env bash
# The bash completion of exitprof, run the way bash runs it (COMP_WORDS, COMP_CWORD, _exitprof):
# the options and subcommands it offers are exactly those --help shows, and --vm offers the pids
# of KVM processes (a real one made by kvm_holder) and not others.
# Usage: test_completion.sh EXITPROF COMPLETION_FILE KVM_HOLDER MAN_PAGE_SOURCE
# (the page's SYNOPSIS names subcommands to look for besides those of --help)
set -u
exe=$1 comp=$2 holder=$3 page=$4
fails=0
. "$(dirname "$0")/help_options.sh"
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
# A copy that the unprivileged user of the by-name case below can read.
chmod 755 "$tmp"
cp "$comp" "$tmp/exitprof.bash"
comp=$tmp/exitprof.bash

# complete WORD...: what _exitprof offers for the command line WORD... (the last one is the word
# being completed), one per line, sorted. runner: a command to run bash with (e.g. setpriv).
runner=()
complete() {
	"${runner[@]}" bash --norc --noprofile -c \
		'src=$1; shift; source "$src"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _exitprof
		 printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@" | sed '/^$/d' | sort -u
}

# same WHAT GOT WANT [SOURCE]: the two lists are equal (WANT comes from SOURCE, default --help).
same() {
	local from=${4:---help}
	if [ "$2" = "$3" ]; then
		echo "ok: $1:" $2
	else
		echo "FAIL: $1: offered but not in $from:" $(comm -23 <(echo "$2") <(echo "$3"))
		echo "      in $from but not offered:" $(comm -13 <(echo "$2") <(echo "$3"))
		fails=$((fails + 1))
	fi
}
has() { grep -qx -- "$2" <<<"$1"; }
lacks() { ! has "$@"; }
check() { # check DESCRIPTION CONDITION...
	local what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi
}

long() { help_options | grep -- '^--'; }

same "exitprof --<TAB>" "$(complete exitprof --)" "$("$exe" --help | long)"
same "exitprof --v<TAB>" "$(complete exitprof --v)" "$("$exe" --help | long | grep '^--v')"
subs=$(subcommands "$exe" $(page_subcommands "$page"))
same "exitprof <TAB> (subcommands)" "$(complete exitprof '')" "$subs" "the subcommands exitprof has"
for sub in $subs; do
	same "exitprof $sub --<TAB>" "$(complete exitprof "$sub" --)" "$("$exe" "$sub" --help | long)"
done

# --sort's keys are the ones --help names for it.
sort_line=$("$exe" --help | grep -A1 -- '--sort=KEY' | tr '\n' ' ')
for key in $(complete exitprof --all --sort ''); do
	check "--sort $key is named in --help" grep -qw -- "$key" <<<"$sort_line"
done
check "--sort offers 4 keys" test "$(complete exitprof --sort '' | wc -l)" = 4

# Files after --csv (bash-completion not loaded: the compgen fallback).
touch "$tmp/exits.csv"
check "--csv completes a file name" has "$(complete exitprof --all --csv "$tmp/exi")" "$tmp/exits.csv"
check "record -- completes a command" has "$(complete exitprof record --boot -o x.csv -- bas)" bash

# --vm: a KVM process (it holds an anon_inode:kvm-vm fd) is offered, a plain process is not.
sleep 300 &
plain=$!
pids+=("$plain")
coproc HOLDER { exec "$holder" 300; }
pids+=("$HOLDER_PID")
holder_pid=$HOLDER_PID
read -r -t 10 ready <&"${HOLDER[0]}"
if [ "${ready:-}" = ready ]; then
	vm=$(complete exitprof --vm '')
	check "--vm offers the KVM process $holder_pid" has "$vm" "$holder_pid"
	check "--vm does not offer the plain process $plain" lacks "$vm" "$plain"
	check "--vm=<TAB> offers $holder_pid" has "$(complete exitprof --vm = '')" "$holder_pid"
	check "--vm ${holder_pid:0:2}<TAB> offers $holder_pid" has "$(complete exitprof --vm "${holder_pid:0:2}")" "$holder_pid"
	for p in $vm; do
		check "offered pid $p holds a KVM VM fd or is a VMM by name" \
			bash -c 'ls -l /proc/$1/fd 2>/dev/null | grep -q "anon_inode:kvm-vm" ||
				grep -qE "^(qemu-system-.*|qemu-kvm|kvm|firecracker|cloud-hypervisor|crosvm|lkvm|kvmtool)$" /proc/$1/comm' _ "$p"
	done
else
	echo "skip: no KVM VM could be created here (kvm_holder: ${ready:-no answer}): --vm's fd test not run"
fi

# Another user's processes: their fds cannot be read, so a VMM is known by its name only.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	cp "$(command -v sleep)" "$tmp/qemu-system-x86_64"
	chmod 755 "$tmp/qemu-system-x86_64"
	"$tmp/qemu-system-x86_64" 300 &
	named=$!
	pids+=("$named")
	runner=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	vm=$(complete exitprof --vm '')
	check "as nobody: --vm offers root's qemu-system-x86_64 ($named)" has "$vm" "$named"
	check "as nobody: --vm does not offer root's plain process $plain" lacks "$vm" "$plain"
	runner=()
else
	echo "skip: not root (or no setpriv): the by-name case for other users' processes not run"
fi

[ "$fails" = 0 ] && echo "completion: all checks passed" || echo "completion: $fails failure(s)"
[ "$fails" = 0 ]
