/* See compare_cpuid.h (and docs/compare-cpuid.md for the window accounting). */
#include "compare_cpuid.h"

#include "reasons.h"
#include "tsc.h"

#include <math.h>
#include <string.h>

/* The exits the query VM's guest program controls (cpuid_query.c): one CPUID per request, one
 * HLT per run. Their codes come from reasons.c, by the kernel's names; UINT32_MAX (no code) for
 * an unknown isa. */
static uint32_t code_named(unsigned isa, const char *vmx_name, const char *svm_name)
{
	uint32_t code;

	if (exit_reason_lookup(isa, isa == EXIT_ISA_VMX ? vmx_name : svm_name, &code))
		return UINT32_MAX;
	return code;
}

static uint32_t cpuid_code(unsigned isa)
{
	return code_named(isa, "CPUID", "cpuid");
}

static uint32_t hlt_code(unsigned isa)
{
	return code_named(isa, "HLT", "hlt");
}

size_t cmp_requests(unsigned isa, struct leaf_request *req, size_t *cpuid_pos)
{
	size_t n = leaf_report_requests(isa, req), p = 1 + cmp_reason_index(isa, cpuid_code(isa));
	struct leaf_request c;

	*cpuid_pos = 1;
	if (n == 0 || p >= n)
		return n;
	c = req[p];
	memmove(&req[2], &req[1], (p - 1) * sizeof(*req));
	req[1] = c;
	return n;
}

void cmp_answers_in_table_order(unsigned isa, const struct leaf_regs *batch, size_t n,
				struct leaf_regs *out)
{
	size_t p = 1 + cmp_reason_index(isa, cpuid_code(isa)); /* CPUID's table position */

	memcpy(out, batch, n * sizeof(*out));
	if (n == 0 || p >= n)
		return;
	/* cmp_requests() moved table position p to 1 and shifted 1..p-1 up by one. */
	memmove(&out[1], &batch[2], (p - 1) * sizeof(*out));
	out[p] = batch[1];
}

size_t cmp_reason_index(unsigned isa, uint32_t code)
{
	size_t lo = 0, hi = exit_reason_count(isa);

	if (hi > LEAF_REPORT_MAX)
		hi = LEAF_REPORT_MAX;
	while (lo < hi) { /* the table is in ascending code order */
		size_t mid = lo + (hi - lo) / 2;
		uint32_t c = exit_reason_code_at(isa, mid);

		if (c == code)
			return mid;
		if (c < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CMP_OTHER_REASON;
}

void cmp_snap_from_table(struct cmp_snap *s, const struct exit_table *t, unsigned isa,
			 uint32_t own_tgid, uint32_t target_tgid)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < t->n; i++) {
		const struct exit_row *r = &t->rows[i];
		size_t idx = r->key.isa == isa ? cmp_reason_index(isa, r->key.reason) : CMP_OTHER_REASON;
		struct cmp_bucket *b = r->key.tgid == own_tgid ? &s->own[idx] : &s->others[idx];

		b->count += r->val.count;
		b->ns += r->val.total_ns;
		b->keys++;
		if (r->val.timed && r->val.max_ns > b->max_ns)
			b->max_ns = r->val.max_ns;
		if (target_tgid && r->key.tgid == target_tgid)
			s->target += r->val.count;
	}
	s->drops = t->stats[EXITPROF_STAT_DROP_KEYS];
}

/* b - a, never below 0 (counters only grow; a torn read must not wrap). */
static uint64_t sub0(uint64_t b, uint64_t a)
{
	return b > a ? b - a : 0;
}

struct window {
	uint64_t lo, hi, own, new_keys;
	double ns_lo, ns_hi;
};

/* BPF's view of one bucket's window. p = the position, in a read's batch of n CPUIDs, of the
 * CPUID that read this bucket's counters (0 = the total); only the CPUID bucket depends on it. */
