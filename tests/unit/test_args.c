/* Option parsing in-process: good command lines give the right struct, every bad one gives
 * status 2 and one line naming the option and the fix. Also the one option taken from the
 * environment, EXITPROF_TRACEPOINTS (preflight_tp_request). */
#include <arpa/inet.h>
#include <string.h>
#include "args.h"
#include "preflight.h"
#include "number.h"
#include "check.h"

#define ARGV(...) ((char *[]){ "exitprof", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "exitprof", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(a, err, ...) args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (a), (err), sizeof(err), true)

static void good(void)
{
	struct args a;
	char err[ARGS_ERR_MAX];

	CHECK(PARSE(&a, err, "--vm", "1234") == 0 && a.vm_pid == 1234 && !a.all && a.vcpu == -1 &&
	      a.sort == SORT_COUNT && a.interval_s == 0 && a.duration_s == 0 && !a.csv && !a.json, "--vm 1234: %s", err);
	CHECK(PARSE(&a, err, "--all", "--duration", "2.5", "--interval", "0.5", "--sort", "max", "--per-vcpu",
		    "--csv", "-", "--json", "out.json", "--vcpu", "3") == 0,
	      "full line: %s", err);
	CHECK(a.all && a.duration_s == 2.5 && a.interval_s == 0.5 && a.sort == SORT_MAX && a.per_vcpu && a.vcpu == 3 &&
	      !strcmp(a.csv, "-") && !strcmp(a.json, "out.json"), "full line values");
	CHECK(PARSE(&a, err, "-p", "1", "-s", "avg") == 0 && a.vm_pid == 1 && a.sort == SORT_AVG, "short options");
	CHECK(PARSE(&a, err, "--vm=99", "--sort=time") == 0 && a.vm_pid == 99 && a.sort == SORT_TIME, "--opt=value");
	CHECK(PARSE(&a, err, "--all", "--vcpu", "0") == 0 && a.vcpu == 0, "--vcpu 0 is valid");
	CHECK(PARSE(&a, err, "--all") == 0 && a.max_keys == 0, "no --max-keys: 0, the default size");
	CHECK(PARSE(&a, err, "--all") == 0 && !a.time_split, "--time-split is off by default");
	CHECK(PARSE(&a, err, "--all", "--time-split") == 0 && a.time_split, "--time-split: %s", err);
	CHECK(PARSE(&a, err, "--all", "--max-keys", "1") == 0 && a.max_keys == 1, "--max-keys 1: %s", err);
	CHECK(PARSE(&a, err, "--all", "--max-keys", "1048576") == 0 && a.max_keys == ARGS_MAX_KEYS_MAX,
	      "--max-keys at its bound: %s", err);
}

/* Each bad line: status 2, one line, mentioning `needle`. */
static void bad_case(int argc, char **argv, const char *needle)
{
	struct args a;
	char err[ARGS_ERR_MAX];
	int r = args_parse(argc, argv, &a, err, sizeof(err), true);

	CHECK(r == 2, "'%s %s' gives %d, want 2", argv[1], argc > 2 ? argv[2] : "", r);
	CHECK(strstr(err, needle) != NULL, "'%s': message '%s' lacks '%s'", argv[1], err, needle);
	CHECK(strchr(err, '\n') == NULL && strlen(err) > 20, "one informative line: '%s'", err);
	CHECK(strstr(err, ": ") != NULL, "cause, then the fix after ': ' in '%s'", err);
}
#define BAD(needle, ...) bad_case(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), needle)

