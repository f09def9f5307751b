/* mbox.c - a mailbox file split into messages, as a stream.
 *
 * The boundary rule is the classic one of mboxo and mboxrd: every line
 * that begins with "From " starts a new message, wherever it is.  Writers
 * (Postfix local, procmail, mutt) quote body lines that would look like
 * that, so the rule is what they rely on, and it counts exactly what
 * `grep -c '^From '` counts.  The stricter "only after an empty line"
 * rule is not used: it would merge messages of archives that lack the
 * blank separator line and make counts disagree with grep.
 *
 * A body line ">From ", ">>From " ... loses one '>' (mboxrd).  In an
 * mboxo file that also turns a genuine ">From " back into "From ", the
 * format's known ambiguity; signed notices are written by mboxrd-style
 * writers or never hold such a line.  The blank line a writer puts after
 * each message is dropped from the message.
 *
 * Memory: one read buffer (chunk size plus a little look-ahead) and the
 * message being collected, which stops growing past max_message: a
 * larger message is skipped to the next "From " line and reported.
 */
#include <string.h>

#include "upki/mbox.h"
#include "mbox-private.h"

#define DEFAULT_CHUNK (256u * 1024)
/* Look-ahead kept beyond a chunk, so that ">>>From " can be judged at a
 * chunk's end; a longer run of '>' is taken as an ordinary line. */
#define LOOKAHEAD 64u
/* GByteArray lengths are guint: the limit when none is configured. */
#define HARD_LIMIT (G_MAXUINT32 / 2)

typedef enum { LINE_NEED_MORE, LINE_PLAIN, LINE_FROM, LINE_QUOTED } line_kind;

struct upki_mbox_reader {
	GInputStream *in;
	gsize max_message;
	gsize chunk;
	char *buf;
	gsize cap, start, end;  /* unread bytes are buf[start..end) */
	guint64 pos;            /* stream offset of buf[start] */
	guint64 read_total;
	gboolean eof;
	gboolean done;
	gboolean at_line_start;
	gboolean in_from_line;  /* the rest of a "From " line is not message data */
	/* the message being collected */
	GByteArray *cur;
	gboolean open;
	gboolean preamble;      /* bytes before the first "From " line */
	gboolean too_large;
	guint64 offset;
};

upki_mbox_reader *upki_mbox_reader_new_chunked(GInputStream *in, gsize max_message, gsize chunk)
{
	upki_mbox_reader *r = g_new0(upki_mbox_reader, 1);

	r->in = g_object_ref(in);
	r->max_message = max_message && max_message < HARD_LIMIT ? max_message : HARD_LIMIT;
	r->chunk = chunk ? chunk : DEFAULT_CHUNK;
	r->cap = r->chunk + LOOKAHEAD + 8;
	r->buf = g_malloc(r->cap);
	r->cur = g_byte_array_new();
	r->at_line_start = TRUE;
	/* Until a "From " line is seen, bytes belong to a preamble at 0. */
	r->open = TRUE;
	r->preamble = TRUE;
	return r;
}

upki_mbox_reader *upki_mbox_reader_new(GInputStream *in, gsize max_message)
{
	return upki_mbox_reader_new_chunked(in, max_message, 0);
}

void upki_mbox_reader_free(upki_mbox_reader *r)
{
	if (!r)
		return;
	g_object_unref(r->in);
	g_byte_array_unref(r->cur);
	g_free(r->buf);
	g_free(r);
}

void upki_mbox_message_clear(upki_mbox_message *msg)
{
	if (!msg)
		return;
	if (msg->data)
		g_bytes_unref(msg->data);
	memset(msg, 0, sizeof *msg);
}

guint64 upki_mbox_reader_tell(const upki_mbox_reader *r)
{
	return r->read_total;
}

/* Reads up to one chunk after moving the unread bytes to the front.
 * FALSE on a read error. */
static gboolean fill(upki_mbox_reader *r, GError **error)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	gsize room = MIN(r->cap - r->end, r->chunk);
	if (room == 0)
		return TRUE;
	gssize n = g_input_stream_read(r->in, r->buf + r->end, room, NULL, error);
	if (n < 0)
		return FALSE;
	if (n == 0)
		r->eof = TRUE;
	r->end += (gsize)n;
	r->read_total += (guint64)n;
	return TRUE;
}

static line_kind classify_line(const char *b, gsize n, gboolean final)
{
	gsize q = 0;

	if (n == 0)
		return final ? LINE_PLAIN : LINE_NEED_MORE;
	if (b[0] != 'F' && b[0] != '>')
		return LINE_PLAIN;
	while (q < n && b[q] == '>')
		q++;
	if (q >= LOOKAHEAD)
		return LINE_PLAIN;
	if (n - q < 5)
		return final ? LINE_PLAIN : LINE_NEED_MORE;
	if (memcmp(b + q, "From ", 5) != 0)
		return LINE_PLAIN;
	return q == 0 ? LINE_FROM : LINE_QUOTED;
}

static void consume(upki_mbox_reader *r, gsize n)
{
	r->start += n;
	r->pos += n;
}

