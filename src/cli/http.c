/* SPDX-License-Identifier: MIT */
/*
 * http: one request per connection ("Connection: close"), blocking, over TCP or a Unix socket.
 * The answer is untrusted input: it is parsed through struct buf views with every length bounded
 * (RFC 9112 2-7: status line, fields, Content-Length, chunked coding; 1xx answers skipped).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/http.h"
#include "lib/buf.h"

#define HTTP_TIMEOUT_SECONDS 60
#define HTTP_MAX_INTERIM     8
#define HTTP_REPARSE_BYTES   (16u * 1024)

/* ---- endpoints ----------------------------------------------------------------------------- */

int http_endpoint_parse(struct http_endpoint *ep, const char *url)
{
	static const char scheme[] = "http://";
	const char *p, *end, *colon;
	size_t hostlen;

	memset(ep, 0, sizeof(*ep));
	if (strncasecmp(url, scheme, sizeof(scheme) - 1) != 0)
		return -EINVAL;
	p = url + sizeof(scheme) - 1;
	end = p + strcspn(p, "/?#");
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (!close)
			return -EINVAL;
		hostlen = (size_t)(close - p - 1);
		if (hostlen == 0 || hostlen >= sizeof(ep->host))
			return -EINVAL;
		memcpy(ep->host, p + 1, hostlen);
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
		if (!colon && close + 1 != end)
			return -EINVAL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		hostlen = (size_t)((colon ? colon : end) - p);
		if (hostlen == 0 || hostlen >= sizeof(ep->host))
			return -EINVAL;
		memcpy(ep->host, p, hostlen);
	}
	if (colon) {
		size_t plen = (size_t)(end - colon - 1), i;
		long port;

		if (plen == 0 || plen > 5)
			return -EINVAL;
		for (i = 0; i < plen; i++)
			if (colon[1 + i] < '0' || colon[1 + i] > '9')
				return -EINVAL;
		memcpy(ep->port, colon + 1, plen);
		port = strtol(ep->port, NULL, 10);
		if (port < 1 || port > 65535)
			return -EINVAL;
	} else {
		strcpy(ep->port, "80");
	}
	if (*end == '/') {
		size_t plen = strcspn(end, "?#");

		/* "http://h:p/" is no prefix; "http://h:p/api/" is "/api". */
		while (plen > 0 && end[plen - 1] == '/')
			plen--;
		if (plen >= sizeof(ep->prefix))
			return -EINVAL;
		memcpy(ep->prefix, end, plen);
	} else if (*end) {
		return -EINVAL;
	}
	return 0;
}

void http_endpoint_unix(struct http_endpoint *ep, const char *path)
{
	memset(ep, 0, sizeof(*ep));
	ep->is_unix = true;
	snprintf(ep->sock_path, sizeof(ep->sock_path), "%s", path);
	strcpy(ep->host, "localhost");
}

/* ---- the answer parser --------------------------------------------------------------------- */

/*
 * The next line of b, without its terminator (CRLF, or a lone LF which RFC 9112 2.2 lets a
 * recipient accept), copied NUL-terminated into line[HTTP_MAX_LINE_BYTES + 1]. 0, -EAGAIN when no
 * terminator has arrived yet, -EBADMSG when the line is too long or holds NUL or a bare CR.
 */
static int get_line(struct buf *b, char *line)
{
	size_t left = buf_left(b), i, n;
	bool found = false;
	uint8_t c = 0;

	for (i = 0; i < left && i <= HTTP_MAX_LINE_BYTES; i++) {
		if (buf_peek_u8(b, i, &c))
			return -EBADMSG;
		if (c == '\n') {
			found = true;
			break;
		}
	}
	if (!found)
		return i > HTTP_MAX_LINE_BYTES ? -EBADMSG : -EAGAIN;
	n = i;
	if (buf_get_bytes(b, line, n) || buf_skip(b, 1))
		return -EBADMSG;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	/* A NUL or a CR inside a line is not HTTP (RFC 9112 2.2: bare CR is invalid). */
	if (strlen(line) != n || memchr(line, '\r', n))
		return -EBADMSG;
	return 0;
}

