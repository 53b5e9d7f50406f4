/* SPDX-License-Identifier: MIT */
/*
 * http_parse: a request head from untrusted bytes, through a struct buf view (RFC 9112 2-3, 5,
 * 6.1-6.3, 9.3; RFC 9110 10.1.1). Lines end in CRLF; the request line is origin-form only; field
 * names are tokens, values visible characters; obs-fold, a NUL, a bare CR, differing
 * Content-Lengths, or a Content-Length beside a Transfer-Encoding are refused. Every line is
 * bounded before it is copied. tests/fuzz/fuzz_api_http.c drives http_head_parse.
 */
#include <errno.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "lib/buf.h"
#include "mgmt/api/http.h"

/*
 * The next line of b without its CRLF, NUL-terminated in line[max + 1]. 0; -ENOSPC when longer
 * than max; -EBADMSG when it has no CRLF, or holds a NUL or a lone CR or LF.
 */
static int get_line(struct buf *b, char *line, size_t max)
{
	size_t left = buf_left(b), i;
	uint8_t c = 0, prev = 0;

	for (i = 0; i < left; i++) {
		if (buf_peek_u8(b, i, &c))
			return -EBADMSG;
		if (c == '\n')
			break;
		if (prev == '\r' || c == '\0')
			return -EBADMSG; /* a CR not followed by LF, or a NUL */
		if (i >= max + 1)
			return -ENOSPC; /* max characters and the CR */
		prev = c;
	}
	if (i == left || prev != '\r')
		return -EBADMSG; /* no terminator, or a bare LF */
	if (i - 1 > max)
		return -ENOSPC;
	if (buf_get_bytes(b, line, i - 1) || buf_skip(b, 2))
		return -EBADMSG;
	line[i - 1] = '\0';
	return 0;
}

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const struct {
	const char *name;
	enum http_method m;
} methods[] = {
	{"GET", HTTP_M_GET},   {"HEAD", HTTP_M_HEAD},	  {"PUT", HTTP_M_PUT},
	{"POST", HTTP_M_POST}, {"DELETE", HTTP_M_DELETE}, {"PATCH", HTTP_M_PATCH},
};

/* RFC 9112 3: method SP request-target SP HTTP-version. */
static int parse_request_line(char *line, struct http_head *h, const char **why)
{
	char *sp1 = strchr(line, ' '), *sp2, *t;
	size_t i, n;

	if (!sp1 || sp1 == line) {
		*why = "the request line is not 'METHOD target HTTP/1.1'";
		return HTTP_HEAD_BAD;
	}
	*sp1 = '\0';
	n = strlen(line);
	for (i = 0; i < n; i++)
		if (!is_tchar(line[i]))
			break;
	if (i < n || n >= sizeof(h->method_name)) {
		*why = "the method is not a token";
		return HTTP_HEAD_BAD;
	}
	memcpy(h->method_name, line, n + 1);
	h->method = HTTP_M_OTHER;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, line) == 0)
			h->method = methods[i].m;
	t = sp1 + 1;
	sp2 = strchr(t, ' ');
	if (!sp2 || sp2 == t || t[0] != '/') {
		*why = "the request-target must be a path starting with '/'";
		return HTTP_HEAD_BAD;
	}
	*sp2 = '\0';
	for (i = 0; t[i]; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f || t[i] == '#') {
			*why = "the request-target holds a character a URI cannot";
			return HTTP_HEAD_BAD;
		}
	if (strncmp(sp2 + 1, "HTTP/", 5) != 0) {
		*why = "the request line does not end in HTTP/1.x";
		return HTTP_HEAD_BAD;
	}
	if (strcmp(sp2 + 1, "HTTP/1.1") == 0) {
		h->minor = 1;
	} else if (strcmp(sp2 + 1, "HTTP/1.0") == 0) {
		h->minor = 0;
		h->close = true; /* no keep-alive for 1.0 clients */
	} else {
		*why = "only HTTP/1.0 and HTTP/1.1 are served";
		return HTTP_HEAD_VERSION;
	}
	h->target = strdup(t);
	return h->target ? 0 : -ENOMEM;
}

/* A comma-separated list value holds token (case-insensitive)? */
static bool list_has(const char *v, const char *token)
{
	size_t n = strlen(token);

	while (*v) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (strncasecmp(v, token, n) == 0 &&
		    (v[n] == '\0' || v[n] == ',' || v[n] == ' ' || v[n] == '\t'))
			return true;
		v += strcspn(v, ",");
	}
	return false;
}

