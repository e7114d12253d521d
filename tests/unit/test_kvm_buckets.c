/* The bucket mapping of compare --kvm-stats and --three-way, end to end: KVM's statistic files
 * (debugfs names, kvm_stats.c) -> the comparison's rows (compare_stats.c) -> the hardware exit
 * codes whose BPF counts each row is compared with. The expected codes are written here from
 * the vendors' manuals and the kernel handlers that increment each statistic (docs/kvm-stats.md),
 * not looked up in reasons.c, so a row mapped to the wrong reason, a statistic read into the
 * wrong row, or a renamed statistic file fails this test. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "ks_fixture.h"
#include "kvm_stats.h"
#include "reasons.h"

#define VM 100
#define OTHER_VM 200

/* One bucket: KVM's statistic file, its row, and the exit code each ISA counts it under. */
static const struct bucket {
	const char *file;
	enum ks_row_id row;
	uint32_t svm, vmx;
} buckets[] = {
	/* svm.c io_interception (VMEXIT_IOIO), vmx.c handle_io (IO_INSTRUCTION) */
	{ "io_exits", KS_ROW_IO, 0x07b, 30 },
	/* svm.c intr_interception (VMEXIT_INTR), vmx.c handle_external_interrupt */
	{ "irq_exits", KS_ROW_IRQ, 0x060, 1 },
	/* svm.c interrupt_window_interception (VMEXIT_VINTR), vmx.c handle_interrupt_window */
	{ "irq_window_exits", KS_ROW_IRQ_WINDOW, 0x064, 7 },
	/* svm.c iret_interception (VMEXIT_IRET), vmx.c handle_nmi_window */
	{ "nmi_window_exits", KS_ROW_NMI_WINDOW, 0x074, 8 },
	/* x86.c __kvm_emulate_halt, reached from the HLT exit of either vendor */
	{ "halt_exits", KS_ROW_HALT, 0x078, 12 },
};
#define NB (sizeof(buckets) / sizeof(buckets[0]))

/* Exits in no bucket: CPUID, RDMSR/WRMSR, nested page fault / EPT violation. */
static const uint32_t others_svm[] = { 0x072, 0x07c, 0x400 }, others_vmx[] = { 10, 31, 48 };

/* Distinct counts, so that any two buckets swapped show. */
static const uint64_t bucket_count[NB] = { 3, 5, 7, 11, 13 }, other_count[3] = { 17, 19, 23 };
#define HALT_NS 40000ull

static uint32_t code_of(const struct bucket *b, unsigned isa)
{
	return isa == EXIT_ISA_SVM ? b->svm : b->vmx;
}

/* The VM's exits in the window; another VM with the same reasons must not count. */
static void window_table(struct exit_table *t, unsigned isa)
{
	const uint32_t *others = isa == EXIT_ISA_SVM ? others_svm : others_vmx;

	exit_table_init(t);
	for (size_t i = 0; i < NB; i++) {
		ks_add_exits(t, VM, isa, code_of(&buckets[i], isa), bucket_count[i],
			     buckets[i].row == KS_ROW_HALT ? HALT_NS : 0);
		ks_add_exits(t, OTHER_VM, isa, code_of(&buckets[i], isa), 1000, 0);
	}
	for (size_t i = 0; i < 3; i++)
		ks_add_exits(t, VM, isa, others[i], other_count[i], 0);
}

static void put(const char *dir, const char *name, uint64_t v)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL, "create %s", path);
	if (f) {
		fprintf(f, "%llu\n", (unsigned long long)v);
		fclose(f);
	}
}

/* A debugfs-like directory with every statistic the comparison reads; bucket i holds val[i]. */
static void kvm_dir(const char *dir, uint64_t exits, const uint64_t *val, uint64_t halt_ns)
{
	mkdir(dir, 0700);
	put(dir, "exits", exits);
	for (size_t i = 0; i < NB; i++)
		put(dir, buckets[i].file, val ? val[i] : 0);
	put(dir, "mmio_exits", val ? 2 : 0);
	put(dir, "signal_exits", val ? 1 : 0);
	put(dir, "request_irq_exits", 0);
	put(dir, "halt_wait_ns", halt_ns);
	put(dir, "halt_poll_success_ns", 0);
	put(dir, "halt_poll_fail_ns", 0);
}

static void read_dir(const char *dir, struct kvm_stat_values *out)
{
	struct kvm_stats_vm vm;
	char err[256] = "";

	memset(&vm, 0, sizeof(vm));
	CHECK(kvm_stats_open_dir(&vm, dir, err, sizeof(err)) == 0 && kvm_stats_read(&vm, out, err, sizeof(err)) == 0,
	      "read %s: %s", dir, err);
}

