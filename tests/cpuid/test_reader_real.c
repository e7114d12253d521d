/* Runs the built exitprof-cpuid binary (argv[1]) on this machine, with the real
 * CPUID instruction, and checks its exit status and output against what this
 * test finds by executing the leaves itself: on a kernel without the exitprof
 * patch (this development host) the reader must exit 2 with one line; on a
 * patched one, 0 with a table. */
#include "leaves.h"

#include "check.h"

#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static struct leaf_regs cpuid_regs(uint32_t leaf, uint32_t subleaf)
{
	unsigned a, b, c, d;

	__cpuid_count(leaf, subleaf, a, b, c, d);
	return (struct leaf_regs){ a, b, c, d };
}

/* Runs cmd, returns its exit status; its stdout and stderr go to the two files. */
static int run(const char *cmd, const char *out, const char *err)
{
	char buf[1024];
	int st;

	snprintf(buf, sizeof(buf), "%s >%s 2>%s", cmd, out, err);
	st = system(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return n;
}

int main(int argc, char **argv)
{
	struct leaf_regs total = cpuid_regs(LEAF_TOTAL, 0);
	struct leaf_regs undef = cpuid_regs(LEAF_REASON_COUNT, LEAF_PROBE_UNDEFINED_REASON);
	struct leaf_regs sig = cpuid_regs(0x40000000, 0);
	unsigned hypervisor = (cpuid_regs(1, 0).ecx >> 31) & 1;
	char signature[13] = { 0 }, out[65536], err[4096];
	char out_path[] = "/tmp/exitprof-cpuid-test-XXXXXX";
	char err_path[sizeof(out_path) + 4];
	int present, rc, fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s path/to/exitprof-cpuid\n", argv[0]);
		return 2;
	}
	memcpy(signature, &sig.ebx, 4);
	memcpy(signature + 4, &sig.ecx, 4);
	memcpy(signature + 8, &sig.edx, 4);
	present = (total.edx & 0x80000000u) && total.edx != 0xffffffffu && undef.eax == 0 &&
		  undef.ebx == 0 && undef.ecx == 0 && undef.edx == 0xffffffffu;
	printf("hypervisor bit %u, signature '%s', CPUID 0x4fffffff = %08x %08x %08x %08x: leaves %s\n",
	       hypervisor, hypervisor ? signature : "", total.eax, total.ebx, total.ecx, total.edx,
	       present ? "present" : "absent");

	fd = mkstemp(out_path);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	snprintf(err_path, sizeof(err_path), "%s.err", out_path);
	rc = run(argv[1], out_path, err_path);
	slurp(out_path, out, sizeof(out));
	slurp(err_path, err, sizeof(err));
	unlink(out_path);
	unlink(err_path);
	printf("exitprof-cpuid exited %d; stderr: %s", rc, err);

	if (present) {
		CHECK(rc == 0 && strstr(out, "total exits:"), "patched kernel: rc %d\n%s", rc, out);
	} else {
		CHECK(rc == 2, "unpatched kernel: exit status %d, want 2", rc);
		CHECK(out[0] == '\0', "unpatched kernel: stdout not empty: %s", out);
		CHECK(strchr(err, '\n') == err + strlen(err) - 1 &&
			      strstr(err, "does not implement the exitprof CPUID leaves"),
		      "unpatched kernel: want one line on stderr, got: %s", err);
	}
	return test_result("reader on this machine");
}