/* Adds message bytes, dropping them all once the message is over the limit. */
static void append(upki_mbox_reader *r, const char *p, gsize n)
{
	if (r->too_large || n == 0)
		return;
	if (r->cur->len + n > r->max_message) {
		r->too_large = TRUE;
		g_byte_array_set_size(r->cur, 0);
		return;
	}
	g_byte_array_append(r->cur, (const guint8 *)p, (guint)n);
}

static gboolean blank(const guint8 *p, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (!g_ascii_isspace(p[i]))
			return FALSE;
	return TRUE;
}

/* The writer's separator: one empty line at the end. */
static gsize without_separator(const guint8 *p, gsize n)
{
	if (n >= 4 && memcmp(p + n - 4, "\r\n\r\n", 4) == 0)
		return n - 2;
	if (n >= 2 && p[n - 1] == '\n' && p[n - 2] == '\n')
		return n - 1;
	return n;
}

/* Hands the collected message to msg (TRUE) unless it is an empty
 * preamble; the collector is left empty either way. */
static gboolean finish(upki_mbox_reader *r, upki_mbox_message *msg)
{
	gboolean emit = r->open && !(r->preamble && !r->too_large && blank(r->cur->data, r->cur->len));

	if (emit) {
		msg->offset = r->offset;
		msg->size = r->pos - r->offset;
		msg->too_large = r->too_large;
		/* One exact copy out: the collector keeps its capacity, so
		 * growing it (realloc, page faults) is paid once, not per message. */
		if (!r->too_large)
			msg->data = g_bytes_new(r->cur->data, without_separator(r->cur->data, r->cur->len));
	}
	g_byte_array_set_size(r->cur, 0);
	r->open = FALSE;
	r->preamble = FALSE;
	r->too_large = FALSE;
	return emit;
}

static void begin(upki_mbox_reader *r)
{
	r->open = TRUE;
	r->offset = r->pos;
	r->in_from_line = TRUE;
	r->at_line_start = FALSE;
}

/* Length of the bytes from buf[start] that hold no line start worth a
 * look: up to and including a '\n' followed by 'F' or '>', or all of
 * them.  Sets at_line_start when the span ends at a line start. */
static gsize plain_span(upki_mbox_reader *r, gboolean to_line_end)
{
	const char *b = r->buf + r->start;
	gsize n = r->end - r->start, i = 0;

	for (;;) {
		const char *nl = memchr(b + i, '\n', n - i);
		if (!nl)
			return n;
		i = (gsize)(nl - b) + 1;
		if (to_line_end || i == n || b[i] == 'F' || b[i] == '>') {
			r->at_line_start = TRUE;
			return i;
		}
	}
}

/* Works through one line start.  Returns TRUE when a message boundary
 * was reached and a message was handed out. */
static gboolean line_start(upki_mbox_reader *r, line_kind k, upki_mbox_message *msg)
{
	r->at_line_start = FALSE;
	if (k == LINE_QUOTED) {
		consume(r, 1);
		return FALSE;
	}
	if (k != LINE_FROM)
		return FALSE;
	gboolean emitted = finish(r, msg);
	begin(r);
	return emitted;
}

gboolean upki_mbox_reader_next(upki_mbox_reader *r, upki_mbox_message *msg, GError **error)
{
	memset(msg, 0, sizeof *msg);
	while (!r->done) {
		gsize avail = r->end - r->start;
		if (avail == 0 && r->eof) {
			r->done = TRUE;
			return finish(r, msg);
		}
		if (r->at_line_start) {
			/* A full buffer cannot grow: judge what it holds. */
			gboolean final = r->eof || (r->start == 0 && r->end == r->cap);
			line_kind k = classify_line(r->buf + r->start, avail, final);
			if (k == LINE_NEED_MORE) {
				if (!fill(r, error))
					return FALSE;
				continue;
			}
			if (line_start(r, k, msg))
				return TRUE;
			continue;
		}
		if (avail == 0) {
			if (!fill(r, error))
				return FALSE;
			continue;
		}
		gsize n = plain_span(r, r->in_from_line);
		if (r->in_from_line)
			r->in_from_line = !r->at_line_start;
		else
			append(r, r->buf + r->start, n);
		consume(r, n);
	}
	return FALSE;
}

/* "From " sender date: the sender a word, the rest holding a digit, as
 * every writer's envelope line does ("From MAILER-DAEMON Fri Jul  8
 * 12:08:34 2011", Thunderbird's "From - Mon ..."). */
gboolean upki_mbox_looks_like(const char *buf, gsize len)
{
	const char *nl = NULL, *end = NULL, *p = NULL;

	if (!buf || len < 5 || memcmp(buf, "From ", 5) != 0)
		return FALSE;
	nl = memchr(buf, '\n', len);
	end = nl ? nl : buf + len;
	p = buf + 5;
	if (p >= end || *p == ' ' || *p == '\t')
		return FALSE;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	for (; p < end; p++)
		if (g_ascii_isdigit(*p))
			return TRUE;
	return FALSE;
}
