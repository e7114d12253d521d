/* Unit tests of the boot timeline: merging, empty bins, RFC 4180
 * CSV writing and reading back. Expected values are derived from the inputs in each test. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reasons.h"
#include "timeline_csv.h"

#include "check.h"


/* Writes the table's CSV into a malloc'd string. */
static char *csv_of(struct tl_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK_C(f != NULL);
	CHECK_C(tl_write_csv(f, t) == 0);
	fclose(f);
	return buf;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void add(struct tl_table *t, uint64_t bin, uint32_t vcpu, uint32_t reason, uint64_t count,
		uint64_t time_ns)
{
	struct tl_record r = { .bin = bin, .vcpu = vcpu, .isa = EXIT_ISA_SVM, .reason = reason,
			       .count = count, .time_ns = time_ns };
	CHECK_C(tl_table_add(t, &r) == 0);
}

static void test_merge_and_order(void)
{
	struct tl_table t;
	tl_table_init(&t, 10000000);
	add(&t, 2, 1, 0x7b, 3, 300);
	add(&t, 0, 0, 0x400, 5, 500);
	add(&t, 2, 0, 0x7b, 1, 100);
	add(&t, 0, 0, 0x400, 7, 700); /* same key as the second: summed */
	add(&t, 1, 0, 0x72, 0, 0);    /* nothing: dropped */
	tl_table_merge(&t);
	CHECK_C(t.n == 3);
	CHECK_C(t.rows[0].bin == 0 && t.rows[0].count == 12 && t.rows[0].time_ns == 1200);
	CHECK_C(t.rows[1].bin == 2 && t.rows[1].vcpu == 0);
	CHECK_C(t.rows[2].bin == 2 && t.rows[2].vcpu == 1);
	CHECK_C(t.rows[0].count + t.rows[1].count + t.rows[2].count == 5 + 7 + 1 + 3);
	CHECK_C(t.rows[1].reason == 0x7b && t.rows[2].reason == 0x7b && t.rows[1].count + t.rows[2].count == 4);
	tl_table_free(&t);
}

static void test_empty_bins_and_format(void)
{
	struct tl_table t;
	char name[EXIT_REASON_NAME_MAX], expect[512];
	tl_table_init(&t, 10000000);
	add(&t, 0, 0, 0x400, 2, 20);
	add(&t, 3, 0, 0x7b, 1, 10); /* bins 1 and 2 are empty */
	char *csv = csv_of(&t);
	exit_reason_format(EXIT_ISA_SVM, 0x400, name, sizeof(name));
	int n = snprintf(expect, sizeof(expect), "%s\r\n0,0,SVM,%u,%s,2,20\r\n10,,,,,0,0\r\n20,,,,,0,0\r\n",
			 tl_csv_header(), 0x400u, name);
	exit_reason_format(EXIT_ISA_SVM, 0x7b, name, sizeof(name));
	snprintf(expect + n, sizeof(expect) - n, "30,0,SVM,%u,%s,1,10\r\n", 0x7bu, name);
	CHECK_C(strcmp(csv, expect) == 0);
	if (strcmp(csv, expect))
		fprintf(stderr, "got:\n%s\nwant:\n%s\n", csv, expect);
	free(csv);
	tl_table_free(&t);

	/* An empty run: just the header. */
	tl_table_init(&t, 10000000);
	csv = csv_of(&t);
	CHECK_C(strncmp(csv, tl_csv_header(), strlen(tl_csv_header())) == 0 &&
		!strcmp(csv + strlen(tl_csv_header()), "\r\n"));
	free(csv);
	tl_table_free(&t);
}

static void test_t_ms(void)
{
	char buf[48];
	tl_format_t_ms(7, 10000000, buf, sizeof(buf));
	CHECK_C(strcmp(buf, "70") == 0);
	tl_format_t_ms(3, 1500000, buf, sizeof(buf)); /* 4.5 ms */
	CHECK_C(strcmp(buf, "4.500000") == 0);
	tl_format_t_ms(1, 1, buf, sizeof(buf));
	CHECK_C(strcmp(buf, "0.000001") == 0);
}

static void test_quoting(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	csv_write_field(f, "plain");
	fputc('|', f);
	csv_write_field(f, "a,b");
	fputc('|', f);
	csv_write_field(f, "say \"hi\"");
	fputc('|', f);
	csv_write_field(f, "two\nlines");
	fclose(f);
	CHECK_C(strcmp(buf, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"") == 0);
	free(buf);
}

struct sums {
	uint64_t rows, empty, count, time_ns;
	double last_t;
	int unknown_seen;
};

static int sum_cb(const struct tl_csv_row *row, void *ctx)
{
	struct sums *s = ctx;
	s->rows++;
	s->empty += !row->has_cell;
	s->count += row->count;
	s->time_ns += row->time_ns;
	s->last_t = row->t_ms;
	if (row->has_cell && strncmp(row->reason_name, "UNKNOWN(", 8) == 0)
		s->unknown_seen = 1;
	return 0;
}

static void test_round_trip(void)
{
	struct tl_table t;
	uint64_t want_count = 0, want_time = 0;
	tl_table_init(&t, 2500000); /* 2.5 ms */
	/* Pseudo-random cells from a fixed LCG; the reader must give back the same sums. */
	uint32_t x = 12345;
	for (int i = 0; i < 500; i++) {
		x = x * 1103515245u + 12345u;
		uint64_t bin = (x >> 8) % 200;
		uint32_t reason = (x >> 4) % 3 == 0 ? 0x400 : (x >> 4) % 3 == 1 ? 0x7b : 0xdead;
		add(&t, bin, (x >> 20) % 2, reason, (x % 50) + 1, x % 100000);
		want_count += (x % 50) + 1;
		want_time += x % 100000;
	}
	add(&t, 399, 0, 0x72, 1, 1);
	want_count += 1;
	want_time += 1;
	char *csv = csv_of(&t);
	FILE *f = fmemopen(csv, strlen(csv), "r");
	struct sums s = { 0 };
	char err[128] = "";
	CHECK_C(tl_read_csv(f, sum_cb, &s, err, sizeof(err)) == 0);
	fclose(f);
	CHECK_C(s.count == want_count && s.time_ns == want_time);
	CHECK_C(s.rows + 1 == count_lines(csv));
	CHECK_C(s.last_t == 399 * 2.5);
	CHECK_C(s.unknown_seen); /* 0xdead is not an SVM exit code */
	CHECK_C(s.empty > 0);    /* bins 200..398 are empty */
	free(csv);
	tl_table_free(&t);
}

static int read_str(const char *text, char *err, size_t errlen)
{
	struct sums s = { 0 };
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc = tl_read_csv(f, sum_cb, &s, err, errlen);
	fclose(f);
	return rc;
}

/* The writer's header, then rows. */
static const char *with_header(const char *rows)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s\n%s", tl_csv_header(), rows);
	return buf;
}

