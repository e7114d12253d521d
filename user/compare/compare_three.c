/* See compare_three.h. */
#include "compare_three.h"

#include <string.h>

#include "reasons.h"

static uint64_t sub0(uint64_t b, uint64_t a)
{
	return b > a ? b - a : 0;
}

/* Exits of VMs other than the VM and the query VM between S0 and S3. */
static uint64_t third_exits(const struct cmp_snap *const *s)
{
	uint64_t others[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		const struct cmp_snap *x = s[i ? 3 : 0];

		for (size_t idx = 0; idx < CMP_BUCKETS; idx++)
			others[i] += x->others[idx].count;
		others[i] = sub0(others[i], x->target);
	}
	return sub0(others[1], others[0]);
}

/* The leaves' row of a KVM bucket: the total for "all", else the row of that reason's code. */
static const struct cmp_row *leaf_row(const struct cmp_result *r, unsigned isa, const char *reason)
{
	uint32_t code;

	if (!reason)
		return NULL;
	if (!strcmp(reason, "all"))
		return &r->total;
	if (exit_reason_lookup(isa, reason, &code))
		return NULL;
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].reason == code)
			return &r->rows[i];
	return NULL;
}

static void judge(struct three_row *row, const struct ks_row *k, struct three_result *out)
{
	bool kvm_bad = row->kvm_compared && k->verdict == KS_DIFFERS;
	bool patch_bad = row->patch_known && (row->patch_hi < row->bpf_lo || row->patch_lo > row->bpf_hi);

	if (!row->kvm_compared && !row->patch_known)
		row->verdict = THREE_SHOWN;
	else if (kvm_bad && patch_bad)
		row->verdict = THREE_BOTH_DIFFER;
	else if (kvm_bad)
		row->verdict = THREE_KVM_DIFFERS;
	else if (patch_bad)
		row->verdict = THREE_PATCH_DIFFERS;
	else if (row->kvm_compared && row->patch_known && row->bpf_lo == row->bpf_hi &&
		 row->patch_lo == row->patch_hi && row->patch_lo == row->bpf_lo && row->kvm == row->bpf_lo)
		row->verdict = THREE_EQUAL;
	else
		row->verdict = THREE_AGREE;
	if (row->verdict == THREE_EQUAL)
		out->equal++;
	else if (row->verdict == THREE_AGREE)
		out->agree++;
	else if (row->verdict != THREE_SHOWN)
		out->differ++;
}

int three_compute(const struct three_input *in, struct three_result *out)
{
	struct cmp_input c = in->cmp;
	unsigned isa = in->cmp.isa;
	int rc;

	memset(out, 0, sizeof(*out));
	c.mode = CMP_MODE_GLOBAL;
	cmp_compute(&c, &out->global);
	rc = out->global.count_bad ? 1 : 0;
	/* Per-VM mode compares the leaves with the query VM's exits alone: its verdicts mean nothing
	 * here (the leaves count every VM), its BPF brackets are the query VM's own share. */
	c.mode = CMP_MODE_PER_VM;
	cmp_compute(&c, &out->own);
	rc |= ks_compute(&in->ks, &out->ks);
	out->third = third_exits(in->cmp.snap);

	for (int r = 0; r < KS_ROW__MAX; r++) {
		const struct ks_row *k = &out->ks.rows[r];
		struct three_row *row = &out->rows[r];
		const struct cmp_row *g = leaf_row(&out->global, isa, k->reason), *o = leaf_row(&out->own, isa, k->reason);

		row->stat = k->stat;
		row->reason = k->reason;
		row->kvm = k->kvm;
		row->kvm_compared = k->verdict != KS_NOT_COMPARED;
		row->bpf_lo = k->lo;
		row->bpf_hi = k->hi;
		row->note = k->note;
		if (g && o && g->verdict != CMP_NOT_COMPARED && !out->third) {
			row->patch_known = true;
			row->patch_lo = sub0(g->patch_count, o->bpf_hi);
			row->patch_hi = sub0(g->patch_count, o->bpf_lo);
		} else if (g && g->verdict == CMP_NOT_COMPARED) {
			row->note = "the leaves do not answer this reason";
		} else if (g && out->third) {
			row->note = "other VMs exited in the window: the leaves' global count cannot be split";
		}
		judge(row, k, out);
	}
	return rc || out->differ ? 1 : 0;
}

const char *three_verdict_str(enum three_verdict v)
{
	switch (v) {
	case THREE_EQUAL:
		return "equal";
	case THREE_AGREE:
		return "agree";
	case THREE_KVM_DIFFERS:
		return "KVM-DIFFERS";
	case THREE_PATCH_DIFFERS:
		return "PATCH-DIFFERS";
	case THREE_BOTH_DIFFER:
		return "BOTH-DIFFER";
	case THREE_SHOWN:
		return "-";
	}
	return "?";
}

void three_print(FILE *f, const struct three_input *in, const struct three_result *r, bool all)
{
	char patch[48], bpf[48], kvm[24];

	fprintf(f, "%-18s %-20s %14s %14s %12s  %-13s %s\n", "KVM STAT", "REASON", "PATCH", "BPF", "KVM", "VERDICT",
		"NOTE");
	for (int i = 0; i < KS_ROW__MAX; i++) {
		const struct three_row *row = &r->rows[i];
		bool bpf_known = row->kvm_compared || row->patch_known;

		if (row->patch_known)
			cmp_fmt_bracket(patch, sizeof(patch), row->patch_lo, row->patch_hi);
		else
			snprintf(patch, sizeof(patch), "-");
		if (bpf_known)
			cmp_fmt_bracket(bpf, sizeof(bpf), row->bpf_lo, row->bpf_hi);
		else
			snprintf(bpf, sizeof(bpf), "-");
		if (r->ks.rows[i].kvm_present)
			snprintf(kvm, sizeof(kvm), "%llu", (unsigned long long)row->kvm);
		else
			snprintf(kvm, sizeof(kvm), "-");
		fprintf(f, "%-18s %-20s %14s %14s %12s  %-13s %s\n", row->stat, row->reason ? row->reason : "-", patch,
			bpf, kvm, three_verdict_str(row->verdict), row->note ? row->note : "");
	}
	fprintf(f, "%u rows equal in all three, %u agree within BPF's bracket, %u differ; ISA %s\n", r->equal,
		r->agree, r->differ, exit_isa_text(in->cmp.isa));
	if (r->third)
		fprintf(f, "%llu exits of other VMs in the window: PATCH(VM) not told\n", (unsigned long long)r->third);
	if (r->global.time_bad)
		fprintf(f, "%u reasons' times differ in the leaves' table below: shown, not judged here (exitprof compare judges them)\n",
			r->global.time_bad);
	fprintf(f, "\nthe leaves (every VM) against BPF (every VM), per reason; OWN = the query VM's own exits:\n");
	cmp_print(f, &in->cmp, &r->global, all);
}
