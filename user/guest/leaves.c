/* Decoding of the exitprof CPUID leaves (see leaves.h and docs/leaves.md). */
#include "leaves.h"

#include "reasons.h"

#include <stdio.h>
#include <string.h>

enum leaf_status leaf_decode(const struct leaf_regs *r, struct leaf_value *out)
{
	memset(out, 0, sizeof(*out));
	/* edx alone tells the cases apart; the other registers must match too, or
	 * the answer is not one the contract allows. */
	if (r->edx == LEAF_EDX_UNDEFINED)
		return (r->eax | r->ebx | r->ecx) == 0 ? LEAF_UNDEFINED : LEAF_FOREIGN;
	if (r->edx == 0)
		return (r->eax | r->ebx | r->ecx) == 0 ? LEAF_NOT_HANDLED : LEAF_FOREIGN;
	if (!(r->edx & LEAF_EDX_VALID))
		return LEAF_FOREIGN;
	out->count = leaf_join(r->edx & ~LEAF_EDX_VALID, r->eax);
	out->cycles = leaf_join(r->ebx, r->ecx);
	return LEAF_VALID;
}

void leaf_encode(uint64_t count, uint64_t cycles, struct leaf_regs *r)
{
	r->eax = (uint32_t)count;
	r->edx = LEAF_EDX_VALID | ((uint32_t)(count >> 32) & ~LEAF_EDX_VALID);
	r->ebx = (uint32_t)(cycles >> 32);
	r->ecx = (uint32_t)cycles;
}

int leaf_mode_param(void)
{
	FILE *f = fopen(LEAF_MODE_PARAM, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

const char *leaf_status_str(enum leaf_status s)
{
	switch (s) {
	case LEAF_VALID:
		return "valid";
	case LEAF_UNDEFINED:
		return "undefined by SDM/APM";
	case LEAF_NOT_HANDLED:
		return "not handled by KVM";
	case LEAF_FOREIGN:
		return "not a leaf answer";
	}
	return "?";
}

enum leaf_support leaf_probe(leaf_cpuid_fn fn, void *ctx, struct leaf_value *total)
{
	struct leaf_regs r;
	struct leaf_value v, unused;

	if (fn(ctx, LEAF_TOTAL, 0, &r) != 0)
		return LEAVES_ERROR;
	if (leaf_decode(&r, &v) != LEAF_VALID)
		return LEAVES_ABSENT;
	if (total)
		*total = v;
	if (fn(ctx, LEAF_REASON_COUNT, LEAF_PROBE_UNDEFINED_REASON, &r) != 0)
		return LEAVES_ERROR;
	if (leaf_decode(&r, &unused) != LEAF_UNDEFINED)
		return LEAVES_ABSENT;
	return LEAVES_PRESENT;
}

size_t leaf_report_requests(unsigned isa, struct leaf_request *req)
{
	size_t n = exit_reason_count(isa);

	if (n == 0)
		return 0;
	if (n > LEAF_REPORT_MAX)
		n = LEAF_REPORT_MAX; /* cannot happen: unit-tested */
	req[0] = (struct leaf_request){ LEAF_TOTAL, 0 };
	for (size_t i = 0; i < n; i++)
		req[1 + i] = (struct leaf_request){ LEAF_REASON_COUNT, exit_reason_code_at(isa, i) };
	return 1 + n;
}

enum leaf_support leaf_report_decode(unsigned isa, const struct leaf_regs *answers, size_t n,
				     struct leaf_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->isa = isa;
	rep->cpuid_calls = n;
	if (n == 0 || leaf_decode(&answers[0], &rep->total) != LEAF_VALID)
		return LEAVES_ABSENT;
	for (size_t i = 1; i < n && i <= LEAF_REPORT_MAX; i++) {
		struct leaf_row *row = &rep->rows[i - 1];

		row->reason = exit_reason_code_at(isa, i - 1);
		row->status = leaf_decode(&answers[i], &row->value);
		rep->nrows = i;
		if (row->status == LEAF_FOREIGN)
			return LEAVES_ABSENT;
	}
	return LEAVES_PRESENT;
}

enum leaf_support leaf_read_report(leaf_cpuid_fn fn, void *ctx, unsigned isa,
				   struct leaf_report *rep)
{
	struct leaf_request req[LEAF_REQUESTS_MAX];
	struct leaf_regs answers[LEAF_REQUESTS_MAX];
	size_t n = leaf_report_requests(isa, req);

	for (size_t i = 0; i < n; i++) {
		if (fn(ctx, req[i].leaf, req[i].subleaf, &answers[i]) != 0) {
			leaf_report_decode(isa, answers, i, rep);
			return LEAVES_ERROR;
		}
	}
	return leaf_report_decode(isa, answers, n, rep);
}
