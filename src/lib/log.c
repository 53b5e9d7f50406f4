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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"

/* A line longer than this is cut and ends in "..."; log lines are for people, not bulk data. */
#define LOG_LINE_MAX 1024

static _Atomic int log_min_level = LOG_LVL_INFO;
static _Atomic int log_format = LOG_FORMAT_TEXT;
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

void log_set_format(enum log_format f)
{
	atomic_store_explicit(&log_format, (int)f, memory_order_relaxed);
}

/* $JOURNAL_STREAM is "device:inode" of journald's stream when stderr is it (systemd.exec(5)). */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int log_format_parse(const char *s, enum log_format *out)
{
	if (s && strcmp(s, "text") == 0)
		*out = stderr_is_journal() ? LOG_FORMAT_JOURNAL : LOG_FORMAT_TEXT;
	else if (s && strcmp(s, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return -EINVAL;
	return 0;
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

const char *log_category_azure(const char *category)
{
	static const struct {
		const char *ours, *azure;
	} map[] = {
		{"Gateway", "GatewayDiagnosticLog"},
		{"Tunnel", "TunnelDiagnosticLog"},
		{"Route", "RouteDiagnosticLog"},
		{"IKE", "IKEDiagnosticLog"},
	};

	for (size_t i = 0; category && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(category, map[i].ours) == 0)
			return map[i].azure;
	return category ? category : "-";
}

/*
 * Up to room bytes of text escaped for a JSON string into out (a byte outside printable ASCII
 * becomes \u00XX: valid JSON whatever it was), never half an escape; *cut when not all fitted.
 * Returns the bytes written.
 */
static size_t log_json_body(char *out, size_t room, const char *text, size_t n, bool *cut)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		char esc[8];
		int k;

		if (c == '"' || c == '\\')
			k = snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			k = snprintf(esc, sizeof(esc), "\\u%04x", c);
		else
			esc[0] = (char)c, k = 1;
		if (o + (size_t)k > room) {
			*cut = true;
			return o;
		}
		memcpy(out + o, esc, (size_t)k);
		o += (size_t)k;
	}
	return o;
}

/* text, quoted for JSON, into line (a field's value: cut marks the whole line cut). */
static void log_json_str(char *line, size_t *len, size_t end, bool *cut, const char *text,
			 size_t n)
{
	bool short_ = false;

	if (*len + 2 >= end) {
		*cut = true;
		return;
	}
	line[(*len)++] = '"';
	*len += log_json_body(line + *len, end - *len - 1, text, n, &short_);
	line[(*len)++] = '"';
	*cut |= short_;
}

/* syslog priorities (sd-daemon.h's <3> ... <7>) for the journal's "<N>" prefix. */
static const int log_priorities[] = {
	[LOG_LVL_ERR] = 3,
	[LOG_LVL_WARN] = 4,
	[LOG_LVL_INFO] = 6,
	[LOG_LVL_DEBUG] = 7,
};

/*
 * Formats and writes one line. suppressed > 0 adds the rate limiter's count. Control characters
 * in the message (a peer's ID can carry anything) become '?' so one event stays one line.
 * operation and resource_id (NULL when none) are log_event's.
 */
static void log_vline(enum log_level lvl, const char *category, const char *operation,
		      const char *resource_id, uint64_t suppressed, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

static void log_vline(enum log_level lvl, const char *category, const char *operation,
		      const char *resource_id, uint64_t suppressed, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX + 1]; /* + the newline */
	char msg[LOG_LINE_MAX], note[64] = "", stamp[64];
	size_t len = 0, mlen = 0, room, i;
	bool cut = false, mcut = false;
	enum log_format f = (enum log_format)atomic_load_explicit(&log_format, memory_order_relaxed);
	struct timespec ts;
	struct tm tm;
	FILE *out;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	/* The suppression note is kept even when the message has to be cut to make room for it. */
	if (suppressed)
		snprintf(note, sizeof(note), " (%llu similar lines suppressed)",
			 (unsigned long long)suppressed);
	/* The message on its own first: control characters out (one event stays one line). */
	log_vappend(msg, &mlen, sizeof(msg), &mcut, fmt, ap);
	for (i = 0; i < mlen; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	switch (f) {
	case LOG_FORMAT_JSON:
		log_append(line, &len, LOG_LINE_MAX, &cut,
			   "{\"time\":\"%s\",\"level\":\"%s\",\"category\":\"%s\"", stamp,
			   log_names[lvl], log_category_azure(category));
		if (operation) {
			log_append(line, &len, LOG_LINE_MAX, &cut, ",\"operationName\":");
			log_json_str(line, &len, LOG_LINE_MAX, &cut, operation, strlen(operation));
		}
		if (resource_id) {
			log_append(line, &len, LOG_LINE_MAX, &cut, ",\"resourceId\":");
			log_json_str(line, &len, LOG_LINE_MAX, &cut, resource_id, strlen(resource_id));
		}
		/* "message":"<escaped, cut to fit><note>"} and the newline: all within the line. */
		log_append(line, &len, LOG_LINE_MAX, &cut, ",\"message\":\"");
		room = len + strlen(note) + 3 < LOG_LINE_MAX ? LOG_LINE_MAX - 3 - len - strlen(note)
							     : 0;
		if (cut || !room) {
			len = 0;
			cut = false;
			log_append(line, &len, LOG_LINE_MAX, &cut,
				   "{\"time\":\"%s\",\"level\":\"%s\",\"category\":\"%s\","
				   "\"message\":\"(line too long)\"}",
				   stamp, log_names[lvl], log_category_azure(category));
			break;
		}
		{
			bool bcut = mcut;
			size_t n = log_json_body(line + len, room, msg, mlen, &bcut);

			if (bcut && room > 3) /* again, with room for the ellipsis */
				n = log_json_body(line + len, room - 3, msg, mlen, &bcut);
			len += n;
			if (bcut) {
				memcpy(line + len, "...", 3);
				len += 3;
			}
		}
		memcpy(line + len, note, strlen(note));
		len += strlen(note);
		memcpy(line + len, "\"}", 2);
		len += 2;
		break;
	case LOG_FORMAT_JOURNAL:
	case LOG_FORMAT_TEXT:
	default:
		if (f == LOG_FORMAT_JOURNAL)
			log_append(line, &len, LOG_LINE_MAX, &cut, "<%d>%.32s: ", log_priorities[lvl],
				   category ? category : "-");
		else
			log_append(line, &len, LOG_LINE_MAX, &cut, "%s %-5s %-7.32s ", stamp,
				   log_labels[lvl], category ? category : "-");
		if (operation)
			log_append(line, &len, LOG_LINE_MAX, &cut, "%.48s ", operation);
		if (resource_id)
			log_append(line, &len, LOG_LINE_MAX, &cut, "%.300s: ", resource_id);
		room = LOG_LINE_MAX - 1 - strlen(note) - len; /* and the newline */
		if (mlen > room || mcut) {
			memcpy(line + len, msg, room);
			len += room;
			memcpy(line + len - 3, "...", 3);
		} else {
			memcpy(line + len, msg, mlen);
			len += mlen;
		}
		memcpy(line + len, note, strlen(note));
		len += strlen(note);
		break;
	}
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
	log_vline(lvl, category, NULL, NULL, 0, fmt, ap);
	va_end(ap);
}

void log_event(enum log_level lvl, const char *category, const char *operation,
	       const char *resource_id, const char *fmt, ...)
{
	va_list ap;

	if (!log_level_valid(lvl) || !log_enabled(lvl))
		return;
	va_start(ap, fmt);
	log_vline(lvl, category, operation, resource_id, 0, fmt, ap);
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
	log_vline(lvl, category, NULL, NULL, suppressed, fmt, ap);
	va_end(ap);
}
