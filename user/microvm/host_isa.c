/* Which vendor module runs this host's KVM (see host_isa.h). */
#include "host_isa.h"

#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasons.h" /* exit_isa_of_vendor(), EXIT_ISA_* */

/* A line of /proc/modules starting with "name ". */
static int module_listed(const char *modules, const char *name)
{
	size_t n = strlen(name);

	for (const char *line = modules; line && *line;) {
		if (!strncmp(line, name, n) && line[n] == ' ')
			return 1;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

unsigned host_isa_decide(const char *proc_modules, const char *vendor)
{
	int intel = module_listed(proc_modules, "kvm_intel");
	int amd = module_listed(proc_modules, "kvm_amd");

	if (intel || amd)
		return intel && amd ? 0 : intel ? EXIT_ISA_VMX : EXIT_ISA_SVM;
	return vendor ? exit_isa_of_vendor(vendor) : 0;
}

/* The whole of /proc/modules (NULL if it cannot be read: no module support). */
static char *read_modules(void)
{
	FILE *f = fopen("/proc/modules", "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	for (;;) {
		char *more = realloc(buf, len + 4097);
		size_t n;

		if (!more) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = more;
		n = fread(buf + len, 1, 4096, f);
		len += n;
		buf[len] = '\0';
		if (n < 4096)
			break;
	}
	fclose(f);
	return buf;
}

unsigned host_kvm_isa(char *why, size_t len)
{
	unsigned a = 0, b = 0, c = 0, d = 0, isa;
	char vendor[13] = "";
	char *modules = read_modules();

	if (__get_cpuid(0, &a, &b, &c, &d)) {
		memcpy(vendor, &b, 4);
		memcpy(vendor + 4, &d, 4);
		memcpy(vendor + 8, &c, 4);
	}
	isa = host_isa_decide(modules, vendor);
	if (why) {
		int intel = module_listed(modules, "kvm_intel"), amd = module_listed(modules, "kvm_amd");

		snprintf(why, len, "CPU %s, %s", vendor[0] ? vendor : "of unknown vendor",
			 intel || amd ? (intel && amd ? "kvm_intel and kvm_amd both loaded"
					: intel    ? "kvm_intel loaded"
						   : "kvm_amd loaded")
			 : isa == EXIT_ISA_VMX ? "kvm_intel built in"
			 : isa == EXIT_ISA_SVM ? "kvm_amd built in"
					       : "no KVM vendor module for it");
	}
	free(modules);
	return isa;
}
