/* SPDX-License-Identifier: MIT */
/*
 * log: formats one line per event ("2026-11-27T06:31:06.123Z WARN  Tunnel  message", UTC with
 * milliseconds) into a stack buffer and hands it to stdio in a single fwrite, so lines from
 * concurrent threads never interleave. log_rl adds a burst-per-interval rate limit whose window
 * runs on clock_now_ns(), so tests step it with the fake clock.
 */
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"

/* A line longer than this is cut and ends in "..."; log lines are for people, not bulk data. */
#define LOG_LINE_MAX 1024

static _Atomic int log_min_level = LOG_LVL_INFO;
/* NULL means stderr, which is not a constant expression. */
static FILE *_Atomic log_out;

/* The names log_level_parse accepts; log_level_name returns them so the two round-trip. */
static const char *const log_names[] = {
	[LOG_LVL_ERR] = "err",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

/* What a line shows: what people expect to grep for, padded to one width. */
static const char *const log_labels[] = {
	[LOG_LVL_ERR] = "ERROR",
	[LOG_LVL_WARN] = "WARN",
	[LOG_LVL_INFO] = "INFO",
	[LOG_LVL_DEBUG] = "DEBUG",
};

static bool log_level_valid(enum log_level lvl)
{
	return (unsigned int)lvl <= LOG_LVL_DEBUG;
}

void log_set_level(enum log_level min_level)
{
	if (log_level_valid(min_level))
		atomic_store_explicit(&log_min_level, (int)min_level, memory_order_relaxed);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load_explicit(&log_min_level, memory_order_relaxed);
}

void log_set_output(FILE *out)
{
	atomic_store(&log_out, out);
}

int log_level_parse(const char *s, enum log_level *out)
{
	unsigned int i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level lvl)
{
	return log_level_valid(lvl) ? log_names[lvl] : "?";
}

bool log_enabled(enum log_level lvl)
{
	return (int)lvl <= atomic_load_explicit(&log_min_level, memory_order_relaxed);
}

/*
 * Appends to line[*len] (*len < end <= LOG_LINE_MAX), keeping *len < end and setting *cut if
 * the text did not fit. The header is at most ~70 bytes (the category is cut at 32), so the
 * message always has room to start.
 */
static void log_vappend(char *line, size_t *len, size_t end, bool *cut, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void log_vappend(char *line, size_t *len, size_t end, bool *cut, const char *fmt, va_list ap)
{
	size_t room = end - *len;
	int n = vsnprintf(line + *len, room, fmt, ap);

	if (n < 0)
		n = 0;
	if ((size_t)n >= room) {
		*len = end - 1;
		*cut = true;
	} else {
		*len += (size_t)n;
	}
}

static void log_append(char *line, size_t *len, size_t end, bool *cut, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void log_append(char *line, size_t *len, size_t end, bool *cut, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vappend(line, len, end, cut, fmt, ap);
	va_end(ap);
}

/*
 * Formats and writes one line. suppressed > 0 adds the rate limiter's count. Control characters
 * in the message (a peer's ID can carry anything) become '?' so one event stays one line.
 */
static void log_vline(enum log_level lvl, const char *category, uint64_t suppressed,
		      const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static void log_vline(enum log_level lvl, const char *category, uint64_t suppressed,
		      const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX + 1]; /* + the newline */
	char note[64] = "";
	size_t len = 0, msg_start, msg_end, i;
	bool cut = false;
	struct timespec ts;
	struct tm tm;
	FILE *out;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	log_append(line, &len, LOG_LINE_MAX, &cut,
		   "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %-7.32s ", tm.tm_year + 1900,
		   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		   ts.tv_nsec / 1000000, log_labels[lvl], category ? category : "-");
	msg_start = len;
	/* The suppression note is kept even when the message has to be cut to make room for it. */
	if (suppressed)
		snprintf(note, sizeof(note), " (%llu similar lines suppressed)",
			 (unsigned long long)suppressed);
	msg_end = LOG_LINE_MAX - strlen(note);
	log_vappend(line, &len, msg_end, &cut, fmt, ap);
	for (i = msg_start; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			line[i] = '?';
	}
	if (cut)
		memcpy(line + len - 3, "...", 3);
	memcpy(line + len, note, strlen(note));
	len += strlen(note);
	line[len++] = '\n';

	out = atomic_load(&log_out);
	if (!out)
		out = stderr;
	/* One fwrite holds the stream's lock for the whole line: no interleaving within it. */
	fwrite(line, 1, len, out);
	fflush(out);
}

void log_msg(enum log_level lvl, const char *category, const char *fmt, ...)
{
	va_list ap;

	if (!log_level_valid(lvl) || !log_enabled(lvl))
		return;
	va_start(ap, fmt);
	log_vline(lvl, category, 0, fmt, ap);
	va_end(ap);
}

bool log_ratelimit_allow(struct log_ratelimit *rl)
{
	uint64_t now = clock_now_ns();

	/*
	 * A window opens with the first line after the previous one ran out (in_window == 0 also
	 * covers a zero-initialised limiter, whatever the clock reads).
	 */
	if (rl->in_window == 0 || now - rl->window_start_ns >= rl->interval_ns) {
		rl->window_start_ns = now;
		rl->in_window = 0;
	}
	if (rl->in_window < rl->burst) {
		rl->in_window++;
		return true;
	}
	rl->suppressed++;
	return false;
}

void log_rl(struct log_ratelimit *rl, enum log_level lvl, const char *category, const char *fmt,
	    ...)
{
	uint64_t suppressed;
	va_list ap;

	/* A line the level filter drops anyway neither uses up the burst nor counts as suppressed.
	 */
	if (!log_level_valid(lvl) || !log_enabled(lvl))
		return;
	if (!log_ratelimit_allow(rl))
		return;
	suppressed = rl->suppressed;
	rl->suppressed = 0;
	va_start(ap, fmt);
	log_vline(lvl, category, suppressed, fmt, ap);
	va_end(ap);
}
