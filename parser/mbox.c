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
 * Speed: a message is handed out where it lies in the read buffer, not
 * copied; only a message with ">From " lines gets one copy (unquoted).
 * Boundaries are found with a 16-bytes-at-a-time search for a '\n'
 * followed by 'F' or '>', so ordinary lines cost no call at all.
 *
 * Memory: one read buffer, which holds the message being read and one
 * chunk; it grows with the message up to max_message (plus its quoted
 * '>'s), and a larger message is let go as it is read, skipped to the
 * next "From " line and reported.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "linescan-private.h"
#include "upki/mbox.h"
#include "mbox-private.h"

/* Bytes read at a time: big enough that moving the message cut by the
 * end of a read to the front (one partial message per read) costs
 * little next to the read. */
#define DEFAULT_CHUNK (1024u * 1024)
/* Longest run of '>' before "From " taken as a quoted line; a longer
 * run is an ordinary line (so a line can always be judged from the
 * LOOKAHEAD + 5 bytes at its start). */
#define LOOKAHEAD 64u
/* Message lengths fit a guint: the limit when none is configured. */
#define HARD_LIMIT (G_MAXUINT32 / 2)

typedef enum { LINE_NEED_MORE, LINE_PLAIN, LINE_FROM, LINE_QUOTED } line_kind;

struct upki_mbox_reader {
	GInputStream *in;
	gsize max_message;
	gsize chunk;
	char *buf;
	gsize cap, end;         /* buf[0..end) holds stream bytes */
	guint64 base;           /* stream offset of buf[0] */
	gsize pos;              /* every line start before buf[pos] is dealt with */
	guint64 read_total;
	guint64 limit;          /* bytes the reader may read (a range), or G_MAXUINT64 */
	gboolean eof;
	gboolean done;
	gboolean at_line_start; /* buf[pos] starts a line not yet judged */
	GByteArray *unquoted;   /* the last message handed out, when it needed unquoting */
	/* the message being read */
	gboolean open;
	gboolean preamble;      /* bytes before the first "From " line */
	gboolean in_from_line;  /* the rest of a "From " line is not message data */
	gboolean too_large;
	guint64 offset;         /* stream offset of its "From " line */
	gsize data;             /* where its data starts in buf (unless too large) */
	guint64 dropped;        /* data let go (too large): bytes */
	guint64 quoted;         /* ">From " lines in its data so far */
};

static upki_mbox_reader *reader_new(GInputStream *in, gsize max_message, gsize chunk, guint64 start,
				     guint64 end)
{
	upki_mbox_reader *r = g_new0(upki_mbox_reader, 1);

	r->in = g_object_ref(in);
	r->base = start;
	r->offset = start;
	r->limit = end - start;
	r->max_message = max_message && max_message < HARD_LIMIT ? max_message : HARD_LIMIT;
	r->chunk = chunk ? chunk : DEFAULT_CHUNK;
	r->cap = r->chunk + LOOKAHEAD + 8;
	r->buf = g_malloc(r->cap);
	r->unquoted = g_byte_array_new();
	r->at_line_start = TRUE;
	/* Until a "From " line is seen, bytes belong to a preamble at 0. */
	r->open = TRUE;
	r->preamble = TRUE;
	return r;
}

upki_mbox_reader *upki_mbox_reader_new_chunked(GInputStream *in, gsize max_message, gsize chunk)
{
	return reader_new(in, max_message, chunk, 0, G_MAXUINT64);
}

upki_mbox_reader *upki_mbox_reader_new(GInputStream *in, gsize max_message)
{
	return reader_new(in, max_message, 0, 0, G_MAXUINT64);
}

upki_mbox_reader *upki_mbox_reader_new_range(GInputStream *in, gsize max_message, guint64 start, guint64 end)
{
	return reader_new(in, max_message, 0, start, MAX(start, end));
}

void upki_mbox_reader_free(upki_mbox_reader *r)
{
	if (!r)
		return;
	g_object_unref(r->in);
	g_byte_array_unref(r->unquoted);
	g_free(r->buf);
	g_free(r);
}

