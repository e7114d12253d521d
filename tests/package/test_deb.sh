#!/usr/bin/env bash
# The Debian packages, end to end: builds them from debian/ with dpkg-buildpackage in a copy of
# the source tree (the tree itself stays clean), checks them with lintian (errors and warnings
# fail), installs them with dpkg -i, runs the programs, the man pages and the completion from
# their installed paths, purges them and checks that no file they installed is left.
# Needs root (it installs): exits 77 without root or dpkg-buildpackage, and when an exitprof
# package is already installed here (the test would replace it and then purge it).
# Usage: test_deb.sh SOURCE_DIR
set -u
src=$1
pkgs=(exitprof exitprof-guest)

if [ "$(id -u)" != 0 ]; then
	echo "skip: not root (dpkg -i needs it)"
	exit 77
fi
if ! command -v dpkg-buildpackage >/dev/null; then
	echo "skip: no dpkg-buildpackage (Debian: dpkg-dev, installed by scripts/setup)"
	exit 77
fi
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	if [ -n "$st" ] && [ "$st" != not-installed ]; then
		echo "skip: package $p is already on this machine ($st): dpkg --purge ${pkgs[*]} to run this test"
		exit 77
	fi
done

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
work=$(mktemp -d)
installed=0
cleanup() {
	[ "$installed" = 1 ] && dpkg --purge "${pkgs[@]}" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
t0=$SECONDS
phase() { # phase NAME: the seconds since the last phase
	times+=("$1 $((SECONDS - t_last)) s")
	t_last=$SECONDS
}
times=()
t_last=$SECONDS

# 1. A copy of the source tree: the files git knows or would add (not the build directories).
ver=$(cd "$src" && dpkg-parsechangelog -S Version)
tree=$work/exitprof-$ver
mkdir -p "$tree"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" ls-files -co --exclude-standard -z |
		while IFS= read -r -d '' f; do [ -e "$src/$f" ] && printf '%s\0' "$f"; done |
		tar -C "$src" --null -T - -cf - | tar -C "$tree" -xf -
else
	tar -C "$src" --exclude='./build*' -cf - . | tar -C "$tree" -xf -
fi
phase copy

# 2. Build (with the package's own unit tests, as a Debian build runs them).
if ! (cd "$tree" && DEB_BUILD_OPTIONS="parallel=2" dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tail -40 "$work/build.log"
	echo "FAIL: dpkg-buildpackage -us -uc -b failed (last lines above)"
	exit 1
fi
arch=$(dpkg --print-architecture)
debs=()
for p in "${pkgs[@]}"; do
	deb=$work/${p}_${ver}_$arch.deb
	[ -f "$deb" ] && debs+=("$deb") || fail "dpkg-buildpackage made no $(basename "$deb")"
done
grep -E '^100% tests passed|tests failed' "$work/build.log" | sed 's/^/  build: /'
phase build
[ "${#debs[@]}" = "${#pkgs[@]}" ] || exit 1

# 3. lintian: no error and no warning (overrides in debian/*.lintian-overrides say why).
if ! command -v lintian >/dev/null; then
	fail "lintian is not installed (scripts/setup installs it)"
elif lintian --fail-on error,warning "$work"/exitprof_"${ver}"_"$arch".changes >"$work/lintian" 2>&1; then
	grep -v 'root privileges' "$work/lintian" | sed 's/^/  lintian: /'
	ok "lintian: no error or warning"
else
	sed 's/^/  lintian: /' "$work/lintian"
	fail "lintian found errors or warnings"
fi
phase lintian

# 4. Install.
if dpkg -i "${debs[@]}" >"$work/install.log" 2>&1; then
	installed=1
	ok "dpkg -i ${debs[*]##*/}"
else
	cat "$work/install.log"
	fail "dpkg -i failed"
	exit 1
fi
phase install

# 5. From the installed paths.
out=$(/usr/sbin/exitprof --help 2>&1) && [[ $out == "Usage: exitprof "* ]] &&
	ok "/usr/sbin/exitprof --help" || fail "/usr/sbin/exitprof --help: $out"
out=$(/usr/sbin/exitprof record --help 2>&1) && [[ $out == "Usage: exitprof record "* ]] &&
	ok "/usr/sbin/exitprof record --help" || fail "/usr/sbin/exitprof record --help: $out"
out=$(/usr/bin/exitprof-cpuid --help 2>&1) && [[ $out == "Usage: exitprof-cpuid "* ]] &&
	ok "/usr/bin/exitprof-cpuid --help" || fail "/usr/bin/exitprof-cpuid --help: $out"
deps=$(dpkg-query -W -f='${Depends}' exitprof)
[[ $deps == *libbpf* ]] && ok "exitprof Depends (from shlibs): $deps" || fail "exitprof Depends lacks libbpf: $deps"
ldd /usr/sbin/exitprof | grep -q 'not found' && fail "ldd /usr/sbin/exitprof: $(ldd /usr/sbin/exitprof)" ||
	ok "ldd /usr/sbin/exitprof: every library found"
readelf -l /usr/bin/exitprof-cpuid | grep -q INTERP && fail "/usr/bin/exitprof-cpuid is not static" ||
	ok "/usr/bin/exitprof-cpuid is static (no program interpreter)"

for page in exitprof:8 exitprof-cpuid:1; do
	name=${page%:*} sec=${page#*:}
	path=$(man -w "$name" 2>&1)
	[ "$path" = "/usr/share/man/man$sec/$name.$sec.gz" ] && ok "man -w $name: $path" ||
		fail "man -w $name: '$path' (want /usr/share/man/man$sec/$name.$sec.gz)"
done
MANWIDTH=100 man -P cat exitprof 2>/dev/null | grep -q -- '--bpf-stats' &&
	ok "man exitprof renders (it shows --bpf-stats)" || fail "man exitprof does not render --bpf-stats"

compdir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
compdir=${compdir:-/usr/share/bash-completion/completions}
[ -f "$compdir/exitprof" ] && dpkg -L exitprof | grep -qx "$compdir/exitprof" &&
	ok "completion installed: $compdir/exitprof" || fail "no $compdir/exitprof from package exitprof"
# bash-completion's own loader finds it, and it completes.
if [ -f /usr/share/bash-completion/bash_completion ]; then
	out=$(bash --norc --noprofile -c 'source /usr/share/bash-completion/bash_completion
		__load_completion exitprof || exit 1
		COMP_WORDS=(exitprof --bpf); COMP_CWORD=1; _exitprof; echo "${COMPREPLY[*]}"' 2>&1)
	[ "$out" = --bpf-stats ] && ok "bash-completion loads it: exitprof --bpf<TAB> -> $out" ||
		fail "bash-completion's loader: exitprof --bpf<TAB> -> '$out'"
else
	fail "bash-completion is not installed (scripts/setup installs it)"
fi
phase checks

# 6. Purge: every file the packages installed is gone, and so is every directory no other
# package owns.
for p in "${pkgs[@]}"; do dpkg -L "$p"; done | grep -vx /. | sort -u >"$work/files"
while read -r f; do
	[ -d "$f" ] && [ ! -L "$f" ] && echo "d $f" || echo "f $f"
done <"$work/files" >"$work/typed"
if dpkg --purge "${pkgs[@]}" >"$work/purge.log" 2>&1; then
	installed=0
	ok "dpkg --purge ${pkgs[*]}"
else
	cat "$work/purge.log"
	fail "dpkg --purge failed"
fi
left=0
while read -r type f; do
	[ -e "$f" ] || [ -L "$f" ] || continue
	if [ "$type" = f ] || ! dpkg -S "$f" >/dev/null 2>&1; then
		echo "  left after purge: $f"
		left=$((left + 1))
	fi
done <"$work/typed"
[ "$left" = 0 ] && ok "purge left none of the $(grep -c '^f' "$work/typed") files and no directory of its own" ||
	fail "$left path(s) left after purge"
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = not-installed ] && ok "$p: not installed after purge" || fail "$p after purge: $st"
done
phase purge

echo "timing: ${times[*]/%/,} total $((SECONDS - t0)) s"
[ "$fails" = 0 ] && echo "package: all checks passed" || echo "package: $fails failure(s)"
[ "$fails" = 0 ]