/* RFC 9112 4: "HTTP/1.x SP 3DIGIT SP [reason]". */
static int parse_status_line(const char *line, int *status)
{
	if (strncmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' || line[7] > '9' || line[8] != ' ')
		return -EBADMSG;
	if (line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' || line[11] < '0' ||
	    line[11] > '9')
		return -EBADMSG;
	if (line[12] != ' ' && line[12] != '\0')
		return -EBADMSG;
	*status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	return 0;
}

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

struct head {
	int status;
	bool chunked;
	bool has_length;
	size_t length;
	char *etag;
	char *content_type;
	int retry_after;
};

static void head_clear(struct head *h)
{
	free(h->etag);
	free(h->content_type);
	memset(h, 0, sizeof(*h));
	h->retry_after = -1;
}

static int parse_content_length(const char *v, size_t *out)
{
	size_t n = 0;

	if (!*v)
		return -EBADMSG;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -EBADMSG;
		if (n > (HTTP_MAX_BODY_BYTES - (size_t)(*v - '0')) / 10)
			return -EBADMSG;
		n = n * 10 + (size_t)(*v - '0');
	}
	*out = n;
	return 0;
}

/* RFC 9112 5: field-name ":" OWS field-value OWS; obs-fold is refused (5.2). */
static int parse_field(char *line, struct head *h)
{
	char *colon = strchr(line, ':'), *v, *end;
	size_t i;

	if (!colon || colon == line)
		return -EBADMSG;
	for (i = 0; line + i < colon; i++)
		if (!is_tchar(line[i]))
			return -EBADMSG;
	*colon = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	for (i = 0; v[i]; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			return -EBADMSG;

	if (strcasecmp(line, "content-length") == 0) {
		size_t n;

		if (parse_content_length(v, &n))
			return -EBADMSG;
		/* RFC 9112 6.3 item 5: differing lengths make the message unusable. */
		if (h->has_length && h->length != n)
			return -EBADMSG;
		h->has_length = true;
		h->length = n;
	} else if (strcasecmp(line, "transfer-encoding") == 0) {
		const char *last = strrchr(v, ',');

		last = last ? last + 1 : v;
		while (*last == ' ' || *last == '\t')
			last++;
		h->chunked = strcasecmp(last, "chunked") == 0;
	} else if (strcasecmp(line, "etag") == 0 && !h->etag) {
		h->etag = strdup(v);
		if (!h->etag)
			return -ENOMEM;
	} else if (strcasecmp(line, "retry-after") == 0) {
		size_t n;

		/* RFC 9110 10.2.3: delay-seconds (an HTTP-date is not waited for). */
		if (parse_content_length(v, &n) == 0 && n <= 3600)
			h->retry_after = (int)n;
	} else if (strcasecmp(line, "content-type") == 0 && !h->content_type) {
		h->content_type = strdup(v);
		if (!h->content_type)
			return -ENOMEM;
	}
	return 0;
}

/* Status line and fields up to the empty line. */
static int parse_head(struct buf *b, char *line, struct head *h)
{
	size_t start = buf_head_pos(b);
	int rc;

	rc = get_line(b, line);
	if (rc)
		return rc;
	rc = parse_status_line(line, &h->status);
	if (rc)
		return rc;
	for (;;) {
		rc = get_line(b, line);
		if (rc)
			return rc;
		if (buf_head_pos(b) - start > HTTP_MAX_HEADER_BYTES)
			return -EBADMSG;
		if (!*line)
			return 0;
		if (*line == ' ' || *line == '\t')
			return -EBADMSG;
		rc = parse_field(line, h);
		if (rc)
			return rc;
	}
}

/* The room kept for a body of len bytes and its NUL: powers of two, so appends stay linear. */
static size_t body_room(size_t len)
{
	size_t room = 4096;

	while (room < len + 1)
		room *= 2;
	return room;
}

static int body_append(struct http_response *resp, struct buf *src, size_t n)
{
	uint8_t *p = resp->body;

	if (n > HTTP_MAX_BODY_BYTES - resp->body_len)
		return -EBADMSG;
	/* Chunked answers come in many small pieces: grow by doubling, not by each piece. */
	if (!p || body_room(resp->body_len + n) != body_room(resp->body_len)) {
		p = realloc(resp->body, body_room(resp->body_len + n));
		if (!p)
			return -ENOMEM;
		resp->body = p;
	}
	if (buf_get_bytes(src, p + resp->body_len, n))
		return -EBADMSG;
	resp->body_len += n;
	p[resp->body_len] = '\0';
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 9112 7.1: chunk-size [chunk-ext] CRLF chunk-data CRLF ... last-chunk trailer CRLF. */
/*
 * What a parse that needs more bytes knows: how many in all before it is worth trying again, and
 * whether that is the exact end of the answer (Content-Length) or only progress (a chunk's end).
 */
struct hint {
	size_t need;
	bool exact;
};

static int parse_chunked(struct buf *b, char *line, struct http_response *resp, struct hint *hint)
{
	for (;;) {
		size_t size = 0, i;
		int rc = get_line(b, line);

		if (rc)
			return rc;
		for (i = 0; hexval(line[i]) >= 0; i++) {
			if (size > (HTTP_MAX_BODY_BYTES >> 4))
				return -EBADMSG;
			size = size * 16 + (size_t)hexval(line[i]);
		}
		if (i == 0 || (line[i] && line[i] != ';' && line[i] != ' ' && line[i] != '\t'))
			return -EBADMSG;
		if (size == 0)
			break;
		if (size > HTTP_MAX_BODY_BYTES - resp->body_len)
			return -EBADMSG;
		if (buf_left(b) < size + 2) {
			hint->need = buf_head_pos(b) + size + 2;
			return -EAGAIN;
		}
		rc = body_append(resp, b, size);
		if (rc)
			return rc;
		rc = get_line(b, line);
		if (rc)
			return rc;
		if (*line)
			return -EBADMSG;
	}
	/* Trailer fields are ignored up to the final empty line. */
	for (;;) {
		int rc = get_line(b, line);

		if (rc)
			return rc;
		if (!*line)
			return 0;
	}
}

static int parse_once(struct buf *b, char *line, bool eof, struct http_response *resp,
		      struct hint *hint)
{
	struct head h = {.retry_after = -1};
	int interim, rc;

	/* Interim 1xx answers carry no body (RFC 9110 15.2): skip them. */
	for (interim = 0;; interim++) {
		head_clear(&h);
		rc = parse_head(b, line, &h);
		if (rc)
			goto out;
		if (h.status >= 200)
			break;
		if (interim == HTTP_MAX_INTERIM) {
			rc = -EBADMSG;
			goto out;
		}
	}
	resp->status = h.status;
	resp->body = calloc(1, body_room(0));
	if (!resp->body) {
		rc = -ENOMEM;
		goto out;
	}
	if (h.status == 204 || h.status == 304) {
		rc = 0;
	} else if (h.chunked) {
		rc = parse_chunked(b, line, resp, hint);
	} else if (h.has_length) {
		if (h.length > HTTP_MAX_BODY_BYTES) {
			rc = -EBADMSG;
		} else if (buf_left(b) < h.length) {
			hint->need = buf_head_pos(b) + h.length;
			hint->exact = true;
			rc = -EAGAIN;
		} else {
			rc = body_append(resp, b, h.length);
		}
	} else if (!eof) {
		rc = -EAGAIN; /* the body runs to the end of the connection */
	} else {
		rc = body_append(resp, b, buf_left(b));
	}
	if (rc == 0) {
		resp->etag = h.etag;
		resp->retry_after = h.retry_after;
		resp->content_type = h.content_type;
		h.etag = h.content_type = NULL;
	}
out:
	head_clear(&h);
	return rc;
}

static int parse_hint(const uint8_t *data, size_t len, bool eof, struct http_response *resp,
		      struct hint *hint)
{
	char *line = malloc(HTTP_MAX_LINE_BYTES + 1);
	struct buf b;
	int rc;

	memset(resp, 0, sizeof(*resp));
	if (!line)
		return -ENOMEM;
	hint->need = len + 1;
	hint->exact = false;
	buf_init_read(&b, data, len);
	rc = parse_once(&b, line, eof, resp, hint);
	free(line);
	if (rc)
		http_response_clear(resp);
	/* At the end of the connection, an answer still incomplete is truncated: malformed. */
	if (rc == -EAGAIN && eof)
		rc = -EBADMSG;
	return rc;
}

int http_response_parse(const uint8_t *data, size_t len, bool eof, struct http_response *resp)
{
	struct hint hint;

	return parse_hint(data, len, eof, resp, &hint);
}

void http_response_clear(struct http_response *resp)
{
	free(resp->etag);
	free(resp->content_type);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

/* ---- the exchange -------------------------------------------------------------------------- */

static int connect_endpoint(const struct http_endpoint *ep, char *err, size_t errlen)
{
	struct timeval tv = {.tv_sec = HTTP_TIMEOUT_SECONDS};
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *ai;
	int fd = -1, saved = 0, rc;

	if (ep->is_unix) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};

		if (strlen(ep->sock_path) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "socket path too long: %s", ep->sock_path);
			return -ENAMETOOLONG;
		}
		strcpy(sun.sun_path, ep->sock_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto fail;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		saved = errno;
		close(fd);
		snprintf(err, errlen, "cannot connect to %s: %s", ep->sock_path, strerror(saved));
		return -saved;
	}
	rc = getaddrinfo(ep->host, ep->port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "cannot resolve %s: %s", ep->host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		/* SO_SNDTIMEO also bounds connect(2) on Linux. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
fail:
	if (!saved)
		saved = errno ? errno : ECONNREFUSED;
	snprintf(err, errlen, "cannot connect to %s port %s: %s", ep->host, ep->port,
		 strerror(saved));
	return -saved;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool header_value_ok(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

static char *request_text(const struct http_endpoint *ep, const struct http_request *req,
			  size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	bool v6 = strchr(ep->host, ':') != NULL;

	if (!f)
		return NULL;
	fprintf(f, "%s %s%s HTTP/1.1\r\n", req->method, ep->prefix, req->target);
	if (ep->is_unix || !strcmp(ep->port, "80"))
		fprintf(f, v6 ? "Host: [%s]\r\n" : "Host: %s\r\n", ep->host);
	else
		fprintf(f, v6 ? "Host: [%s]:%s\r\n" : "Host: %s:%s\r\n", ep->host, ep->port);
	fprintf(f, "User-Agent: vnetgw/0.1.0\r\nAccept: application/json\r\nConnection: close\r\n");
	if (req->token)
		fprintf(f, "Authorization: Bearer %s\r\n", req->token);
	if (req->if_match)
		fprintf(f, "If-Match: %s\r\n", req->if_match);
	if (req->body)
		fprintf(f, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			req->body_len);
	else if (!strcmp(req->method, "POST") || !strcmp(req->method, "PUT") ||
		 !strcmp(req->method, "PATCH"))
		fprintf(f, "Content-Length: 0\r\n\r\n");
	else
		fprintf(f, "\r\n");
	if (req->body)
		fwrite(req->body, 1, req->body_len, f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int http_exchange(const struct http_endpoint *ep, const struct http_request *req,
		  struct http_response *resp, char *err, size_t errlen)
{
	struct hint hint = {.need = 1};
	size_t textlen, len = 0, cap = 0;
	uint8_t *data = NULL;
	char *text = NULL;
	bool eof = false;
	int fd, rc;

	memset(resp, 0, sizeof(*resp));
	if ((req->token && !header_value_ok(req->token)) ||
	    (req->if_match && !header_value_ok(req->if_match))) {
		snprintf(err, errlen, "the token or etag holds control characters");
		return -EINVAL;
	}
	fd = connect_endpoint(ep, err, errlen);
	if (fd < 0)
		return fd;
	text = request_text(ep, req, &textlen);
	if (!text) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = send_all(fd, text, textlen);
	if (rc) {
		snprintf(err, errlen, "cannot send the request: %s", strerror(-rc));
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16384;
			uint8_t *p;

			/* Room for the largest body, its framing and the header section. */
			if (cap >= 2 * (size_t)HTTP_MAX_BODY_BYTES) {
				rc = -EBADMSG;
				snprintf(err, errlen, "the answer is too large");
				goto out;
			}
			p = realloc(data, ncap);
			if (!p) {
				rc = -ENOMEM;
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			data = p;
			cap = ncap;
		}
		n = recv(fd, data + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s",
				 errno == EAGAIN ? "no answer from the server (timed out)"
						 : strerror(errno));
			goto out;
		}
		len += (size_t)n;
		eof = n == 0;
		if (!eof && len < hint.need)
			continue;
		rc = parse_hint(data, len, eof, resp, &hint);
		if (rc != -EAGAIN)
			break;
		/*
		 * Each try parses from the start, so a large answer whose end is not known yet
		 * (chunked, or cut in its head) is tried again only once it grew by a quarter:
		 * many small chunks cannot make reading quadratic. The server's close (we sent
		 * "Connection: close") still ends the wait.
		 */
		if (!hint.exact && len > HTTP_REPARSE_BYTES && hint.need < len + len / 4)
			hint.need = len + len / 4;
	}
	if (rc == -EBADMSG)
		snprintf(err, errlen, "malformed HTTP answer from the server");
	else if (rc)
		snprintf(err, errlen, "%s", strerror(-rc));
out:
	close(fd);
	free(text);
	free(data);
	return rc;
}
