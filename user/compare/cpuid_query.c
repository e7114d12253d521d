/* cpuid_query: CPUIDs executed in a query VM of our own (see cpuid_query.h). */
#include "cpuid_query.h"

#include <stdio.h>
#include <string.h>

/* Guest-physical layout, all in the first 64 KiB (real mode, DS = 0). */
#define CODE_GPA 0x1000
#define REQ_GPA	 0x2000 /* u32 count, then count x (u32 eax, u32 ecx) */
#define OUT_GPA	 0x4000 /* count x (u32 eax, ebx, ecx, edx) */
#define STACK_GPA 0x1000

/* The guest: for each request, eax/ecx from the table, cpuid, store the four
 * registers; then hlt. 16-bit code, 32-bit operands via the 0x66 prefix. */
static const uint8_t query_guest[] = {
	0xbe, REQ_GPA & 0xff, REQ_GPA >> 8,	/* mov si, REQ_GPA */
	0xbf, OUT_GPA & 0xff, OUT_GPA >> 8,	/* mov di, OUT_GPA */
	0x8b, 0x2c,				/* mov bp, [si]          count */
	0x83, 0xc6, 0x04,			/* add si, 4 */
	/* loop: */
	0x85, 0xed,				/* test bp, bp */
	0x74, 0x21,				/* jz done (+33) */
	0x66, 0x8b, 0x04,			/* mov eax, [si] */
	0x66, 0x8b, 0x4c, 0x04,			/* mov ecx, [si+4] */
	0x0f, 0xa2,				/* cpuid */
	0x66, 0x89, 0x05,			/* mov [di], eax */
	0x66, 0x89, 0x5d, 0x04,			/* mov [di+4], ebx */
	0x66, 0x89, 0x4d, 0x08,			/* mov [di+8], ecx */
	0x66, 0x89, 0x55, 0x0c,			/* mov [di+12], edx */
	0x83, 0xc6, 0x08,			/* add si, 8 */
	0x83, 0xc7, 0x10,			/* add di, 16 */
	0x4d,					/* dec bp */
	0xeb, 0xdb,				/* jmp loop (-37) */
	/* done: */
	0xf4,					/* hlt */
};

static int qfail(struct cpuid_query *q, const char *what)
{
	snprintf(q->err, sizeof(q->err), "%s", what);
	return -1;
}

int cpuid_query_open(struct cpuid_query *q)
{
	memset(q, 0, sizeof(*q));
	if (microvm_create(&q->vm, 0, 1) || microvm_set_supported_cpuid(&q->vm) ||
	    microvm_load(&q->vm, CODE_GPA, query_guest, sizeof(query_guest))) {
		qfail(q, q->vm.err);
		cpuid_query_close(q);
		return -1;
	}
	return 0;
}

void cpuid_query_close(struct cpuid_query *q)
{
	if (q->vm.kvm_fd >= 0 || q->vm.vm_fd >= 0)
		microvm_destroy(&q->vm);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v)); /* x86 guest and host: little-endian */
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int cpuid_query_batch(struct cpuid_query *q, const struct leaf_request *req,
		      struct leaf_regs *out, size_t n)
{
	uint8_t *mem = q->vm.mem;
	struct kvm_run *run = q->vm.vcpu[0].run;

	if (n > CPUID_QUERY_BATCH_MAX)
		return qfail(q, "too many CPUID requests for one query run");
	put32(mem + REQ_GPA, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		put32(mem + REQ_GPA + 4 + 8 * i, req[i].leaf);
		put32(mem + REQ_GPA + 8 + 8 * i, req[i].subleaf);
	}
	memset(mem + OUT_GPA, 0, 16 * n);

	if (microvm_vcpu_start(&q->vm, 0, MICROVM_REAL, CODE_GPA, STACK_GPA) ||
	    microvm_run(&q->vm, 0))
		return qfail(q, q->vm.err);
	q->runs++;
	if (run->exit_reason != KVM_EXIT_HLT) {
		snprintf(q->err, sizeof(q->err), "query VM stopped with KVM exit %s (%u), not HLT",
			 microvm_exit_name(run->exit_reason), run->exit_reason);
		return -1;
	}
	q->cpuids += n;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *o = mem + OUT_GPA + 16 * i;

		out[i] = (struct leaf_regs){ get32(o), get32(o + 4), get32(o + 8), get32(o + 12) };
	}
	return 0;
}

int cpuid_query_one(void *ctx, uint32_t leaf, uint32_t subleaf, struct leaf_regs *out)
{
	struct leaf_request req = { leaf, subleaf };

	return cpuid_query_batch(ctx, &req, out, 1);
}

enum leaf_support cpuid_query_probe(struct cpuid_query *q, struct leaf_value *total)
{
	return leaf_probe(cpuid_query_one, q, total);
}

enum leaf_support cpuid_query_report(struct cpuid_query *q, unsigned isa, struct leaf_report *rep)
{
	struct leaf_request req[LEAF_REQUESTS_MAX];
	struct leaf_regs answers[LEAF_REQUESTS_MAX];
	size_t n = leaf_report_requests(isa, req);

	if (n == 0) {
		qfail(q, "unknown ISA");
		return LEAVES_ERROR;
	}
	if (cpuid_query_batch(q, req, answers, n))
		return LEAVES_ERROR;
	return leaf_report_decode(isa, answers, n, rep);
}
