# Sourced first by the shell tests (bash): set -u, a scratch directory $tmp removed on exit, the
# failure count $fails, and fail MESSAGE, which prints "FAIL: MESSAGE" and counts it.
set -u
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
