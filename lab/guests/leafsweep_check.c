/* The contract of docs/leaves.md as a checker of single answers (see leafsweep_check.h). */
#include "leafsweep_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sweep_init(struct sweep *s, unsigned isa, int mode)
{
	const char *cpuid = isa == EXIT_ISA_VMX ? "CPUID" : "cpuid";
	const char *io = isa == EXIT_ISA_VMX ? "IO_INSTRUCTION" : "io";

	memset(s, 0, sizeof(*s));
	s->isa = isa;
	s->mode = mode;
	s->nreasons = exit_reason_count(isa);
	if (!s->nreasons || s->nreasons > LEAF_REPORT_MAX || mode < 0 || mode > 2 ||
	    exit_reason_lookup(isa, cpuid, &s->cpuid_reason) ||
	    exit_reason_lookup(isa, io, &s->io_reason))
		return -1;
	for (size_t i = 0; i < s->nreasons; i++) {
		s->code[i] = exit_reason_code_at(isa, i);
		s->status[i] = LEAF_FOREIGN;
	}
	return 0;
}

static void violation(struct sweep *s, uint32_t leaf, uint32_t ecx, const struct leaf_regs *r,
		      const char *fmt, ...)
{
	if (s->violations < SWEEP_MAX_VIOLATIONS) {
		struct sweep_violation *v = &s->first[s->violations];
		va_list ap;

		v->leaf = leaf;
		v->ecx = ecx;
		v->regs = *r;
		va_start(ap, fmt);
		vsnprintf(v->why, sizeof(v->why), fmt, ap);
		va_end(ap);
	}
	s->violations++;
}

