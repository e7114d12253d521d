/* See exit_table.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "exit_table.h"
#include "hist.h"

void exit_table_init(struct exit_table *t)
{
	memset(t, 0, sizeof(*t));
}

void exit_table_free(struct exit_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

int exit_table_copy(struct exit_table *dst, const struct exit_table *src)
{
	exit_table_init(dst);
	memcpy(dst->stats, src->stats, sizeof(dst->stats));
	if (!src->n)
		return 0;
	dst->rows = malloc(src->n * sizeof(*dst->rows));
	if (!dst->rows)
		return -1;
	memcpy(dst->rows, src->rows, src->n * sizeof(*dst->rows));
	dst->n = dst->cap = src->n;
	return 0;
}

void exit_val_merge(struct exit_val *dst, const struct exit_val *src)
{
	if (src->timed) {
		if (!dst->timed || src->min_ns < dst->min_ns)
			dst->min_ns = src->min_ns;
		if (src->max_ns > dst->max_ns)
			dst->max_ns = src->max_ns;
	}
	dst->count += src->count;
	dst->timed += src->timed;
	dst->total_ns += src->total_ns;
	dst->user_ns += src->user_ns;
	dst->halt_ns += src->halt_ns;
	dst->exit_path_ns += src->exit_path_ns;
	dst->vmm_ns += src->vmm_ns;
	dst->entry_path_ns += src->entry_path_ns;
	dst->runq_ns += src->runq_ns;
	hist_add(dst->hist, src->hist);
}

static int key_eq(const struct exit_key *a, const struct exit_key *b)
{
	return a->tgid == b->tgid && a->vcpu_id == b->vcpu_id && a->isa == b->isa && a->reason == b->reason;
}

static struct exit_row *find_row(struct exit_table *t, const struct exit_key *key)
{
	/* Linear: tables hold at most a few thousand rows and are built once per interval. */
	for (size_t i = 0; i < t->n; i++)
		if (key_eq(&t->rows[i].key, key))
			return &t->rows[i];
	return NULL;
}

static struct exit_row *add_row(struct exit_table *t, const struct exit_key *key)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct exit_row *rows = realloc(t->rows, cap * sizeof(*rows));
		if (!rows) {
			errno = ENOMEM;
			return NULL;
		}
		t->rows = rows;
		t->cap = cap;
	}
	struct exit_row *r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	r->key = *key;
	return r;
}

int exit_table_merge(struct exit_table *t, const struct exit_key *key, const struct exit_val *v)
{
	struct exit_row *r = find_row(t, key);

	if (!r && !(r = add_row(t, key)))
		return -1;
	exit_val_merge(&r->val, v);
	return 0;
}

int exit_table_group_vcpus(struct exit_table *dst, const struct exit_table *src)
{
	exit_table_init(dst);
	memcpy(dst->stats, src->stats, sizeof(dst->stats));
	for (size_t i = 0; i < src->n; i++) {
		struct exit_key k = src->rows[i].key;
		k.vcpu_id = EXITPROF_VCPU_ANY;
		if (exit_table_merge(dst, &k, &src->rows[i].val))
			return -1;
	}
	return 0;
}

int exit_table_delta(struct exit_table *dst, const struct exit_table *cur, const struct exit_table *prev)
{
	exit_table_init(dst);
	for (int s = 0; s < EXITPROF_STAT__MAX; s++)
		dst->stats[s] = cur->stats[s] - (prev ? prev->stats[s] : 0);
	for (size_t i = 0; i < cur->n; i++) {
		const struct exit_row *c = &cur->rows[i];
		const struct exit_row *p = NULL;
		if (prev)
			p = find_row((struct exit_table *)prev, &c->key);
		struct exit_val d = c->val;
		if (p) {
			d.count -= p->val.count;
			d.timed -= p->val.timed;
			d.total_ns -= p->val.total_ns;
			d.user_ns -= p->val.user_ns;
			d.halt_ns -= p->val.halt_ns;
			d.exit_path_ns -= p->val.exit_path_ns;
			d.vmm_ns -= p->val.vmm_ns;
			d.entry_path_ns -= p->val.entry_path_ns;
			d.runq_ns -= p->val.runq_ns;
			for (unsigned s = 0; s < EXITPROF_HIST_SLOTS; s++)
				d.hist[s] -= p->val.hist[s];
		}
		if (!d.count && !d.timed)
			continue;
		struct exit_row *r = add_row(dst, &c->key);
		if (!r)
			return -1;
		r->val = d;
	}
	return 0;
}

static uint64_t sort_value(const struct exit_row *r, enum exit_sort by)
{
	switch (by) {
	case SORT_TIME: return r->val.total_ns;
	case SORT_AVG: return exit_row_avg_ns(r);
	case SORT_MAX: return r->val.max_ns;
	case SORT_COUNT: default: return r->val.count;
	}
}

static enum exit_sort g_sort_by; /* qsort has no context argument in C11 */

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct exit_row *a = pa, *b = pb;
	int c;

	if ((c = cmp_u32(a->key.tgid, b->key.tgid)) || (c = cmp_u32(a->key.vcpu_id, b->key.vcpu_id)))
		return c;
	uint64_t va = sort_value(a, g_sort_by), vb = sort_value(b, g_sort_by);
	if (va != vb)
		return va > vb ? -1 : 1;
	if ((c = cmp_u32(a->key.isa, b->key.isa)))
		return c;
	return cmp_u32(a->key.reason, b->key.reason);
}

void exit_table_sort(struct exit_table *t, enum exit_sort by)
{
	g_sort_by = by;
	if (t->n > 1)
		qsort(t->rows, t->n, sizeof(*t->rows), cmp_rows);
}

uint64_t exit_table_count(const struct exit_table *t, uint32_t tgid, uint32_t vcpu)
{
	uint64_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct exit_key *k = &t->rows[i].key;
		if (k->tgid == tgid && (vcpu == EXITPROF_VCPU_ANY || k->vcpu_id == vcpu))
			n += t->rows[i].val.count;
	}
	return n;
}

uint64_t exit_row_avg_ns(const struct exit_row *r)
{
	return r->val.timed ? r->val.total_ns / r->val.timed : 0;
}

uint64_t exit_row_kernel_ns(const struct exit_row *r)
{
	uint64_t other = r->val.user_ns + r->val.halt_ns;

	return r->val.total_ns > other ? r->val.total_ns - other : 0;
}