static void one_isa(const char *base, unsigned isa)
{
	struct exit_table t0, t2;
	struct ks_snap s[4];
	struct kvm_stat_values k[2];
	struct ks_result r;
	struct ks_input in = ks_input_of(isa, k, s);
	uint64_t total = 0, val[NB];
	char k1[128], k2[128];

	/* BPF: nothing at S0/S1, the window's exits at S2/S3 (a VM quiet at both reads). */
	exit_table_init(&t0);
	window_table(&t2, isa);
	ks_quiet_snaps(s, &t0, &t2, VM, isa);
	for (size_t i = 0; i < NB; i++)
		total += bucket_count[i];
	for (size_t i = 0; i < 3; i++)
		total += other_count[i];
	CHECK(s[2].v[KS_ROW_EXITS] == total, "%s: exits folds every reason of the VM: %llu, want %llu",
	      exit_isa_text(isa), (unsigned long long)s[2].v[KS_ROW_EXITS], (unsigned long long)total);
	CHECK(s[2].v[KS_ROW_HALT_NS] == HALT_NS, "%s: halted time folded", exit_isa_text(isa));
	for (size_t i = 0; i < NB; i++)
		CHECK(s[2].v[buckets[i].row] == bucket_count[i], "%s: row of %s folds code 0x%x: %llu, want %llu",
		      exit_isa_text(isa), buckets[i].file, code_of(&buckets[i], isa),
		      (unsigned long long)s[2].v[buckets[i].row], (unsigned long long)bucket_count[i]);
	CHECK(s[2].v[KS_ROW_MMIO] == 0 && s[2].v[KS_ROW_SIGNAL] == 0 && s[2].v[KS_ROW_REQUEST_IRQ] == 0,
	      "%s: the rows with no exit reason fold nothing from BPF", exit_isa_text(isa));

	/* KVM: the same exits, read from statistic files by their kernel names. */
	snprintf(k1, sizeof(k1), "%s/%s-k1", base, exit_isa_text(isa));
	snprintf(k2, sizeof(k2), "%s/%s-k2", base, exit_isa_text(isa));
	kvm_dir(k1, 0, NULL, 0);
	kvm_dir(k2, total, bucket_count, HALT_NS);
	read_dir(k1, &k[0]);
	read_dir(k2, &k[1]);
	CHECK(ks_compute(&in, &r) == 0 && r.differ == 0, "%s: every bucket agrees (%u differ)", exit_isa_text(isa),
	      r.differ);
	CHECK(r.compared == 7 && r.exact == 6, "%s: 7 rows compared (%u), 6 exactly (%u)", exit_isa_text(isa),
	      r.compared, r.exact);
	for (size_t i = 0; i < NB; i++) {
		const struct ks_row *row = &r.rows[buckets[i].row];
		uint32_t c = 0;

		CHECK(!strcmp(row->stat, buckets[i].file), "%s: row %d is %s, want %s", exit_isa_text(isa),
		      (int)buckets[i].row, row->stat, buckets[i].file);
		CHECK(row->reason && exit_reason_lookup(isa, row->reason, &c) == 0 && c == code_of(&buckets[i], isa),
		      "%s: %s is compared with reason %s (code 0x%x), want code 0x%x", exit_isa_text(isa), buckets[i].file,
		      row->reason ? row->reason : "(none)", c, code_of(&buckets[i], isa));
		CHECK(row->kvm == bucket_count[i] && row->verdict == KS_AGREE, "%s: %s KVM %llu agree",
		      exit_isa_text(isa), buckets[i].file, (unsigned long long)row->kvm);
	}
	CHECK(r.rows[KS_ROW_MMIO].verdict == KS_NOT_COMPARED && r.rows[KS_ROW_MMIO].kvm == 2 &&
		      r.rows[KS_ROW_SIGNAL].verdict == KS_NOT_COMPARED && r.rows[KS_ROW_SIGNAL].kvm == 1,
	      "%s: mmio_exits and signal_exits shown, not compared", exit_isa_text(isa));

	/* Any two buckets' statistics swapped: both rows differ and the status is 1. */
	for (size_t i = 0; i < NB; i++)
		for (size_t j = i + 1; j < NB; j++) {
			memcpy(val, bucket_count, sizeof(val));
			val[i] = bucket_count[j];
			val[j] = bucket_count[i];
			kvm_dir(k2, total, val, HALT_NS);
			read_dir(k2, &k[1]);
			CHECK(ks_compute(&in, &r) == 1 && r.rows[buckets[i].row].verdict == KS_DIFFERS &&
				      r.rows[buckets[j].row].verdict == KS_DIFFERS && r.differ == 2,
			      "%s: %s and %s swapped: both differ (%u differ)", exit_isa_text(isa), buckets[i].file,
			      buckets[j].file, r.differ);
		}
}

int main(void)
{
	char base[] = "/tmp/test_kvm_buckets.XXXXXX", cmd[80];

	CHECK(mkdtemp(base) != NULL, "temp dir");
	one_isa(base, EXIT_ISA_SVM);
	one_isa(base, EXIT_ISA_VMX);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	CHECK(system(cmd) == 0, "cleanup");
	return test_result("test_kvm_buckets");
}