static void bucket_window(const struct cmp_input *in, size_t idx, size_t p, struct window *w)
{
	const struct cmp_snap *const *s = in->snap;
	uint64_t n = in->read[0]->cpuid_calls;
	const struct cmp_bucket *o0 = &s[0]->own[idx], *o1 = &s[1]->own[idx], *o2 = &s[2]->own[idx],
				*o3 = &s[3]->own[idx];
	uint64_t between = sub0(o2->count, o1->count), r1 = sub0(o1->count, o0->count),
		 r2 = sub0(o3->count, o2->count);
	double between_ns = (double)sub0(o2->ns, o1->ns), r1_ns = (double)sub0(o1->ns, o0->ns),
	       r2_ns = (double)sub0(o3->ns, o2->ns);
	uint32_t code = idx == CMP_OTHER_REASON ? UINT32_MAX : exit_reason_code_at(in->isa, idx);

	memset(w, 0, sizeof(*w));
	w->new_keys = sub0(o3->keys, o0->keys);
	/* The query VM's own exits between the reads: inside (normally none: it runs only to read). */
	w->own = between;
	w->ns_lo = between_ns;
	if (idx != CMP_OTHER_REASON && code == cpuid_code(in->isa)) {
		/* 2n CPUIDs in the reads: read 1's after position p and read 2's up to p, n in all,
		 * are inside; the other n are not. Their times are closed at the next entry, inside
		 * the same run: read 1's CPUIDs p..n-1 and read 2's 0..p-1, i.e. R1 minus read 1's
		 * first p plus read 2's first p, each sum within [0, p x the longest CPUID]. */
		double pmax = (double)p * (double)s[3]->own[idx].max_ns;

		w->own += sub0(r1 + r2, n);
		w->lo = w->hi = w->own;
		w->ns_hi = w->ns_lo + r1_ns + (r2_ns < pmax ? r2_ns : pmax);
		w->ns_lo += r1_ns - (r1_ns < pmax ? r1_ns : pmax);
	} else if (idx != CMP_OTHER_REASON && code == hlt_code(in->isa)) {
		/* Read 1's HLT is inside, read 2's is not. Read 1's HLT is closed by read 2's first
		 * entry, so its time is in S2..S3; read 2's HLT is not closed before S3. */
		w->own += sub0(r1 + r2, 1);
		w->ns_lo += r2_ns;
		w->lo = w->hi = w->own;
		w->ns_hi = w->ns_lo;
	} else {
		/* Page faults, interrupts of the query VM during a read: either side. */
		w->lo = w->own;
		w->hi = w->own + r1 + r2;
		w->ns_hi = w->ns_lo + r1_ns + r2_ns;
	}
	if (in->mode == CMP_MODE_GLOBAL) {
		const struct cmp_bucket *x0 = &s[0]->others[idx], *x1 = &s[1]->others[idx],
					*x2 = &s[2]->others[idx], *x3 = &s[3]->others[idx];

		w->lo += sub0(x2->count, x1->count);
		w->hi += sub0(x3->count, x0->count);
		w->ns_lo += (double)sub0(x2->ns, x1->ns);
		w->ns_hi += (double)sub0(x3->ns, x0->ns);
		w->new_keys += sub0(x3->keys, x0->keys);
	}
}

/* Fills the verdict of a row whose patch and BPF sides are set. Returns 1 if it differs. */
static void judge(const struct cmp_input *in, struct cmp_row *r, struct cmp_result *out)
{
	double mid = (r->bpf_ns_lo + r->bpf_ns_hi) / 2, slack_n;

	r->diff = r->patch_count < r->bpf_lo   ? -(int64_t)(r->bpf_lo - r->patch_count)
		  : r->patch_count > r->bpf_hi ? (int64_t)(r->patch_count - r->bpf_hi)
					       : 0;
	r->time_diff = mid > 0 ? (r->patch_ns - mid) / mid : 0;
	out->compared++;
	if (r->bpf_lo == r->bpf_hi)
		out->exact++;
	if (r->diff) {
		r->verdict = CMP_COUNT_DIFFERS;
		out->count_bad++;
		return;
	}
	/* Times: the BPF bracket widened by the tolerance (see docs/compare-cpuid.md). */
	slack_n = in->tol.abs_ns_per_exit * (double)r->patch_count +
		  in->tol.ns_per_new_key * (double)r->new_keys;
	if (r->patch_ns < r->bpf_ns_lo * (1 - in->tol.rel) - slack_n ||
	    r->patch_ns > r->bpf_ns_hi * (1 + in->tol.rel) + slack_n) {
		r->verdict = CMP_TIME_DIFFERS;
		out->time_bad++;
		return;
	}
	r->verdict = CMP_AGREE;
}

static void set_bpf(struct cmp_row *r, const struct window *w)
{
	r->bpf_lo = w->lo;
	r->bpf_hi = w->hi;
	r->own = w->own;
	r->new_keys = w->new_keys;
	r->bpf_ns_lo = w->ns_lo;
	r->bpf_ns_hi = w->ns_hi;
}