void upki_mbox_message_clear(upki_mbox_message *msg)
{
	if (msg)
		memset(msg, 0, sizeof *msg);
}

guint64 upki_mbox_reader_tell(const upki_mbox_reader *r)
{
	return r->read_total;
}

/* ---- finding line starts ---- */

/* The first '\n' in b[from..end) that ends the buffer or is followed by
 * 'F' or '>' (a line that may be a boundary or quoted), or end. */
static gsize next_line_of_interest(const char *b, gsize from, gsize end)
{
	return upki_linescan_find(b, from, end, 'F', '>');
}

/* ---- reading ---- */

/* Unquoted data bytes of the current message up to buf[upto]. */
static guint64 data_so_far(const upki_mbox_reader *r, gsize upto)
{
	return r->dropped + (upto - r->data) - r->quoted;
}

/* Lets go of what is no longer needed (a too-large message's data, the
 * rest of a "From " line), then moves the bytes still needed to the
 * front and reads up to one chunk.  FALSE on a read error. */
static gboolean fill(upki_mbox_reader *r, GError **error)
{
	gboolean keep_data = r->open && !r->in_from_line && !r->too_large;
	gsize keep = keep_data ? r->data : r->pos;

	if (keep_data && data_so_far(r, r->pos) > r->max_message) {
		r->too_large = TRUE;
		keep = r->pos;
	}
	if (r->too_large)
		r->dropped += r->pos - r->data;
	memmove(r->buf, r->buf + keep, r->end - keep);
	r->base += keep;
	r->end -= keep;
	r->pos -= keep;
	r->data = r->data > keep ? r->data - keep : 0;
	if (r->cap - r->end < r->chunk) {
		r->cap = MAX(r->cap * 2, r->end + r->chunk + LOOKAHEAD);
		r->buf = g_realloc(r->buf, r->cap);
	}
	gsize want = (gsize)MIN((guint64)r->chunk, r->limit - r->read_total);
	gssize n = want ? g_input_stream_read(r->in, r->buf + r->end, want, NULL, error) : 0;
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

static gboolean blank(const char *p, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (!g_ascii_isspace(p[i]))
			return FALSE;
	return TRUE;
}

/* The writer's separator: one empty line at the end. */
static gsize without_separator(const char *p, gsize n)
{
	if (n >= 4 && memcmp(p + n - 4, "\r\n\r\n", 4) == 0)
		return n - 2;
	if (n >= 2 && p[n - 1] == '\n' && p[n - 2] == '\n')
		return n - 1;
	return n;
}

/* p[0..n) without one '>' on each quoted line, into out: the lines are
 * judged as the reading did (the message ends at a line start, so its
 * last line is final). */
static void unquote(const char *p, gsize n, GByteArray *out)
{
	gsize i = 0;

	g_byte_array_set_size(out, 0);
	while (i < n) {
		if (classify_line(p + i, n - i, TRUE) == LINE_QUOTED)
			i++;
		const char *nl = memchr(p + i, '\n', n - i);
		gsize line = nl ? (gsize)(nl - (p + i)) + 1 : n - i;
		g_byte_array_append(out, (const guint8 *)p + i, (guint)line);
		i += line;
	}
}

/* Hands the message that ends at buf[boundary] to msg (TRUE) unless it
 * is an empty preamble.  msg->data points into the buffer, or into the
 * unquoted copy. */
static gboolean finish(upki_mbox_reader *r, gsize boundary, upki_mbox_message *msg)
{
	const char *data = NULL;
	gsize len = 0;

	if (!r->open)
		return FALSE;
	r->open = FALSE;
	if (!r->in_from_line && !r->too_large) {
		r->too_large = data_so_far(r, boundary) > r->max_message;
		data = r->buf + r->data;
		len = boundary - r->data;
	}
	if (!r->too_large && r->quoted) {
		unquote(data, len, r->unquoted);
		data = (const char *)r->unquoted->data;
		len = r->unquoted->len;
	}
	if (r->preamble && !r->too_large && blank(data, len))
		return FALSE;
	msg->offset = r->offset;
	msg->size = r->base + boundary - r->offset;
	msg->too_large = r->too_large;
	if (!r->too_large) {
		msg->data = data ? data : "";
		msg->len = without_separator(data, len);
	}
	return TRUE;
}

static void begin(upki_mbox_reader *r)
{
	r->open = TRUE;
	r->preamble = FALSE;
	r->too_large = FALSE;
	r->offset = r->base + r->pos;
	r->in_from_line = TRUE;
	r->dropped = 0;
	r->quoted = 0;
}

/* Judges the line at buf[pos].  Returns TRUE when it ended a message
 * that was handed out; *more when it needs bytes not read yet. */
static gboolean line_start(upki_mbox_reader *r, upki_mbox_message *msg, gboolean *more)
{
	line_kind k = classify_line(r->buf + r->pos, r->end - r->pos, r->eof);
	gboolean emitted = FALSE;

	*more = k == LINE_NEED_MORE;
	if (*more)
		return FALSE;
	r->at_line_start = FALSE;
	if (k == LINE_QUOTED)
		r->quoted++;
	if (k != LINE_FROM)
		return FALSE;
	emitted = finish(r, r->pos, msg);
	begin(r);
	return emitted;
}

/* Moves pos over bytes that start no line worth judging. */
static void skip_plain(upki_mbox_reader *r)
{
	if (r->in_from_line) {
		const char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
		if (!nl) {
			r->pos = r->end;
			return;
		}
		r->pos = (gsize)(nl - r->buf) + 1;
		r->in_from_line = FALSE;
		r->data = r->pos;
		r->at_line_start = TRUE;
		return;
	}
	gsize nl = next_line_of_interest(r->buf, r->pos, r->end);
	r->pos = nl < r->end ? nl + 1 : r->end;
	r->at_line_start = nl < r->end;
}

gboolean upki_mbox_reader_next(upki_mbox_reader *r, upki_mbox_message *msg, GError **error)
{
	memset(msg, 0, sizeof *msg);
	while (!r->done) {
		gboolean more = r->pos == r->end;
		if (r->at_line_start && !more && line_start(r, msg, &more))
			return TRUE;
		if (more && r->eof) {
			r->done = TRUE;
			return finish(r, r->end, msg);
		}
		if (more && !fill(r, error))
			return FALSE;
		if (!more && !r->at_line_start)
			skip_plain(r);
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

/* ---- boundaries of a file, for splitting it ---- */

/* Looking for one boundary reads little: messages are short. */
#define SEARCH_CHUNK (16u * 1024)

/* pread() of up to len bytes at off, whole unless the file ends. */
static gssize pread_full(int fd, char *buf, gsize len, guint64 off, GError **error)
{
	gsize got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s", g_strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		got += (gsize)n;
	}
	return (gssize)got;
}

/* A boundary is a "From " at 0 or after '\n'.  Reads are chunks
 * overlapping by 5 bytes, so that a "\nFrom " cut by a chunk's end is
 * seen whole in the next. */
gboolean upki_mbox_find_boundary(int fd, guint64 from, guint64 size, guint64 *at, GError **error)
{
	char *buf = g_malloc(SEARCH_CHUNK + 1);
	guint64 off = from ? from - 1 : 0; /* the '\n' before from, if any */
	gboolean ok = TRUE, found = FALSE;

	*at = size;
	if (from == 0 && size >= 5) {
		gssize n = pread_full(fd, buf, 5, 0, error);
		ok = n >= 0;
		found = n == 5 && memcmp(buf, "From ", 5) == 0;
		if (found)
			*at = 0;
	}
	while (ok && !found && off < size) {
		gssize n = pread_full(fd, buf, (gsize)MIN((guint64)SEARCH_CHUNK, size - off), off, error);
		gsize len = n > 0 ? (gsize)n : 0, i = 0;
		ok = n >= 0;
		for (; ok && !found && (i = next_line_of_interest(buf, i, len)) + 6 <= len; i++) {
			found = memcmp(buf + i + 1, "From ", 5) == 0;
			if (found)
				*at = off + i + 1;
		}
		if (len < 6 || off + len >= size)
			break;
		off += len - 5;
	}
	g_free(buf);
	return ok;
}
