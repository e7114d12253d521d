# bash completion for exitprof(8): options, subcommands, and the pids of KVM processes for --vm.
# Needs nothing from bash-completion (uses _filedir when it is loaded).

# The pids of the processes that hold a KVM VM fd (/proc/PID/fd/N -> anon_inode:kvm-vm), the test
# exitprof itself applies to --vm. Processes whose fds this user cannot read (another user's,
# when not root) are offered when their name is a known VMM's.
_exitprof_vm_pids()
{
	local d pid comm
	local -A seen=()
	for d in $(find /proc/[0-9]*/fd -maxdepth 1 -lname 'anon_inode:kvm-vm' 2>/dev/null); do
		pid=${d#/proc/}
		pid=${pid%%/*}
		[[ -n ${seen[$pid]-} ]] || { seen[$pid]=1; echo "$pid"; }
	done
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[[ -n ${seen[$pid]-} || -r $d/fd ]] && continue
		read -r comm 2>/dev/null <"$d/comm" || continue
		case $comm in
		qemu-system-* | qemu-kvm | kvm | firecracker | cloud-hypervisor | crosvm | lkvm | kvmtool)
			echo "$pid" ;;
		esac
	done
}

_exitprof_files()
{
	if declare -F _filedir >/dev/null; then
		_filedir "$@"
	else
		local IFS=$'\n'
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

_exitprof()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local sub="" i w opts

	# --opt=VALUE: bash splits at '=' (COMP_WORDBREAKS), or cur holds it whole.
	if [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
	elif [[ $cur == = ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=""
	elif [[ $prev == = && COMP_CWORD -ge 2 ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi

	# The subcommand: the first word after exitprof that is one. After record's "--" comes the
	# VMM's own command line.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -z $sub ]]; then
			case $w in record | plot | compare) sub=$w ;; esac
		elif [[ $sub == record && $w == -- ]]; then
			if ((i == COMP_CWORD - 1)); then
				COMPREPLY=($(compgen -c -- "$cur"))
			else
				_exitprof_files
			fi
			return
		fi
	done

	case $sub in
	record)
		case $prev in
		-o | --output | -c | --console | -s | --csv) _exitprof_files; return ;;
		-B | --bin | -d | --duration) return ;;
		esac
		opts="--boot --output --bin --duration --console --csv --verbose --help --usage --version" ;;
	plot)
		case $prev in
		-o | --output) _exitprof_files '@(svg|png)'; return ;;
		-m | --marks | -s | --script) _exitprof_files; return ;;
		-t | --title | -n | --top | -B | --bin) return ;;
		esac
		if [[ $cur != -* ]]; then
			_exitprof_files '@(csv)'
			return
		fi
		opts="--output --marks --title --top --bin --script --help --usage --version" ;;
	compare)
		case $prev in
		-p | --vm) COMPREPLY=($(compgen -W "$(_exitprof_vm_pids)" -- "$cur")); return ;;
		-d | --duration) return ;;
		esac
		opts="--duration --vm --all --verbose --kvm-stats --three-way --help --usage --version" ;;
	*)
		case $prev in
		-p | --vm) COMPREPLY=($(compgen -W "$(_exitprof_vm_pids)" -- "$cur")); return ;;
		-s | --sort) COMPREPLY=($(compgen -W "count time avg max" -- "$cur")); return ;;
		--csv | --json | --timeline | --metrics-file) _exitprof_files; return ;;
		--metrics) return ;;
		-c | --vcpu | -i | --interval | -d | --duration | --bin | --max-keys) return ;;
		esac
		opts="--vm --all --vcpu --per-vcpu --interval --duration --sort --csv --json --timeline --metrics --metrics-file
			--bin --max-keys --time-split --verbose --bpf-stats --help --usage --version"
		if [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -W "record plot compare" -- "$cur"))
			return
		fi ;;
	esac
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _exitprof exitprof