/* Index of a defined reason in s->code (sorted), or -1 if the SDM/APM does not define it. */
static int reason_index(const struct sweep *s, uint32_t code)
{
	size_t lo = 0, hi = s->nreasons;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->code[mid] == code)
			return (int)mid;
		if (s->code[mid] < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

size_t sweep_set_handled(struct sweep *s, const uint32_t *codes, size_t n)
{
	size_t undefined = 0;

	memset(s->in_table, 0, sizeof(s->in_table));
	for (size_t k = 0; k < n; k++) {
		int i = reason_index(s, codes[k]);

		if (i < 0)
			undefined++;
		else
			s->in_table[i] = 1;
	}
	s->have_table = 1;
	return undefined;
}

/* What docs/leaves.md says a defined reason answers: LEAF_VALID or LEAF_NOT_HANDLED, or
 * LEAF_FOREIGN when it leaves that to KVM's handler tables and we have none. */
static enum leaf_status want_status(const struct sweep *s, uint32_t reason, int i)
{
	if (reason == s->cpuid_reason)
		return LEAF_VALID; /* the guest's own CPUIDs are handled, or it would not run */
	if (s->isa == EXIT_ISA_SVM) {
		if (reason == 0x407 || (reason >= 0xfffffffc && reason <= 0xfffffffe))
			return LEAF_NOT_HANDLED; /* defined, but no counter slot */
		if (reason == 0xffffffff)
			return LEAF_VALID; /* VMEXIT_INVALID counts as handled */
	} else if (reason == 33 || reason == 34) {
		return LEAF_VALID; /* VM-entry failures count as handled */
	}
	if (s->have_table)
		return s->in_table[i] ? LEAF_VALID : LEAF_NOT_HANDLED;
	return LEAF_FOREIGN;
}

static void leaf_stat(struct sweep *s, uint32_t leaf, enum leaf_status st)
{
	struct sweep_leaf_stats *ls = &s->leaf[(LEAF_TOTAL - leaf) & 3];

	ls->checked++;
	ls->valid += st == LEAF_VALID;
	ls->undefined += st == LEAF_UNDEFINED;
	ls->not_handled += st == LEAF_NOT_HANDLED;
}

static void check_total(struct sweep *s, uint32_t leaf, uint32_t ecx, const struct leaf_regs *r,
			enum leaf_status st, const struct leaf_value *v)
{
	uint64_t own = s->cpuids + 1 + s->chunk_exits; /* exits this VM surely had */

	if (st != LEAF_VALID) {
		violation(s, leaf, ecx, r, "total not a valid answer (%s)", leaf_status_str(st));
		return;
	}
	if (v->count < own)
		violation(s, leaf, ecx, r, "total count %llu < %llu exits this VM caused",
			  (unsigned long long)v->count, (unsigned long long)own);
	if (s->have_total && v->count < s->total.count + (own - s->total_own))
		violation(s, leaf, ecx, r, "total count %llu, earlier %llu: grew less than the %llu exits since",
			  (unsigned long long)v->count, (unsigned long long)s->total.count,
			  (unsigned long long)(own - s->total_own));
	if (s->have_total && v->cycles < s->total.cycles)
		violation(s, leaf, ecx, r, "total cycles %llu < earlier %llu",
			  (unsigned long long)v->cycles, (unsigned long long)s->total.cycles);
	s->total = *v;
	s->total_own = own;
	s->have_total = 1;
}

/* A reason whose count this VM fixes: CPUID (this answer's own exit included) and port I/O. */
static void check_own_count(struct sweep *s, uint32_t leaf, uint32_t ecx, const struct leaf_regs *r,
			    const struct leaf_value *v, uint64_t own, const char *what)
{
	if (s->mode == 2 ? v->count != own : v->count < own)
		violation(s, leaf, ecx, r, "%s count %llu, want %s%llu", what,
			  (unsigned long long)v->count, s->mode == 2 ? "" : ">= ",
			  (unsigned long long)own);
}

static void check_reason(struct sweep *s, uint32_t leaf, uint32_t ecx, const struct leaf_regs *r,
			 enum leaf_status st, const struct leaf_value *v)
{
	int i = reason_index(s, ecx);
	enum leaf_status want;

	if (i < 0) {
		if (st != LEAF_UNDEFINED)
			violation(s, leaf, ecx, r, "reason undefined by the %s, answer %s",
				  s->isa == EXIT_ISA_VMX ? "SDM" : "APM", leaf_status_str(st));
		return;
	}
	if (st != LEAF_VALID && st != LEAF_NOT_HANDLED) {
		violation(s, leaf, ecx, r, "defined reason, answer %s", leaf_status_str(st));
		return;
	}
	want = want_status(s, ecx, i);
	if (want != LEAF_FOREIGN && st != want) {
		violation(s, leaf, ecx, r, "want %s (contract%s), answer %s", leaf_status_str(want),
			  s->have_table ? " and KVM's handler table" : "", leaf_status_str(st));
		return;
	}
	if (s->status[i] == LEAF_FOREIGN) {
		s->status[i] = st;
	} else if (s->status[i] != st) {
		violation(s, leaf, ecx, r, "answer %s, earlier %s for the same reason",
			  leaf_status_str(st), leaf_status_str(s->status[i]));
		return;
	}
	if (st != LEAF_VALID)
		return;
	if (v->count < s->last[i].count || v->cycles < s->last[i].cycles)
		violation(s, leaf, ecx, r, "count/cycles %llu/%llu < earlier %llu/%llu",
			  (unsigned long long)v->count, (unsigned long long)v->cycles,
			  (unsigned long long)s->last[i].count, (unsigned long long)s->last[i].cycles);
	s->last[i] = *v;
	if (ecx == s->cpuid_reason)
		check_own_count(s, leaf, ecx, r, v, s->cpuids + 1, "CPUID");
	else if (ecx == s->io_reason)
		check_own_count(s, leaf, ecx, r, v, s->chunk_exits, "port I/O");
}

void sweep_check(struct sweep *s, uint32_t leaf, uint32_t ecx, const struct leaf_regs *r)
{
	struct leaf_value v;
	enum leaf_status st = leaf_decode(r, &v);

	s->checked++;
	if ((leaf & ~3u) != (LEAF_REASON_CYCLES & ~3u) || s->mode == 0) {
		violation(s, leaf, ecx, r, "not an exitprof leaf, or mode 0 (use sweep_check_off)");
	} else {
		leaf_stat(s, leaf, st);
		if (leaf == LEAF_TOTAL || leaf == LEAF_TOTAL_CYCLES)
			check_total(s, leaf, ecx, r, st, &v);
		else
			check_reason(s, leaf, ecx, r, st, &v);
	}
	s->cpuids++;
}

void sweep_check_off(struct sweep *s, uint32_t leaf, uint32_t ecx, const struct leaf_regs *r,
		     const struct leaf_regs *ref)
{
	struct leaf_value v;

	s->checked++;
	leaf_stat(s, leaf, leaf_decode(r, &v));
	if (s->mode != 0 || (leaf & ~3u) != (LEAF_REASON_CYCLES & ~3u))
		violation(s, leaf, ecx, r, "not an exitprof leaf, or not mode 0");
	else if (memcmp(r, ref, sizeof(*r)))
		violation(s, leaf, ecx, r, "exit_stats=0, yet 0x%x answers %x %x %x %x", SWEEP_REF_LEAF,
			  ref->eax, ref->ebx, ref->ecx, ref->edx);
	s->cpuids += 2;
}

size_t sweep_count_status(const struct sweep *s, enum leaf_status st)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nreasons; i++)
		n += s->status[i] == st;
	return n;
}
