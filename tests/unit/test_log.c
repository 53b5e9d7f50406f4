/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/lib/log: the line format, level filtering, log_level_parse/name, cutting of
 * long lines, control characters, and the rate limiter stepped with the fake clock.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/log.h"

static char *cap_buf;
static size_t cap_len;
static FILE *cap;

static void capture_start(void)
{
	cap = open_memstream(&cap_buf, &cap_len);
	cr_assert_not_null(cap);
	log_set_output(cap);
}

/* Everything logged since capture_start (or the last take), as a string the caller frees. */
static char *capture_take(void)
{
	char *s;

	fflush(cap);
	s = strndup(cap_buf, cap_len);
	cr_assert_not_null(s);
	fclose(cap);
	free(cap_buf);
	cap_buf = NULL;
	cap = open_memstream(&cap_buf, &cap_len);
	log_set_output(cap);
	return s;
}

static void capture_stop(void)
{
	log_set_output(NULL);
	fclose(cap);
	free(cap_buf);
	cap_buf = NULL;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void assert_matches(const char *s, const char *re)
{
	regex_t rx;

	cr_assert_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0, "bad regex %s", re);
	cr_assert_eq(regexec(&rx, s, 0, NULL, 0), 0, "line \"%s\" does not match /%s/", s, re);
	regfree(&rx);
}

TestSuite(log, .init = capture_start, .fini = capture_stop);

Test(log, line_format)
{
	char *out;

	log_warn("Tunnel", "conn=%s peer=%s: %d", "site1", "198.51.100.7", 42);
	out = capture_take();
	assert_matches(out, "^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]"
			    "\\.[0-9]{3}Z WARN  Tunnel  conn=site1 peer=198\\.51\\.100\\.7: 42\n$");
	free(out);
}

Test(log, timestamp_is_now_in_utc)
{
	struct tm tm;
	char want[32], *out;
	time_t t;

	t = time(NULL);
	gmtime_r(&t, &tm);
	/* Year, month, day and hour: stable unless the test straddles an hour boundary. */
	strftime(want, sizeof(want), "%Y-%m-%dT%H:", &tm);
	log_err("IKE", "x");
	out = capture_take();
	if (strncmp(out, want, strlen(want)) != 0) {
		t = time(NULL);
		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:", &tm);
	}
	cr_assert_eq(strncmp(out, want, strlen(want)), 0, "got %s want prefix %s", out, want);
	free(out);
}

Test(log, labels_and_category_padding)
{
	static const struct {
		enum log_level lvl;
		const char *cat;
		const char *want; /* what follows the timestamp */
	} rows[] = {
		/* 1 */ {LOG_LVL_ERR, "Gateway", "ERROR Gateway m\n"},
		/* 2 */ {LOG_LVL_WARN, "Tunnel", "WARN  Tunnel  m\n"},
		/* 3 */ {LOG_LVL_INFO, "IKE", "INFO  IKE     m\n"},
		/* 4 */ {LOG_LVL_DEBUG, "ESP", "DEBUG ESP     m\n"},
		/* 5 */ {LOG_LVL_INFO, NULL, "INFO  -       m\n"},
		/* 6 */ {LOG_LVL_INFO, "Reconcile", "INFO  Reconcile m\n"},
	};
	size_t i;

	log_set_level(LOG_LVL_DEBUG);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *out;

		log_msg(rows[i].lvl, rows[i].cat, "m");
		out = capture_take();
		cr_assert_gt(strlen(out), 25, "row %zu", i + 1);
		cr_assert_str_eq(out + 25, rows[i].want, "row %zu: got \"%s\"", i + 1, out);
		free(out);
	}
}

