/* See compare_stats.h. */
#include "compare_stats.h"

#include <string.h>

#include "reasons.h"

/* Time row tolerance (compare_stats.h): relative, and per HLT exit of the window. */
#define HALT_NS_REL 0.02
#define HALT_NS_PER_HALT 50000

enum row_kind { ROW_ALL, ROW_REASON, ROW_TIME, ROW_INFO };

static const struct row_spec {
	const char *stat;
	int kvm_stat;		/* enum kvm_stat_id; -1 for the time row (a sum of three) */
	const char *svm, *vmx;	/* exit reason names of user/guest/reasons.c */
	enum row_kind kind;
	const char *note;
} specs[KS_ROW__MAX] = {
	[KS_ROW_EXITS] = { "exits", KVM_STAT_EXITS, NULL, NULL, ROW_ALL, NULL },
	[KS_ROW_IO] = { "io_exits", KVM_STAT_IO_EXITS, "io", "IO_INSTRUCTION", ROW_REASON, NULL },
	[KS_ROW_IRQ] = { "irq_exits", KVM_STAT_IRQ_EXITS, "interrupt", "EXTERNAL_INTERRUPT", ROW_REASON, NULL },
	[KS_ROW_IRQ_WINDOW] = { "irq_window_exits", KVM_STAT_IRQ_WINDOW_EXITS, "vintr", "INTERRUPT_WINDOW", ROW_REASON,
				NULL },
	[KS_ROW_NMI_WINDOW] = { "nmi_window_exits", KVM_STAT_NMI_WINDOW_EXITS, "iret", "NMI_WINDOW", ROW_REASON,
				NULL },
	[KS_ROW_HALT] = { "halt_exits", KVM_STAT_HALT_EXITS, "hlt", "HLT", ROW_REASON, NULL },
	[KS_ROW_HALT_NS] = { "halt_wait+poll_ns", -1, NULL, NULL, ROW_TIME,
			     "vs BPF's halted time: within 2% + 50 us per HLT exit" },
	[KS_ROW_MMIO] = { "mmio_exits", KVM_STAT_MMIO_EXITS, NULL, NULL, ROW_INFO,
			  "MMIO handed to user space: no exit reason of its own" },
	[KS_ROW_SIGNAL] = { "signal_exits", KVM_STAT_SIGNAL_EXITS, NULL, NULL, ROW_INFO,
			    "KVM_RUN left for a signal: no VM-exit" },
	[KS_ROW_REQUEST_IRQ] = { "request_irq_exits", KVM_STAT_REQUEST_IRQ_EXITS, NULL, NULL, ROW_INFO,
				 "KVM_RUN left for the VMM's interrupt window: no VM-exit" },
};

static const char *reason_of(const struct row_spec *sp, unsigned isa)
{
	return isa == EXIT_ISA_SVM ? sp->svm : isa == EXIT_ISA_VMX ? sp->vmx : NULL;
}

void ks_snap_from_table(struct ks_snap *s, const struct exit_table *t, uint32_t tgid, unsigned isa)
{
	uint32_t code[KS_ROW__MAX];
	bool have[KS_ROW__MAX];

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < t->n && !isa; i++)
		if (t->rows[i].key.tgid == tgid)
			isa = t->rows[i].key.isa;
	s->isa = isa;
	s->drops = t->stats[EXITPROF_STAT_DROP_KEYS];
	for (int r = 0; r < KS_ROW__MAX; r++) {
		const char *name = reason_of(&specs[r], isa);

		have[r] = specs[r].kind == ROW_REASON && name && exit_reason_lookup(isa, name, &code[r]) == 0;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct exit_row *row = &t->rows[i];

		if (row->key.tgid != tgid)
			continue;
		s->v[KS_ROW_EXITS] += row->val.count;
		s->v[KS_ROW_HALT_NS] += row->val.halt_ns;
		if (row->key.isa != isa)
			continue;
		for (int r = 0; r < KS_ROW__MAX; r++)
			if (have[r] && row->key.reason == code[r])
				s->v[r] += row->val.count;
	}
}

