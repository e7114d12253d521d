#!/usr/bin/env bash
# The Debian packages, end to end: builds them from debian/ with dpkg-buildpackage in a copy of
# the source tree (the tree itself stays clean), checks them with lintian (errors and warnings
# fail), installs them with apt-get, runs the programs, the man pages and the completion from
# their installed paths, checks the KVM modules exitprof-kvm-dkms had DKMS build and install for
# Debian's stock kernel of the installed linux-source-6.12, purges them and checks that nothing
# they installed is left.
# The running kernel is another one: its missing headers must not fail the install.
# Needs root (it installs): exits 77 without root, dpkg-buildpackage, or linux-source-6.12 and the
# headers of that kernel (scripts/setup), and when an exitprof package is already installed here
# or exitprof-kvm is already known to DKMS (the test would replace them and then remove them).
# Usage: test_deb.sh SOURCE_DIR
set -u
src=$1
pkgs=(exitprof exitprof-guest exitprof-kvm-dkms)
# The kernel exitprof-kvm-dkms builds for: Debian's stock one of the installed linux-source-6.12.
kver=$("$src/kernel-patch/target-version" release) || exit 77
dkms_name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$src/kernel-patch/dkms/dkms.conf")
dkms_ver=$("$src/kernel-patch/dkms/make-source" --version) || exit 1
moddir=/lib/modules/$kver/updates/dkms

if [ "$(id -u)" != 0 ]; then
	echo "skip: not root (installing needs it)"
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
if [ ! -f "/lib/modules/$kver/build/Module.symvers" ]; then
	echo "skip: linux-headers-$kver missing (exitprof-kvm-dkms builds for it): scripts/setup"
	exit 77
fi
if [ -n "$(dkms status "$dkms_name" 2>/dev/null)" ]; then
	echo "skip: DKMS already has $dkms_name ($(dkms status "$dkms_name" | head -n 1)): dkms remove $dkms_name/$dkms_ver --all to run this test"
	exit 77
fi

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
work=$(mktemp -d)
installed=0
# The running kernel as a host has it, /lib/modules/$(uname -r) present, but without headers (a
# test machine may have no such directory at all: then it is made for the install, and removed).
running=/lib/modules/$(uname -r)
made_running=0
cleanup() {
	[ "$installed" = 1 ] && dpkg --purge "${pkgs[@]}" >/dev/null 2>&1
	[ "$made_running" = 1 ] && rmdir "$running" 2>/dev/null
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
	deb=$(ls "$work/${p}_${ver}_"{"$arch",all}.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] && debs+=("$deb") || fail "dpkg-buildpackage made no ${p}_${ver}_{$arch,all}.deb"
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

# 4. Install, as a user would: apt-get with the files (it waits for another apt's lock). The
#    postinst of exitprof-kvm-dkms (Debian's DKMS part, then its own for every installed kernel
#    of that version with headers) must skip the running kernel here and build for $kver.
if [ ! -e "$running" ]; then
	mkdir "$running" && made_running=1
fi
if [ "$(uname -r)" = "$kver" ]; then
	skipped= # the running kernel is the one it builds for
elif [ -e "$running/build/include" ]; then
	skipped="Skipped." # dkms build: status 77, BUILD_EXCLUSIVE_KERNEL
else
	skipped="Module build for kernel $(uname -r) was skipped since the"
fi
installed=1 # from here on, cleanup purges whatever got installed
if apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=900 "${debs[@]}" >"$work/install.log" 2>&1; then
	ok "apt-get install ${debs[*]##*/}"
else
	tail -40 "$work/install.log"
	tail -40 "/var/lib/dkms/$dkms_name/$dkms_ver/build/make.log" 2>/dev/null
	fail "apt-get install failed (last lines above)"
	exit 1
fi
[ "$made_running" = 1 ] && rmdir "$running" && made_running=0
grep -E '^(Building for|Building initial module|Module build for kernel|Skipped\.|Done\.)' "$work/install.log" |
	sed 's/^/  postinst: /'
if [ -n "$skipped" ]; then
	grep -qF "$skipped" "$work/install.log" && ok "the running kernel $(uname -r) (not $kver) was skipped, and the install went on" ||
		fail "no '$skipped' for the running kernel $(uname -r) in the install's output"
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

# exitprof-kvm-dkms: DKMS built and installed the patched modules for $kver, and they replace
# the stock ones there.
st=$(dkms status "$dkms_name/$dkms_ver" -k "$kver")
[[ $st == "$dkms_name/$dkms_ver, $kver, "*": installed" ]] && ok "dkms status: $st" ||
	fail "dkms status for $kver: '$st' (want installed)"
out=$("$src/tests/patch/installed-kvm" "$kver")
rc=$?
sed 's/^/  /' <<<"$out"
[ "$rc" = 0 ] || fail "the installed KVM modules (lines above)"
# A kernel package of another version runs `dkms autoinstall` for itself: this module must not
# fail it (dkms.conf has no AUTOINSTALL).
mkdir -p "$work/other-headers/include"
dkms autoinstall -k 6.1.0-0-amd64 --kernelsourcedir "$work/other-headers" >"$work/autoinstall.log" 2>&1 &&
	ok "dkms autoinstall for another kernel (6.1.0-0-amd64): status 0" ||
	fail "dkms autoinstall for another kernel fails: $(cat "$work/autoinstall.log")"

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
# package owns; DKMS forgot the modules, removed them and gave $kver its stock KVM back.
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
left=$(ls -d "$moddir"/kvm*.ko* "/var/lib/dkms/$dkms_name" /usr/src/"$dkms_name"-* 2>/dev/null)
[ -z "$left" ] && [ -z "$(dkms status "$dkms_name")" ] && ok "DKMS: no $dkms_name, no module in $moddir" ||
	fail "left after purge: $left $(dkms status "$dkms_name")"
stock=$(modinfo -n -k "$kver" kvm 2>&1)
[[ $stock == "/lib/modules/$kver/kernel/"* ]] && ok "modprobe kvm on $kver loads the stock $stock again" ||
	fail "modprobe kvm on $kver after purge: $stock"
phase purge

echo "timing: ${times[*]/%/,} total $((SECONDS - t0)) s"
[ "$fails" = 0 ] && echo "package: all checks passed" || echo "package: $fails failure(s)"
[ "$fails" = 0 ]
