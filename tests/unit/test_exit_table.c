/* exit_table: per-CPU merging, vCPU grouping, interval deltas, sorting, percent base. */
#include <string.h>
#include "check.h"
#include "exit_table.h"
#include "sample_val.h"

/* user = 1/10, halt = 1/5 of each sample */
static struct exit_val val_of(uint64_t count, const uint64_t *samples, size_t n)
{
	return sample_val(count, samples, n, 10, 5);
}

static void test_merge_percpu(void)
{
	/* CPU 0 counted 3 exits and timed 2; CPU 1 timed the third (the vCPU moved); CPU 2 holds
	 * the zeroed copy of the key that every CPU gets (timed = 0, min_ns = 0 must not win). */
	static const uint64_t a[] = { 400, 900 }, b[] = { 250 };
	struct exit_val cpu[3] = { val_of(3, a, 2), val_of(0, b, 1), val_of(0, NULL, 0) };
	struct exit_val sum;

	memset(&sum, 0, sizeof(sum));
	for (int c = 0; c < 3; c++)
		exit_val_merge(&sum, &cpu[c]);
	CHECK(sum.count == 3 && sum.timed == 3, "count %llu timed %llu", (unsigned long long)sum.count,
	      (unsigned long long)sum.timed);
	CHECK(sum.min_ns == 250 && sum.max_ns == 900, "min %llu max %llu", (unsigned long long)sum.min_ns,
	      (unsigned long long)sum.max_ns);
	CHECK(sum.total_ns == 1550 && sum.user_ns == 155 && sum.halt_ns == 310, "sums");
	/* user 40, 90, 25 split 1/4, 1/2, rest; runq 1/8 of 400, 900, 250 */
	CHECK(sum.exit_path_ns == 10 + 22 + 6 && sum.vmm_ns == 20 + 45 + 12 && sum.entry_path_ns == 10 + 23 + 7 &&
		      sum.runq_ns == 50 + 112 + 31,
	      "split sums %llu/%llu/%llu/%llu", (unsigned long long)sum.exit_path_ns, (unsigned long long)sum.vmm_ns,
	      (unsigned long long)sum.entry_path_ns, (unsigned long long)sum.runq_ns);
	CHECK(sum.hist[7] == 1 && sum.hist[8] == 1 && sum.hist[9] == 1, "histograms added (250, 400, 900 in slots 7, 8, 9)");
}

static void test_group_delta_sort(void)
{
	struct exit_table t, g, t2, d;
	static const uint64_t s1[] = { 100, 200 }, s2[] = { 5000 }, s3[] = { 10, 20, 30 };
	struct exit_key k;

	exit_table_init(&t);
	k = (struct exit_key){ 7, 0, 2, 0x72 };
	struct exit_val v = val_of(2, s1, 2);
	CHECK(exit_table_merge(&t, &k, &v) == 0, "merge");
	k.vcpu_id = 1;
	v = val_of(1, s2, 1);
	CHECK(exit_table_merge(&t, &k, &v) == 0, "merge");
	k = (struct exit_key){ 7, 1, 2, 0x7b };
	v = val_of(3, s3, 3);
	CHECK(exit_table_merge(&t, &k, &v) == 0, "merge");
	t.stats[EXITPROF_STAT_EXITS] = 6;

	CHECK(exit_table_count(&t, 7, EXITPROF_VCPU_ANY) == 6, "6 exits in VM 7");
	CHECK(exit_table_count(&t, 7, 1) == 4, "4 on vCPU 1");

	CHECK(exit_table_group_vcpus(&g, &t) == 0 && g.n == 2, "2 reasons once vCPUs are folded");
	exit_table_sort(&g, SORT_COUNT);
	CHECK(g.rows[0].key.reason == 0x72 && g.rows[0].val.count == 3 && g.rows[0].val.max_ns == 5000 &&
	      g.rows[0].val.min_ns == 100 && g.rows[0].key.vcpu_id == EXITPROF_VCPU_ANY, "cpuid row folded");
	CHECK(g.rows[1].key.reason == 0x7b, "ties broken, io second by count (3 = 3, code order)");
	exit_table_sort(&g, SORT_TIME);
	CHECK(g.rows[0].key.reason == 0x72, "by time: cpuid (5300 ns) first");
	exit_table_sort(&g, SORT_AVG);
	CHECK(g.rows[0].key.reason == 0x72 && g.rows[1].key.reason == 0x7b, "by avg");
	exit_table_sort(&g, SORT_MAX);
	CHECK(g.rows[0].val.max_ns == 5000, "by max");

	/* A later snapshot: 4 more io exits on vCPU 1, 2 of them timed; nothing new for cpuid. */
	CHECK(exit_table_copy(&t2, &t) == 0, "copy");
	static const uint64_t s4[] = { 40, 60 };
	v = val_of(4, s4, 2);
	CHECK(exit_table_merge(&t2, &k, &v) == 0, "merge");
	t2.stats[EXITPROF_STAT_EXITS] = 10;
	CHECK(exit_table_delta(&d, &t2, &t) == 0, "delta");
	CHECK(d.n == 1 && d.rows[0].key.reason == 0x7b, "only the row that changed");
	CHECK(d.rows[0].val.count == 4 && d.rows[0].val.timed == 2 && d.rows[0].val.total_ns == 100,
	      "delta counts %llu/%llu/%llu", (unsigned long long)d.rows[0].val.count,
	      (unsigned long long)d.rows[0].val.timed, (unsigned long long)d.rows[0].val.total_ns);
	CHECK(d.rows[0].val.hist[5] == 2 && d.rows[0].val.hist[4] == 0, "delta histogram (40, 60 in slot 5)");
	/* user 4, 6: split 1+1, 2+3, 1+2; runq 5 + 7 */
	CHECK(d.rows[0].val.exit_path_ns == 2 && d.rows[0].val.vmm_ns == 5 && d.rows[0].val.entry_path_ns == 3 &&
		      d.rows[0].val.runq_ns == 12,
	      "delta split %llu/%llu/%llu/%llu", (unsigned long long)d.rows[0].val.exit_path_ns,
	      (unsigned long long)d.rows[0].val.vmm_ns, (unsigned long long)d.rows[0].val.entry_path_ns,
	      (unsigned long long)d.rows[0].val.runq_ns);
	CHECK(d.stats[EXITPROF_STAT_EXITS] == 4, "stats differenced");
	CHECK(d.rows[0].val.max_ns == 60 && d.rows[0].val.min_ns == 10, "min/max since start");

	struct exit_table d0;
	CHECK(exit_table_delta(&d0, &t, NULL) == 0 && d0.n == 3, "delta from nothing is everything");

	exit_table_free(&d0);
	exit_table_free(&d);
	exit_table_free(&t2);
	exit_table_free(&g);
	exit_table_free(&t);
}

int main(void)
{
	test_merge_percpu();
	test_group_delta_sort();
	return test_result("test_exit_table");
}