static uint64_t kvm_value(const struct kvm_stat_values *k, const struct row_spec *sp, bool *present)
{
	if (sp->kvm_stat >= 0) {
		*present = k->present[sp->kvm_stat];
		return k->v[sp->kvm_stat];
	}
	*present = k->present[KVM_STAT_HALT_WAIT_NS] && k->present[KVM_STAT_HALT_POLL_SUCCESS_NS] &&
		   k->present[KVM_STAT_HALT_POLL_FAIL_NS];
	return k->v[KVM_STAT_HALT_WAIT_NS] + k->v[KVM_STAT_HALT_POLL_SUCCESS_NS] + k->v[KVM_STAT_HALT_POLL_FAIL_NS];
}

static uint64_t sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

int ks_compute(const struct ks_input *in, struct ks_result *out)
{
	bool fastpath_counted = in->kernel_major > 6 || (in->kernel_major == 6 && in->kernel_minor >= 4);

	memset(out, 0, sizeof(*out));
	for (int r = 0; r < KS_ROW__MAX; r++) {
		const struct row_spec *sp = &specs[r];
		struct ks_row *row = &out->rows[r];
		bool p1, p2;
		uint64_t k1 = kvm_value(in->k[0], sp, &p1), k2 = kvm_value(in->k[1], sp, &p2);

		row->stat = sp->stat;
		row->reason = sp->kind == ROW_ALL ? "all" : reason_of(sp, in->isa);
		row->kvm = sub(k2, k1);
		row->kvm_present = p1 && p2;
		row->lo = sub(in->snap[2]->v[r], in->snap[1]->v[r]);
		row->hi = sub(in->snap[3]->v[r], in->snap[0]->v[r]);
		row->note = sp->note;
		if (sp->kind == ROW_INFO || !row->kvm_present || (sp->kind == ROW_REASON && !row->reason)) {
			row->verdict = KS_NOT_COMPARED;
			if (!row->kvm_present)
				row->note = "not in this kernel's statistics";
			else if (sp->kind == ROW_REASON && !row->reason)
				row->note = "ISA unknown (no exit of this VM seen)";
			continue;
		}
		out->compared++;
		if (sp->kind == ROW_TIME) {
			uint64_t halts = sub(in->snap[3]->v[KS_ROW_HALT], in->snap[0]->v[KS_ROW_HALT]);
			double tol = HALT_NS_REL * (double)row->hi + (double)HALT_NS_PER_HALT * (double)halts;

			row->verdict = (double)row->kvm + tol >= (double)row->lo && (double)row->kvm <= (double)row->hi + tol
					       ? KS_AGREE
					       : KS_DIFFERS;
		} else if (sp->kind == ROW_ALL && !fastpath_counted) {
			/* Before 6.4 the fastpath's re-entries are not in `exits`. */
			row->verdict = row->kvm <= row->hi ? KS_AGREE : KS_DIFFERS;
			row->note = "before Linux 6.4 fastpath exits are not in `exits`: KVM <= BPF";
		} else {
			row->verdict = row->lo <= row->kvm && row->kvm <= row->hi ? KS_AGREE : KS_DIFFERS;
			if (row->lo == row->hi)
				out->exact++;
		}
		if (row->verdict == KS_DIFFERS)
			out->differ++;
	}
	return out->differ ? 1 : 0;
}

static const char *verdict_str(enum ks_verdict v)
{
	return v == KS_AGREE ? "agree" : v == KS_DIFFERS ? "DIFFERS" : "-";
}

void ks_print(FILE *f, const struct ks_input *in, const struct ks_result *r)
{
	fprintf(f, "%-18s %-20s %12s %12s %12s  %-8s %s\n", "KVM STAT", "BPF REASON", "KVM", "BPF_LO", "BPF_HI",
		"VERDICT", "NOTE");
	for (int i = 0; i < KS_ROW__MAX; i++) {
		const struct ks_row *row = &r->rows[i];

		fprintf(f, "%-18s %-20s %12llu %12llu %12llu  %-8s %s\n", row->stat, row->reason ? row->reason : "-",
			(unsigned long long)row->kvm, (unsigned long long)row->lo, (unsigned long long)row->hi,
			verdict_str(row->verdict), row->note ? row->note : "");
	}
	fprintf(f, "%u compared (%u exact), %u differ; ISA %s\n", r->compared, r->exact, r->differ,
		exit_isa_text(in->isa));
	if (in->snap[3]->drops)
		fprintf(f, "BPF dropped %llu exits (map full): its counts are short\n",
			(unsigned long long)in->snap[3]->drops);
}