static void bad(void)
{
	BAD("no target", "--duration", "1");
	BAD("--vm 'abc'", "--vm", "abc");
	BAD("--vm '0'", "--vm", "0");
	BAD("--vm '-5'", "--vm", "-5");
	BAD("--vm '12x'", "--vm", "12x");
	BAD("--vm '99999999999'", "--vm", "99999999999");
	BAD("--vm and --all", "--vm", "1", "--all");
	BAD("--vcpu 'x'", "--all", "--vcpu", "x");
	BAD("--vcpu '-1'", "--all", "--vcpu", "-1");
	BAD("--interval '0'", "--all", "--interval", "0");
	BAD("--interval '-1'", "--all", "--interval", "-1");
	BAD("--interval 'abc'", "--all", "--interval", "abc");
	BAD("--interval 'nan'", "--all", "--interval", "nan");
	BAD("--interval 'inf'", "--all", "--interval", "inf");
	BAD("--interval '1s'", "--all", "--interval", "1s");
	BAD("--interval ''", "--all", "--interval", "");
	BAD("--duration '0'", "--all", "--duration", "0");
	BAD("--duration '-3'", "--all", "--duration", "-3");
	BAD("--duration 'ten'", "--all", "--duration", "ten");
	BAD("--duration '0x10'", "--all", "--duration", "0x10");
	BAD("--duration '1e99'", "--all", "--duration", "1e99");
	BAD("--sort 'fast'", "--all", "--sort", "fast");
	BAD("--csv needs a file", "--all", "--csv", "");
	BAD("both write to stdout", "--all", "--csv", "-", "--json", "-");
	BAD("unexpected argument 'extra'", "--all", "extra");
	BAD("--metrics 'localhost:9477' is not [ADDR:]PORT", "--all", "--metrics", "localhost:9477");
	BAD("--metrics-file needs a file name", "--all", "--metrics-file", "-");
	BAD("--max-keys '0'", "--all", "--max-keys", "0");
	BAD("--max-keys '1048577'", "--all", "--max-keys", "1048577");
	BAD("--max-keys 'many'", "--all", "--max-keys", "many");
	BAD("--max-keys '-4'", "--all", "--max-keys", "-4");
}

static int number_parse_positive_1e7(const char *s, double *out)
{
	return number_parse_positive(s, ARGS_SECONDS_MAX, out);
}

/* common/number.c: the one syntax of every option's number (exitprof, record, plot, compare). */
static void numbers(void)
{
	uint64_t ns;

	double d;
	int64_t n;

	CHECK(number_parse_positive_1e7("1", &d) == 0 && d == 1, "1");
	CHECK(number_parse_positive_1e7("0.25", &d) == 0 && d == 0.25, "0.25");
	CHECK(number_parse_positive_1e7(".5", &d) == 0 && d == 0.5, ".5");
	CHECK(number_parse_positive_1e7("1e3", &d) == 0 && d == 1000, "1e3 (still a decimal number)");
	CHECK(number_parse_positive_1e7("0.0", &d) == -1, "0.0");
	CHECK(number_parse_positive_1e7(" 1", &d) == -1, "leading space");
	CHECK(number_parse_positive_1e7("+1", &d) == -1, "sign");
	CHECK(number_parse_uint("0", 10, &n) == 0 && n == 0, "0");
	CHECK(number_parse_uint("10", 10, &n) == 0 && n == 10, "max");
	CHECK(number_parse_uint("11", 10, &n) == -1, "over max");
	CHECK(number_parse_uint("", 10, &n) == -1, "empty");
	CHECK(number_parse_uint("99999999999999999999999", 0x7fffffff, &n) == -1, "no overflow");
	CHECK(number_parse_uint("9223372036854775807", INT64_MAX, &n) == 0 && n == INT64_MAX, "INT64_MAX");
	CHECK(number_parse_uint("9223372036854775810", INT64_MAX, &n) == -1, "over INT64_MAX, no overflow");
	CHECK(number_parse_uint("7", 5, &n) == -1 && number_parse_uint("5", 5, &n) == 0 && n == 5, "one digit, max 5");
	CHECK(args_parse_bin("10", &ns) == 0 && ns == 10000000, "--bin 10");
	CHECK(args_parse_bin("0.001", &ns) == 0 && ns == 1000, "--bin 0.001");
	CHECK(args_parse_bin("0x10", &ns) == -1, "--bin 0x10: hex is no decimal");
	CHECK(args_parse_bin("0.0001", &ns) == -1, "--bin below 1 us");
	CHECK(args_parse_bin("3600001", &ns) == -1, "--bin above an hour");
}