Test(log, level_filtering)
{
	static const struct {
		enum log_level min;
		bool err, warn, info, debug;
	} rows[] = {
		/* 1 */ {LOG_LVL_ERR, true, false, false, false},
		/* 2 */ {LOG_LVL_WARN, true, true, false, false},
		/* 3 */ {LOG_LVL_INFO, true, true, true, false},
		/* 4 */ {LOG_LVL_DEBUG, true, true, true, true},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *out;

		log_set_level(rows[i].min);
		cr_assert_eq(log_get_level(), rows[i].min, "row %zu", i + 1);
		cr_assert_eq(log_enabled(LOG_LVL_ERR), rows[i].err, "row %zu", i + 1);
		cr_assert_eq(log_enabled(LOG_LVL_WARN), rows[i].warn, "row %zu", i + 1);
		cr_assert_eq(log_enabled(LOG_LVL_INFO), rows[i].info, "row %zu", i + 1);
		cr_assert_eq(log_enabled(LOG_LVL_DEBUG), rows[i].debug, "row %zu", i + 1);
		log_err("Test", "e");
		log_warn("Test", "w");
		log_info("Test", "i");
		log_debug("Test", "d");
		out = capture_take();
		cr_assert_eq(count_lines(out),
			     (size_t)(rows[i].err + rows[i].warn + rows[i].info + rows[i].debug),
			     "row %zu: %s", i + 1, out);
		cr_assert_eq(strstr(out, "ERROR Test    e\n") != NULL, rows[i].err, "row %zu",
			     i + 1);
		cr_assert_eq(strstr(out, "WARN  Test    w\n") != NULL, rows[i].warn, "row %zu",
			     i + 1);
		cr_assert_eq(strstr(out, "INFO  Test    i\n") != NULL, rows[i].info, "row %zu",
			     i + 1);
		cr_assert_eq(strstr(out, "DEBUG Test    d\n") != NULL, rows[i].debug, "row %zu",
			     i + 1);
		free(out);
	}
}

Test(log, default_level_is_info)
{
	cr_assert_eq(log_get_level(), LOG_LVL_INFO);
}

Test(log, set_level_ignores_invalid)
{
	log_set_level(LOG_LVL_WARN);
	log_set_level((enum log_level)17);
	cr_assert_eq(log_get_level(), LOG_LVL_WARN);
}

Test(log, debug_arguments_not_evaluated_when_off)
{
	int calls = 0;

	log_set_level(LOG_LVL_INFO);
	log_debug("Test", "%d", ++calls);
	cr_assert_eq(calls, 0);
	log_set_level(LOG_LVL_DEBUG);
	log_debug("Test", "%d", ++calls);
	cr_assert_eq(calls, 1);
}

Test(log, level_parse_and_name)
{
	static const struct {
		const char *s;
		int ret;
		enum log_level lvl;
	} rows[] = {
		/* 1 */ {"err", 0, LOG_LVL_ERR},
		/* 2 */ {"warn", 0, LOG_LVL_WARN},
		/* 3 */ {"info", 0, LOG_LVL_INFO},
		/* 4 */ {"debug", 0, LOG_LVL_DEBUG},
		/* 5 */ {"", -EINVAL, 0},
		/* 6 */ {"error", -EINVAL, 0},
		/* 7 */ {"INFO", -EINVAL, 0},
		/* 8 */ {"info ", -EINVAL, 0},
		/* 9 */ {"inf", -EINVAL, 0},
		/* 10 */ {"warning", -EINVAL, 0},
		/* 11 */ {NULL, -EINVAL, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum log_level lvl = (enum log_level)99;
		int r = log_level_parse(rows[i].s, &lvl);

		cr_assert_eq(r, rows[i].ret, "row %zu: %d", i + 1, r);
		if (r == 0) {
			cr_assert_eq(lvl, rows[i].lvl, "row %zu", i + 1);
			cr_assert_str_eq(log_level_name(lvl), rows[i].s, "row %zu", i + 1);
		} else {
			cr_assert_eq(lvl, (enum log_level)99, "row %zu: output written", i + 1);
		}
	}
	cr_assert_str_eq(log_level_name((enum log_level)4), "?");
}

Test(log, control_characters_do_not_split_lines)
{
	char *out;

	log_info("IKE", "id=%s end", "evil\nFAKE LINE\r\x1b[31m");
	out = capture_take();
	cr_assert_eq(count_lines(out), 1, "%s", out);
	cr_assert_not_null(strstr(out, "id=evil?FAKE LINE??[31m end\n"), "%s", out);
	free(out);
}

Test(log, long_line_is_cut)
{
	char big[3000], *out;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("Test", "%s", big);
	out = capture_take();
	cr_assert_eq(count_lines(out), 1);
	cr_assert_eq(strlen(out), 1024, "%zu", strlen(out));
	cr_assert_str_eq(out + 1024 - 5, "a...\n");
	free(out);
}

Test(log, long_line_keeps_suppressed_note)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(CLOCK_NS_PER_SEC, 1);
	char big[3000], *out;
	const char *tail = "... (2 similar lines suppressed)\n";

	clock_fake_install(0);
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_rl(&rl, LOG_LVL_WARN, "ESP", "x");
	log_rl(&rl, LOG_LVL_WARN, "ESP", "x");
	log_rl(&rl, LOG_LVL_WARN, "ESP", "x");
	clock_fake_advance(CLOCK_NS_PER_SEC);
	free(capture_take());
	log_rl(&rl, LOG_LVL_WARN, "ESP", "%s", big);
	out = capture_take();
	cr_assert_eq(strlen(out), 1024, "%zu", strlen(out));
	cr_assert_str_eq(out + strlen(out) - strlen(tail), tail, "%s", out);
	free(out);
}