int cmp_compute(const struct cmp_input *in, struct cmp_result *out)
{
	const struct leaf_report *a = in->read[0], *b = in->read[1];
	struct window w, tw = { 0 };

	memset(out, 0, sizeof(*out));
	/* The total: read at position 0 of each batch; its BPF side is every bucket's. */
	for (size_t idx = 0; idx < CMP_BUCKETS; idx++) {
		if (idx < CMP_OTHER_REASON && idx >= exit_reason_count(in->isa))
			continue;
		bucket_window(in, idx, 0, &w);
		tw.lo += w.lo;
		tw.hi += w.hi;
		tw.own += w.own;
		tw.new_keys += w.new_keys;
		tw.ns_lo += w.ns_lo;
		tw.ns_hi += w.ns_hi;
	}
	out->total.total = true;
	out->total.status = LEAF_VALID;
	out->total.patch_count = sub0(b->total.count, a->total.count);
	out->total.patch_cycles = sub0(b->total.cycles, a->total.cycles);
	out->total.patch_ns = tsc_cycles_to_ns(out->total.patch_cycles, in->tsc_khz);
	set_bpf(&out->total, &tw);
	judge(in, &out->total, out);

	out->nrows = a->nrows < b->nrows ? a->nrows : b->nrows;
	for (size_t i = 0; i < out->nrows; i++) {
		struct cmp_row *r = &out->rows[i];

		r->reason = a->rows[i].reason;
		r->status = a->rows[i].status == b->rows[i].status ? a->rows[i].status : LEAF_FOREIGN;
		bucket_window(in, cmp_reason_index(in->isa, r->reason), in->cpuid_pos ? in->cpuid_pos : 1 + i,
			      &w);
		set_bpf(r, &w);
		if (r->status != LEAF_VALID) {
			r->verdict = CMP_NOT_COMPARED;
			continue;
		}
		r->patch_count = sub0(b->rows[i].value.count, a->rows[i].value.count);
		r->patch_cycles = sub0(b->rows[i].value.cycles, a->rows[i].value.cycles);
		r->patch_ns = tsc_cycles_to_ns(r->patch_cycles, in->tsc_khz);
		judge(in, r, out);
	}
	/* Undefined codes: no leaf answers them; they are part of the total above. */
	bucket_window(in, CMP_OTHER_REASON, 0, &w);
	set_bpf(&out->other, &w);
	out->other.reason = UINT32_MAX;
	out->other.verdict = CMP_NOT_COMPARED;
	return out->count_bad || out->time_bad ? 1 : 0;
}

enum cmp_mode cmp_infer_mode(const struct cmp_result *global, const struct cmp_result *per_vm,
			     bool *ambiguous)
{
	bool g = !global->count_bad, p = !per_vm->count_bad;

	*ambiguous = g && p;
	if (g && !p)
		return CMP_MODE_GLOBAL;
	return CMP_MODE_PER_VM;
}

const char *cmp_verdict_str(enum cmp_verdict v)
{
	switch (v) {
	case CMP_AGREE:
		return "ok";
	case CMP_COUNT_DIFFERS:
		return "COUNT-DIFFERS";
	case CMP_TIME_DIFFERS:
		return "TIME-DIFFERS";
	case CMP_NOT_COMPARED:
		return "not-compared";
	}
	return "?";
}

void cmp_fmt_bracket(char *buf, size_t len, uint64_t lo, uint64_t hi)
{
	if (lo == hi)
		snprintf(buf, len, "%llu", (unsigned long long)lo);
	else
		snprintf(buf, len, "%llu..%llu", (unsigned long long)lo, (unsigned long long)hi);
}

static void print_row(FILE *f, const char *name, const struct cmp_row *r)
{
	char bpf[48], bpf_us[64], patch_us[32], tdiff[16], pc[24];

	cmp_fmt_bracket(bpf, sizeof(bpf), r->bpf_lo, r->bpf_hi);
	if (fabs(r->bpf_ns_hi - r->bpf_ns_lo) < 500)
		snprintf(bpf_us, sizeof(bpf_us), "%.1f", r->bpf_ns_lo / 1e3);
	else
		snprintf(bpf_us, sizeof(bpf_us), "%.1f..%.1f", r->bpf_ns_lo / 1e3, r->bpf_ns_hi / 1e3);
	if (r->verdict == CMP_NOT_COMPARED) {
		snprintf(pc, sizeof(pc), "-");
		snprintf(patch_us, sizeof(patch_us), "-");
		snprintf(tdiff, sizeof(tdiff), "-");
	} else {
		snprintf(pc, sizeof(pc), "%llu", (unsigned long long)r->patch_count);
		snprintf(patch_us, sizeof(patch_us), "%.1f", r->patch_ns / 1e3);
		snprintf(tdiff, sizeof(tdiff), "%+.2f%%", r->time_diff * 100);
	}
	fprintf(f, "%-22s %10s %17s %6lld %6llu %14s %21s %8s  %s\n", name, pc, bpf,
		(long long)r->diff, (unsigned long long)r->own, patch_us, bpf_us, tdiff,
		r->verdict == CMP_NOT_COMPARED ? leaf_status_str(r->status) : cmp_verdict_str(r->verdict));
}

void cmp_print(FILE *f, const struct cmp_input *in, const struct cmp_result *r, bool all)
{
	char name[EXIT_REASON_NAME_MAX];

	fprintf(f, "%-22s %10s %17s %6s %6s %14s %21s %8s  %s\n", "REASON", "PATCH", "BPF", "DIFF",
		"OWN", "PATCH_US", "BPF_US", "TIME", "VERDICT");
	print_row(f, "total", &r->total);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct cmp_row *row = &r->rows[i];

		if (!all && !row->patch_count && !row->bpf_hi && row->verdict != CMP_COUNT_DIFFERS)
			continue;
		exit_reason_format(in->isa, row->reason, name, sizeof(name));
		print_row(f, name, row);
	}
	if (r->other.bpf_hi)
		print_row(f, "(undefined codes)", &r->other);
}