/* --metrics [ADDR:]PORT: 127.0.0.1 unless an IPv4 address is given; strict about the rest. */
static void listen_addrs(void)
{
	uint32_t addr;
	uint16_t port;

	CHECK(args_parse_listen("9477", &addr, &port) == 0 && addr == htonl(0x7f000001) && port == 9477,
	      "PORT alone: 127.0.0.1");
	CHECK(args_parse_listen("0.0.0.0:80", &addr, &port) == 0 && addr == 0 && port == 80, "0.0.0.0:80");
	CHECK(args_parse_listen("10.1.2.3:65535", &addr, &port) == 0 && addr == htonl(0x0a010203) && port == 65535,
	      "10.1.2.3:65535");
	CHECK(args_parse_listen("0", &addr, &port) == -1, "port 0");
	CHECK(args_parse_listen("65536", &addr, &port) == -1, "port 65536");
	CHECK(args_parse_listen("256.0.0.1:80", &addr, &port) == -1, "octet 256");
	CHECK(args_parse_listen("1.2.3:80", &addr, &port) == -1, "three octets");
	CHECK(args_parse_listen("1.2.3.4x:80", &addr, &port) == -1, "trailing junk in the address");
	CHECK(args_parse_listen("localhost:80", &addr, &port) == -1, "names are not resolved");
	CHECK(args_parse_listen("1.2.3.4:", &addr, &port) == -1, "no port");
	CHECK(args_parse_listen("0x50", &addr, &port) == -1, "hex port");
}

static void tp_request(void)
{
	enum tp_request r = TP_REQUEST_BTF;
	char err[256] = "";

	CHECK(preflight_tp_request(NULL, &r, err, sizeof(err)) == 0 && r == TP_REQUEST_AUTO, "unset: auto");
	CHECK(preflight_tp_request("", &r, err, sizeof(err)) == 0 && r == TP_REQUEST_AUTO, "empty: auto");
	CHECK(preflight_tp_request("btf", &r, err, sizeof(err)) == 0 && r == TP_REQUEST_BTF, "btf");
	CHECK(preflight_tp_request("classic", &r, err, sizeof(err)) == 0 && r == TP_REQUEST_CLASSIC, "classic");
	CHECK(preflight_tp_request("BTF", &r, err, sizeof(err)) == -1 &&
	      !strcmp(err, "EXITPROF_TRACEPOINTS=BTF is not a kind of tracepoint: use btf or classic, or unset it (automatic)"),
	      "BTF refused with one line: %s", err);
	CHECK(preflight_tp_request("tp", &r, err, sizeof(err)) == -1 && strchr(err, '\n') == NULL, "tp refused: %s", err);
}

static void thread_slots(void)
{
	unsigned n = 7;
	char err[256] = "";
	const char *bad_values[] = { "0", "3", "6", "65537", "131072", "-4", "0x10", "4k", " 4", "1e3", "1.0" };

	CHECK(preflight_thread_slots(NULL, &n, err, sizeof(err)) == 0 && n == EXITPROF_THREAD_SLOTS, "unset: default");
	CHECK(preflight_thread_slots("", &n, err, sizeof(err)) == 0 && n == EXITPROF_THREAD_SLOTS, "empty: default");
	CHECK(preflight_thread_slots("1", &n, err, sizeof(err)) == 0 && n == 1, "1");
	CHECK(preflight_thread_slots("1024", &n, err, sizeof(err)) == 0 && n == 1024, "1024");
	CHECK(preflight_thread_slots("65536", &n, err, sizeof(err)) == 0 && n == 65536, "the largest");
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		n = 7;
		CHECK(preflight_thread_slots(bad_values[i], &n, err, sizeof(err)) == -1 && n == 7 &&
		      strstr(err, "EXITPROF_THREAD_SLOTS=") == err && strchr(err, '\n') == NULL,
		      "%s refused with one line: %s", bad_values[i], err);
	}
}

int main(void)
{
	tp_request();
	thread_slots();
	good();
	bad();
	numbers();
	listen_addrs();
	return test_result("test_args");
}
