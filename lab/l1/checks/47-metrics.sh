# Fleet metrics for real: Debian's Prometheus server, inside L1, scrapes `exitprof --metrics`
# (the dynamic build, exitprof-http) while a micro-guest runs; a PromQL query through
# Prometheus's HTTP API then returns, per exit reason, the same counts as exitprof's own summary
# of the same run, and the io count the guest itself made.
#   metrics-promql   per reason: PromQL sum by (reason) (exitprof_exits_total) == exitprof's CSV
#                    total == (for io and hlt) the guest's own count
# The guest holds its VM after the run (mixguest --hold): no exit comes after it, so the last
# scrape and the summary describe the same counts.

PROM_PORT=9090
METRICS_PORT=9477

# csv_total_counts CSV: "reason_name count" of exitprof's summary CSV (rows of kind total),
# sorted like promql's output.
csv_total_counts() {
	csv_cols "$1" kind reason_name count | awk -F, '$1 == "total" { n[$2] += $3 } END { for (r in n) print r, n[r] }' | sort
}

# promql QUERY: Prometheus's instant query, one "reason value" line per series of the result.
promql() {
	wget -qO- "http://127.0.0.1:$PROM_PORT/api/v1/query?query=$1" 2>/dev/null |
		tr '{' '\n' | sed -n 's/.*"reason":"\([^"]*\)"},"value":\[[0-9.]*,"\([0-9]*\)"\].*/\1 \2/p' | sort
}

metrics_check() {
	_d=$ART/metrics
	_tsdb=/tmp/prometheus-tsdb # Prometheus mmaps its files: not on the 9p share
	rm -rf "$_d" "$_tsdb"
	mkdir -p "$_d" "$_tsdb"
	ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
	mixguest --wait --hold cpuid=300,io=40,msr=10 >"$_d/guest.out" 2>"$_d/guest.err" &
	_g=$!
	if ! wait_for_line "$_d/guest.out" '^READY' 30 $_g; then
		result metrics-promql FAIL "micro-guest not ready: $(head -c 200 "$_d/guest.err")"
		return
	fi
	exitprof-http --vm $_g --metrics 127.0.0.1:$METRICS_PORT --csv "$_d/summary.csv" >"$_d/exitprof.out" 2>"$_d/exitprof.err" &
	_p=$!
	cat >"$_d/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: exitprof
    static_configs:
      - targets: ['127.0.0.1:$METRICS_PORT']
EOF
	prometheus --config.file="$_d/prometheus.yml" --storage.tsdb.path="$_tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" >"$_d/prometheus.log" 2>&1 &
	_s=$!
	# Up: the target scraped once, with exitprof attached.
	_i=0
	until [ "$(wget -qO- "http://127.0.0.1:$PROM_PORT/api/v1/query?query=up" 2>/dev/null | sed -n 's/.*"value":\[[0-9.]*,"\([01]\)"\].*/\1/p')" = 1 ]; do
		_i=$((_i + 1))
		if [ $_i -gt 600 ] || ! kill -0 $_s 2>/dev/null || ! kill -0 $_p 2>/dev/null; then
			result metrics-promql FAIL "Prometheus never saw exitprof up: $(tail -n 3 "$_d/prometheus.log" "$_d/exitprof.err" | tr '\n' ' ' | head -c 300)"
			kill -9 $_g $_p $_s 2>/dev/null
			wait $_g $_p $_s 2>/dev/null
			return
		fi
		sleep 0.1
	done
	kill -USR1 $_g
	wait_for_line "$_d/guest.out" '^HOLDING' 120 $_g || echo "lab: the guest did not reach HOLDING" >>"$_d/exitprof.err"
	# The VM is idle now: wait until two queries 2 s apart (two scrapes, two metric refreshes)
	# return the same non-empty vector; that is the final count.
	_q='sum%20by%20(reason)%20(exitprof_exits_total)'
	_prev="" _i=0
	while [ $_i -lt 60 ]; do
		_now=$(promql "$_q")
		[ -n "$_now" ] && [ "$_now" = "$_prev" ] && break
		_prev=$_now
		sleep 2
		_i=$((_i + 1))
	done
	printf '%s\n' "$_now" >"$_d/promql.txt"
	kill -INT $_p
	wait_pid $_p 30
	_prc=$?
	kill -USR1 $_g 2>/dev/null
	wait_pid $_g 30
	kill $_s 2>/dev/null
	wait_pid $_s 30
	sed "s/^/LAB-LOG metrics promql: /" "$_d/promql.txt"
	# exitprof's own summary: the total rows of its CSV, per reason name (by header name).
	csv_total_counts "$_d/summary.csv" >"$_d/summary.txt"
	sed "s/^/LAB-LOG metrics summary: /" "$_d/summary.txt"
	_bad=""
	[ -s "$_d/summary.txt" ] || _bad="no summary rows;"
	if ! cmp -s "$_d/promql.txt" "$_d/summary.txt"; then
		_bad="$_bad promql != summary: $(diff "$_d/promql.txt" "$_d/summary.txt" | grep '^[-+][^-+]' | tr '\n' ' ')"
	fi
	expect_lines "$_d/guest.out" >"$_d/expect.txt"
	while read -r _code _ _want; do
		_r=$(reason_name "$_code") # this ISA's name, as exitprof's reason label has it
		_got=$(sed -n "s/^$_r \([0-9]*\)$/\1/p" "$_d/promql.txt")
		[ "$_got" = "$_want" ] || _bad="$_bad $_r:promql=${_got:-none},guest=$_want"
	done <"$_d/expect.txt"
	if [ "$_prc" != 0 ]; then
		result metrics-promql FAIL "exitprof --metrics exit $_prc: $(tr '\n' ' ' <"$_d/exitprof.err" | head -c 200)"
	elif [ -n "$_bad" ]; then
		result metrics-promql FAIL "$_bad"
	else
		result metrics-promql PASS "$(wc -l <"$_d/promql.txt") reasons, PromQL == exitprof's summary == the guest's counts: $(tr '\n' ' ' <"$_d/promql.txt"); $(grep -o 'metrics served [0-9]* scrapes' "$_d/exitprof.err")"
	fi
}

if ! have exitprof-http || ! have prometheus || ! have mixguest; then
	result metrics-promql SKIP "exitprof-http, prometheus or mixguest not in the initramfs (lab/run packs them when they build / are installed)"
else
	metrics_check
fi
