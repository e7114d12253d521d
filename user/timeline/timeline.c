/* See timeline.h. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include "timeline.h"

int timeline_read(int tl_fd, int ncpus, int (*cb)(const struct tl_key *key, const struct tl_val *val, void *ctx),
		  void *ctx)
{
	struct tl_key key, next, *prev = NULL;
	struct tl_val *percpu = calloc(ncpus, sizeof(*percpu));
	int ret = 0;

	if (!percpu)
		return -1;
	while (bpf_map_get_next_key(tl_fd, prev, &next) == 0) {
		struct tl_val sum = { 0, 0 };

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(tl_fd, &key, percpu) != 0)
			continue;
		for (int c = 0; c < ncpus; c++) {
			sum.count += percpu[c].count;
			sum.total_ns += percpu[c].total_ns;
		}
		ret = cb(&key, &sum, ctx);
		if (ret)
			break;
	}
	free(percpu);
	return ret;
}

int timeline_vm_start(int vm_start_fd, uint32_t tgid, uint64_t *t0_ns)
{
	return bpf_map_lookup_elem(vm_start_fd, &tgid, t0_ns) == 0 ? 0 : -1;
}