static int parse_length(const char *v, uint64_t *out)
{
	uint64_t n = 0;

	if (!*v)
		return -EBADMSG;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -EBADMSG;
		if (n > (UINT64_MAX - 9) / 10)
			n = UINT64_MAX; /* too large for anything: refused as such */
		else
			n = n * 10 + (uint64_t)(*v - '0');
	}
	*out = n;
	return 0;
}

/* RFC 9112 5: field-name ":" OWS field-value OWS. */
static int parse_field(char *line, struct http_head *h, const char **why)
{
	char *colon = strchr(line, ':'), *v, *end;
	size_t i;

	if (*line == ' ' || *line == '\t') {
		*why = "obsolete line folding is not accepted";
		return HTTP_HEAD_BAD;
	}
	if (!colon || colon == line) {
		*why = "a header line is not 'Name: value'";
		return HTTP_HEAD_BAD;
	}
	for (i = 0; line + i < colon; i++)
		if (!is_tchar(line[i])) {
			*why = "a header name is not a token";
			return HTTP_HEAD_BAD;
		}
	*colon = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	for (i = 0; v[i]; i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f) {
			*why = "a header value holds a control character";
			return HTTP_HEAD_BAD;
		}
	if (strcasecmp(line, "Content-Length") == 0) {
		uint64_t n;

		/* RFC 9112 6.3 item 5: differing lengths make the message unusable. */
		if (parse_length(v, &n) || (h->has_length && h->length != n)) {
			*why = "Content-Length is not one decimal number";
			return HTTP_HEAD_BAD;
		}
		h->has_length = true;
		h->length = n;
	} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
		const char *last = strrchr(v, ',');

		last = last ? last + 1 : v;
		while (*last == ' ' || *last == '\t')
			last++;
		h->coded = true;
		h->chunked = strcasecmp(last, "chunked") == 0;
	} else if (strcasecmp(line, "Connection") == 0) {
		if (list_has(v, "close"))
			h->close = true;
	} else if (strcasecmp(line, "Expect") == 0) {
		/* RFC 9110 10.1.1: 100-continue is the only expectation defined. */
		if (strcasecmp(v, "100-continue") == 0)
			h->expect_continue = true;
		else
			h->expect_other = true;
	}
	if (evhttp_add_header(&h->fields, line, v) != 0)
		return -ENOMEM;
	return 0;
}

int http_head_parse(struct buf *b, size_t max_line, unsigned max_fields, struct http_head *h,
		    const char **why)
{
	unsigned n_fields = 0;
	char *line;
	int r;

	memset(h, 0, sizeof(*h));
	TAILQ_INIT(&h->fields);
	*why = "";
	line = malloc(max_line + 1);
	if (!line)
		return -ENOMEM;
	/* RFC 9112 2.2: an empty line before the request line (after a previous body) is
	 * ignored. */
	r = get_line(b, line, max_line);
	if (r == 0 && !*line)
		r = get_line(b, line, max_line);
	if (r == -ENOSPC) {
		*why = "the request line is too long";
		r = HTTP_HEAD_URI_TOO_LONG;
		goto out;
	}
	if (r) {
		*why = "the request line is not CRLF-terminated text";
		r = HTTP_HEAD_BAD;
		goto out;
	}
	r = parse_request_line(line, h, why);
	while (!r) {
		r = get_line(b, line, max_line);
		if (r == -ENOSPC) {
			*why = "a header line is too long";
			r = HTTP_HEAD_FIELDS_TOO_LARGE;
		} else if (r) {
			*why = "a header line is not CRLF-terminated text";
			r = HTTP_HEAD_BAD;
		} else if (!*line) {
			break; /* the end of the head */
		} else if (++n_fields > max_fields) {
			*why = "there are too many header lines";
			r = HTTP_HEAD_FIELDS_TOO_LARGE;
		} else {
			r = parse_field(line, h, why);
		}
	}
	/* RFC 9112 6.3 item 3: both framings at once is how requests are smuggled. */
	if (!r && h->coded && h->has_length) {
		*why = "Content-Length and Transfer-Encoding are both present";
		r = HTTP_HEAD_BAD;
	}
	if (!r && buf_left(b) != 0) {
		*why = "bytes follow the end of the head";
		r = HTTP_HEAD_BAD;
	}
out:
	explicit_bzero(line, max_line + 1);
	free(line);
	if (r)
		http_head_clear(h);
	return r < 0 ? HTTP_HEAD_BAD : r;
}

void http_head_clear(struct http_head *h)
{
	struct evkeyval *kv;

	free(h->target);
	h->target = NULL;
	/* Authorization holds a bearer token. */
	TAILQ_FOREACH(kv, &h->fields, next)
	if (kv->value)
		explicit_bzero(kv->value, strlen(kv->value));
	evhttp_clear_headers(&h->fields);
	TAILQ_INIT(&h->fields);
}