/*
 * The rate limiter, step by step: before each row the fake clock advances by adv_ms, then
 * log_rl is called; the row says whether a line came out and what suppression note it carried.
 */
Test(log, ratelimit_table)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(1000 * CLOCK_NS_PER_MS, 3);
	static const struct {
		uint64_t adv_ms;
		bool printed;
		unsigned int note; /* N in "(N similar lines suppressed)", 0 for none */
	} rows[] = {
		/* 1 */ {0, true, 0}, /* window opens at t=5000 ms */
		/* 2 */ {10, true, 0},
		/* 3 */ {10, true, 0},	 /* burst of 3 used */
		/* 4 */ {10, false, 0},	 /* 1 suppressed */
		/* 5 */ {100, false, 0}, /* 2 */
		/* 6 */ {869, false, 0}, /* t=5999: still inside the window, 3 */
		/* 7 */ {1, true, 3},	 /* t=6000: new window, announced */
		/* 8 */ {0, true, 0},	 /* count was reset */
		/* 9 */ {0, true, 0},
		/* 10 */ {0, false, 0},
		/* 11 */ {5000, true, 1}, /* long quiet: a fresh window */
		/* 12 */ {0, true, 0},
		/* 13 */ {999, true, 0}, /* third of the window opened at row 11 */
		/* 14 */ {0, false, 0},
		/* 15 */ {1, true, 1},
	};
	size_t i;

	clock_fake_install(5000 * CLOCK_NS_PER_MS);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char want[64], *out;

		clock_fake_advance(rows[i].adv_ms * CLOCK_NS_PER_MS);
		log_rl(&rl, LOG_LVL_WARN, "ESP", "row %zu", i + 1);
		out = capture_take();
		cr_assert_eq(count_lines(out), rows[i].printed ? 1u : 0u, "row %zu: \"%s\"", i + 1,
			     out);
		if (!rows[i].printed) {
			free(out);
			continue;
		}
		if (rows[i].note)
			snprintf(want, sizeof(want), "row %zu (%u similar lines suppressed)\n",
				 i + 1, rows[i].note);
		else
			snprintf(want, sizeof(want), "row %zu\n", i + 1);
		cr_assert_str_eq(out + 39, want, "row %zu: \"%s\"", i + 1, out);
		free(out);
	}
}

Test(log, ratelimit_allow_counts)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(10 * CLOCK_NS_PER_MS, 2);
	int i;

	clock_fake_install(0);
	cr_assert(log_ratelimit_allow(&rl));
	cr_assert(log_ratelimit_allow(&rl));
	for (i = 0; i < 5; i++)
		cr_assert_not(log_ratelimit_allow(&rl));
	cr_assert_eq(rl.suppressed, 5);
	clock_fake_advance(10 * CLOCK_NS_PER_MS);
	cr_assert(log_ratelimit_allow(&rl));
	/* allow() only accounts; log_rl is what announces and resets the count. */
	cr_assert_eq(rl.suppressed, 5);
}