static void test_reader_errors(void)
{
	char err[128];
	CHECK_C(read_str("t,vcpu\n", err, sizeof(err)) == -1 && strstr(err, "header"));
	CHECK_C(read_str(with_header("0,0,SVM,1,x,abc,0\n"), err, sizeof(err)) == -1 && strstr(err, "line 2"));
	CHECK_C(read_str(with_header("0,0,SVM\n"), err, sizeof(err)) == -1 && strstr(err, "fields"));
	CHECK_C(read_str(with_header("-1,0,SVM,1,x,1,0\n"), err, sizeof(err)) == -1 && strstr(err, "t_ms"));
	CHECK_C(read_str(with_header("0,0,SVM,0x10,x,1,0\n"), err, sizeof(err)) == -1 && strstr(err, "reason"));
	/* A quoted field may hold a line end; the error line quoting it stays one line. */
	CHECK_C(read_str(with_header("\"1\n2\",0,SVM,1,x,1,0\n"), err, sizeof(err)) == -1 &&
		strstr(err, "bad t_ms \"1...\"") && !strchr(err, '\n'));
	/* LF line ends, a quoted name with a comma, no final newline: accepted. */
	CHECK_C(read_str(with_header("0,0,SVM,1,\"a,b\",1,0\n10,,,,,0,0"), err, sizeof(err)) == 0);
}

/* Readers go by header name: the columns in another order, with one more, read the same. */
static void test_reader_by_name(void)
{
	struct sums s = { 0 };
	char err[128] = "";
	const char *text = "note,time_ns,count,reason_name,reason,isa,vcpu,t_ms\r\n"
			   "a,300,3,io,123,SVM,1,20\r\n"
			   "b,0,0,,,,,30\r\n";
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	CHECK_C(tl_read_csv(f, sum_cb, &s, err, sizeof(err)) == 0);
	fclose(f);
	CHECK_C(s.rows == 2 && s.empty == 1 && s.count == 3 && s.time_ns == 300 && s.last_t == 30);
	if (err[0])
		fprintf(stderr, "reader: %s\n", err);
}

int main(void)
{
	test_merge_and_order();
	test_empty_bins_and_format();
	test_t_ms();
	test_quoting();
	test_round_trip();
	test_reader_errors();
	test_reader_by_name();
	return test_result("test_timeline_csv");
}
