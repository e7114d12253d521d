# Sources every helper file of lab/l1/lib, one file per job (docs/lab.md, "How to add a check"),
# in the order they need each other. The caller sets d to lab/l1 (/lab in L1).
for _lib in result machine oracle counts exitprof guests watch boot; do
	. "$d/lib/$_lib.sh"
done