Test(log, ratelimit_burst_zero_suppresses_all)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(CLOCK_NS_PER_SEC, 0);
	char *out;

	clock_fake_install(0);
	log_rl(&rl, LOG_LVL_ERR, "ESP", "a");
	clock_fake_advance(10 * CLOCK_NS_PER_SEC);
	log_rl(&rl, LOG_LVL_ERR, "ESP", "b");
	out = capture_take();
	cr_assert_str_eq(out, "");
	cr_assert_eq(rl.suppressed, 2);
	free(out);
}

Test(log, ratelimit_filtered_level_is_not_counted)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(CLOCK_NS_PER_SEC, 1);
	char *out;

	clock_fake_install(0);
	log_set_level(LOG_LVL_WARN);
	log_rl(&rl, LOG_LVL_DEBUG, "ESP", "hidden");
	log_rl(&rl, LOG_LVL_DEBUG, "ESP", "hidden");
	cr_assert_eq(rl.suppressed, 0);
	cr_assert_eq(rl.in_window, 0);
	log_rl(&rl, LOG_LVL_WARN, "ESP", "shown");
	out = capture_take();
	cr_assert_eq(count_lines(out), 1);
	cr_assert_not_null(strstr(out, "shown\n"));
	free(out);
}

#define LOG_THREADS	 4
#define LOG_THREAD_LINES 500

static void *log_thread(void *arg)
{
	int id = (int)(intptr_t)arg, i;

	for (i = 0; i < LOG_THREAD_LINES; i++)
		log_info("Test", "thread=%d line=%d %s", id, i,
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	return NULL;
}

Test(log, threads_never_interleave_within_a_line)
{
	pthread_t th[LOG_THREADS];
	int seen[LOG_THREADS] = {0}, i;
	char *out, *line, *save = NULL;

	for (i = 0; i < LOG_THREADS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, log_thread, (void *)(intptr_t)i), 0);
	for (i = 0; i < LOG_THREADS; i++)
		pthread_join(th[i], NULL);
	out = capture_take();
	cr_assert_eq(count_lines(out), LOG_THREADS * LOG_THREAD_LINES);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int id, n, end = 0;

		cr_assert_eq(sscanf(line + 39,
				    "thread=%d line=%d ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789%n", &id,
				    &n, &end),
			     2, "mangled line \"%s\"", line);
		cr_assert_eq(line[39 + end], '\0', "mangled line \"%s\"", line);
		cr_assert(id >= 0 && id < LOG_THREADS);
		/* Each thread's lines come out in its own order. */
		cr_assert_eq(n, seen[id], "thread %d: line %d after %d", id, n, seen[id]);
		seen[id]++;
	}
	free(out);
}

/* Without log_set_output (or after log_set_output(NULL)) lines go to stderr. */
Test(log_stderr, default_output_is_stderr, .init = cr_redirect_stderr)
{
	char got[256] = "";
	size_t n;

	log_set_output(NULL);
	log_warn("Gateway", "to stderr %d", 7);
	fflush(stderr);
	n = fread(got, 1, sizeof(got) - 1, cr_get_redirected_stderr());
	cr_assert_gt(n, 25, "%zu", n);
	cr_assert_str_eq(got + 25, "WARN  Gateway to stderr 7\n", "%s", got);
}

/* ---- formats: JSON lines (issue 20) and the journal's ------------------------------------ */

#include <jansson.h>

static json_t *json_line(const char *out)
{
	json_error_t e;
	json_t *j;

	cr_assert_eq(count_lines(out), 1, "%s", out);
	j = json_loads(out, JSON_REJECT_DUPLICATES, &e);
	cr_assert_not_null(j, "not JSON (%s): %s", e.text, out);
	return j;
}

