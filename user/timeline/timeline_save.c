/* See timeline_save.h. */
#include "timeline_save.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "exit_table.h"
#include "session.h"
#include "timeline_csv.h"

struct collect_ctx {
	struct tl_table *t;
	uint32_t tgid;
	int nomem;
};

static int collect_cell(const struct tl_key *k, const struct tl_val *v, void *ctx)
{
	struct collect_ctx *c = ctx;
	struct tl_record r = { k->bin, k->vcpu_id, k->isa, k->reason, v->count, v->total_ns };

	if (k->tgid != c->tgid)
		return 0;
	if (tl_table_add(c->t, &r)) {
		c->nomem = 1;
		return 1;
	}
	return 0;
}

int timeline_save(struct session *s, uint32_t tgid, uint64_t bin_ns, const char *path, uint64_t *t0_ns)
{
	struct tl_table t;
	struct collect_ctx c = { &t, tgid, 0 };
	struct exit_table et;
	FILE *f;
	int rc = -1;

	*t0_ns = 0;
	tl_table_init(&t, bin_ns);
	if (session_timeline_cells(s, collect_cell, &c)) {
		fprintf(stderr, "exitprof: cannot read the timeline map (%s)\n",
			c.nomem ? "out of memory" : strerror(errno));
		goto out;
	}
	session_vm_start(s, tgid, t0_ns);
	if (session_read(s, &et) == 0) {
		if (et.stats[EXITPROF_STAT_DROP_TIMELINE] || et.stats[EXITPROF_STAT_DROP_VMS])
			fprintf(stderr,
				"exitprof: warning: %" PRIu64 " exits are missing from the timeline (its map was full):"
				" use a wider --bin\n",
				et.stats[EXITPROF_STAT_DROP_TIMELINE] + et.stats[EXITPROF_STAT_DROP_VMS]);
		exit_table_free(&et);
	}
	f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		fprintf(stderr, "exitprof: cannot write the timeline %s (%s): choose a writable path\n", path,
			strerror(errno));
		goto out;
	}
	errno = 0;
	int bad = tl_write_csv(f, &t);
	if (f != stdout && fclose(f))
		bad = -1;
	if (bad) {
		fprintf(stderr, "exitprof: cannot write the timeline %s (%s): check the disk\n", path,
			strerror(errno ? errno : EIO));
		goto out;
	}
	rc = 0;
out:
	tl_table_free(&t);
	return rc;
}