Test(log, json_event_has_azure_fields)
{
	char *out;
	json_t *j;

	log_set_format(LOG_FORMAT_JSON);
	log_event(LOG_LVL_WARN, "Tunnel", "TunnelDisconnected",
		  "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/connections/c1",
		  "conn=c1: Connected -> NotConnected (%s)", "DPD");
	out = capture_take();
	j = json_line(out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "category")), "TunnelDiagnosticLog");
	cr_assert_str_eq(json_string_value(json_object_get(j, "level")), "warn");
	cr_assert_str_eq(json_string_value(json_object_get(j, "operationName")),
			 "TunnelDisconnected");
	cr_assert_str_eq(json_string_value(json_object_get(j, "resourceId")),
			 "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/"
			 "connections/c1");
	cr_assert_str_eq(json_string_value(json_object_get(j, "message")),
			 "conn=c1: Connected -> NotConnected (DPD)");
	cr_assert(json_is_string(json_object_get(j, "time")));
	json_decref(j);
	free(out);
	log_set_format(LOG_FORMAT_TEXT);
}

Test(log, json_escapes_what_a_peer_can_put_in_a_message)
{
	char *out;
	json_t *j;

	log_set_format(LOG_FORMAT_JSON);
	log_info("IKE", "id=%s \"q\" \\ \xff\xfe end", "evil\nFAKE\x1b");
	out = capture_take();
	j = json_line(out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "category")), "IKEDiagnosticLog");
	cr_assert_null(json_object_get(j, "operationName"), "a plain line is no event");
	cr_assert_str_eq(json_string_value(json_object_get(j, "message")),
			 "id=evil?FAKE? \"q\" \\ \xc3\xbf\xc3\xbe end",
			 "bytes outside ASCII arrive as the code points of their values");
	json_decref(j);
	free(out);
	log_set_format(LOG_FORMAT_TEXT);
}

Test(log, json_long_line_is_cut_and_stays_valid)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(CLOCK_NS_PER_SEC, 1);
	char big[3000], *out;
	const char *msg;
	json_t *j;

	log_set_format(LOG_FORMAT_JSON);
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 7 ? 'x' : '"'; /* escapes (two bytes) among plain ones */
	big[sizeof(big) - 1] = '\0';
	clock_fake_install(0);
	log_rl(&rl, LOG_LVL_WARN, "ESP", "x");
	log_rl(&rl, LOG_LVL_WARN, "ESP", "x");
	clock_fake_advance(CLOCK_NS_PER_SEC);
	free(capture_take());
	log_rl(&rl, LOG_LVL_WARN, "ESP", "%s", big);
	out = capture_take();
	cr_assert_leq(strlen(out), 1024, "%zu", strlen(out));
	j = json_line(out);
	msg = json_string_value(json_object_get(j, "message"));
	cr_assert_not_null(strstr(msg, "... (1 similar lines suppressed)"), "%s", msg);
	cr_assert_eq(strncmp(msg, big, strlen(msg) - strlen("... (1 similar lines suppressed)")), 0);
	json_decref(j);
	free(out);
	clock_fake_remove();
	log_set_format(LOG_FORMAT_TEXT);
}

Test(log, journal_and_text_event_lines)
{
	char *out;

	log_set_format(LOG_FORMAT_JOURNAL);
	log_warn("Tunnel", "conn=c1: lost");
	out = capture_take();
	cr_assert_str_eq(out, "<4>Tunnel: conn=c1: lost\n", "journald adds the time itself");
	free(out);
	log_set_format(LOG_FORMAT_TEXT);
	log_event(LOG_LVL_INFO, "Route", "RouteAdded", "/subscriptions/s/x", "10.0.0.0/8");
	out = capture_take();
	cr_assert_not_null(strstr(out, " INFO  Route   RouteAdded /subscriptions/s/x: 10.0.0.0/8\n"),
			   "%s", out);
	free(out);
}

Test(log, format_parse)
{
	enum log_format f;

	unsetenv("JOURNAL_STREAM");
	cr_assert_eq(log_format_parse("json", &f), 0);
	cr_assert_eq(f, LOG_FORMAT_JSON);
	cr_assert_eq(log_format_parse("text", &f), 0);
	cr_assert_eq(f, LOG_FORMAT_TEXT, "stderr is no journal here");
	cr_assert_eq(log_format_parse("xml", &f), -EINVAL);
}
