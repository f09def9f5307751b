/* source.c - one input of a batch scan, message by message: the input
 * side, called by split.c; it calls libupki for each message and the
 * output side (format.c, out.c, spool.c, progress.c, msg.c, code.c).
 *
 * An input is standard input (always one message), a Maildir file (one
 * message), or a file that is sniffed: gzip (magic bytes or a .gz name)
 * is decompressed as a stream, then an mbox "From " line at the start
 * makes it an mbox, anything else is one message.  Reading is bounded:
 * a single message is read up to MaxMessageSize (+1 to tell "over"), an
 * mbox goes through mbox.c, which never holds more than one message.
 *
 * The verdict of each message is libupki's.  Most archived mail cannot
 * be a notice, and most of its bytes are bodies and attachments, so a
 * message in an mbox or found by a directory walk is first looked at
 * cheaply (libupki's prefilter, upki_notice_analyze_prefiltered()) and
 * only possible notices go through the whole pipeline; a message file
 * named on the command line, or stdin, always goes the whole way.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upki/mbox.h"
#include "batch.h"
#include "format.h"
#include "ledger.h"
#include "msg.h"
#include "spool.h"

#define SNIFF_BYTES 1024
#define READ_CHUNK (64 * 1024)

typedef struct source {
	const scan_run *r;
	const scan_input *in;
	part_out *out;
	scan_counts *c;
	GString *lines;
	gsize index_at;     /* local: where the index is in lines (NO_INDEX: none) */
	gsize at_notice;    /* local: where a notice line has its index */
	gsize at_error;     /* ... an error line */
	gsize at_stderr;    /* ... a line on stderr */
	GSeekable *file;    /* compressed input: the file itself, for progress */
	guint64 base;       /* where a part of a split mbox starts (its reader counts from there) */
	guint64 reported;   /* bytes of this input already added to the progress */
} source;

static void report_progress(source *src, guint64 pos)
{
	if (pos > src->reported) {
		progress_add_bytes(src->r->progress, pos - src->reported);
		src->reported = pos;
	}
	progress_poll(src->r->progress);
}

/* A message that has no verdict: an {source,index,offset,error} line
 * (JSON only) and a line on stderr naming where it is.  The exit status
 * says input error, or internal error when the library failed (err, if
 * given, tells). */
static void emit_error_as(source *src, const upki_report_where *w, gboolean in_mbox, const char *msg,
			  const GError *err)
{
	const scan_ctx *ctx = src->r->ctx;
	char *line = scan_format_stderr_line(w, in_mbox, msg);
	gsize before = src->lines->len;

	if (src->out->local) {
		GString *rec = g_string_new(line);
		out_buf_add(&src->out->errors, rec, in_mbox ? src->at_stderr : NO_INDEX);
		g_string_free(rec, TRUE);
	} else {
		scan_msg_text(line);
	}
	g_free(line);
	scan_code_note(ctx->code, g_error_matches(err, UPKI_ERROR, UPKI_ERROR_INTERNAL) ? EXIT_INTERNAL : EXIT_INPUT);
	src->c->errors++;
	scan_format_error(ctx, w, msg, src->lines);
	if (src->lines->len > before)
		src->index_at = src->at_error;
}

static void emit_error(source *src, const upki_report_where *w, gboolean in_mbox, const char *msg)
{
	emit_error_as(src, w, in_mbox, msg, NULL);
}

/* TRUE when n was kept (a spool job that waits for the part's index). */
static gboolean emit_notice(source *src, upki_notice *n, const upki_report_where *w)
{
	const scan_ctx *ctx = src->r->ctx;
	gboolean kept = src->out->local && scan_spool_wanted(ctx, n);

	src->c->verdicts[n->verdict][n->kind]++;
	if (ctx->a->check)
		scan_code_note(ctx->code, scan_code_of_verdict(n->verdict));
	if (!kept)
		scan_spool_notice(ctx, n, w);
	/* The ledger keys on the byte offset, not the index: nothing to wait for. */
	scan_ledger_notice(ctx, n, w);
	scan_format_notice(ctx, n, w, src->lines);
	src->index_at = src->at_notice;
	if (kept)
		part_out_defer_job(src->out, n, w);
	return kept;
}

/* The lines of the message just scanned, to the part's output. */
static void flush_lines(source *src)
{
	out_buf_add(&src->out->lines, src->lines, src->index_at);
	src->index_at = NO_INDEX;
}

static void scan_message(source *src, const char *buf, gsize len, const upki_report_where *w,
			 gboolean in_mbox)
{
	GError *err = NULL;
	/* One message named on the command line (or stdin) is worth the
	 * whole pipeline: it costs little and sees what the quick look cannot. */
	const upki_prefilter *pf = in_mbox || !src->in->named ? src->r->pf : NULL;
	upki_notice *n = upki_notice_analyze_prefiltered(pf, buf, len, &src->r->ctx->opts, &err);

	src->c->messages++;
	/* Shared counters only for a progress line: with -j they are
	 * cache lines that every thread would write per message. */
	if (progress_shown(src->r->progress))
		progress_add_message(src->r->progress);
	if (n && emit_notice(src, n, w))
		n = NULL;
	else if (!n)
		emit_error_as(src, w, in_mbox, err ? err->message : "no verdict", err);
	upki_notice_free(n);
	g_clear_error(&err);
	flush_lines(src);
}

/* Scans the messages of r, numbering them from index (not 0 for a part
 * of an mbox split with -j); frees r. */
static void scan_mbox_reader(source *src, upki_mbox_reader *r, guint64 index)
{
	const scan_ctx *ctx = src->r->ctx;
	upki_mbox_message m = { 0 };
	GError *err = NULL;

	for (; upki_mbox_reader_next(r, &m, &err); index++) {
		upki_report_where w = { .source = src->in->path, .index = index, .offset = m.offset };
		if (m.too_large) {
			char *why = g_strdup_printf("message of %" G_GUINT64_FORMAT " bytes is over the limit of %"
						    G_GSIZE_FORMAT, m.size, ctx->opts.max_size);
			src->c->messages++;
			emit_error(src, &w, TRUE, why);
			flush_lines(src);
			g_free(why);
		} else
			scan_message(src, m.data, m.len, &w, TRUE);
		upki_mbox_message_clear(&m);
		/* Telling a file's position is a system call: only for a
		 * progress line (the input's end sets the total anyway). */
		if (progress_shown(src->r->progress))
			report_progress(src, src->file ? (guint64)g_seekable_tell(src->file)
						       : upki_mbox_reader_tell(r));
	}
	if (err) {
		upki_report_where w = { .source = src->in->path, .index = index,
					.offset = src->base + upki_mbox_reader_tell(r) };
		emit_error(src, &w, TRUE, err->message);
		flush_lines(src);
	}
	g_clear_error(&err);
	upki_mbox_reader_free(r);
}

static void scan_mbox(source *src, GInputStream *in)
{
	scan_mbox_reader(src, upki_mbox_reader_new(in, src->r->ctx->opts.max_size), 0);
}

/* Reads at most max + 1 bytes (max 0: no limit), so that "over the
 * limit" can be told without reading a huge file. */
static GByteArray *read_bounded(GInputStream *in, int fd, gsize max, GError **error)
{
	GByteArray *buf = g_byte_array_new();
	guint8 *chunk = g_malloc(READ_CHUNK);

	for (;;) {
		gssize n = in ? g_input_stream_read(in, chunk, READ_CHUNK, NULL, error) : read(fd, chunk, READ_CHUNK);
		if (n < 0 && !in && errno == EINTR)
			continue;
		if (n < 0 && !in)
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s", g_strerror(errno));
		if (n < 0) {
			g_byte_array_unref(buf);
			buf = NULL;
			break;
		}
		if (n == 0)
			break;
		g_byte_array_append(buf, chunk, (guint)n);
		if (max && buf->len > max)
			break;
	}
	g_free(chunk);
	return buf;
}

static void scan_single(source *src, GInputStream *in, int fd)
{
	upki_report_where w = { .source = src->in->path, .index = 0, .offset = 0 };
	GError *err = NULL;
	GByteArray *buf = read_bounded(in, fd, src->r->ctx->opts.max_size, &err);

	if (buf)
		scan_message(src, (const char *)buf->data, buf->len, &w, FALSE);
	else {
		emit_error(src, &w, FALSE, err->message);
		flush_lines(src);
	}
	if (buf)
		g_byte_array_unref(buf);
	g_clear_error(&err);
	report_progress(src, src->in->size);
}

static gboolean is_gzip(const char *path, GBufferedInputStream *in)
{
	gsize n = 0;
	const guint8 *head = NULL;

	g_buffered_input_stream_fill(G_BUFFERED_INPUT_STREAM(in), 2, NULL, NULL);
	head = g_buffered_input_stream_peek_buffer(in, &n);
	if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return TRUE;
	return g_str_has_suffix(path, ".gz");
}

/* The stream to read messages from: the file, decompressed if need be,
 * behind a buffer that lets the first bytes be looked at. */
static GInputStream *open_stream(source *src, GFileInputStream *file)
{
	GInputStream *in = g_buffered_input_stream_new_sized(G_INPUT_STREAM(file), READ_CHUNK);

	if (src->in->type == INPUT_MAILDIR || !is_gzip(src->in->path, G_BUFFERED_INPUT_STREAM(in)))
		return in;
	src->file = G_SEEKABLE(file);
	GZlibDecompressor *z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
	GInputStream *conv = g_converter_input_stream_new(in, G_CONVERTER(z));
	GInputStream *buffered = g_buffered_input_stream_new_sized(conv, READ_CHUNK);

	g_object_unref(conv);
	g_object_unref(z);
	g_object_unref(in);
	return buffered;
}

static gboolean sniff_mbox(GBufferedInputStream *in, GError **error)
{
	gsize n = 0;
	const char *head = NULL;

	if (g_buffered_input_stream_fill(in, SNIFF_BYTES, NULL, error) < 0)
		return FALSE;
	head = g_buffered_input_stream_peek_buffer(in, &n);
	return upki_mbox_looks_like(head, n);
}

/* open() first: its errno makes a shorter message than GIO's
 * ("Permission denied", not "Error opening file ...: Permission denied"). */
static gboolean check_openable(const char *path, char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*why = g_strdup(g_strerror(errno));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

static void scan_file(source *src)
{
	upki_report_where w = { .source = src->in->path };
	GFile *f = NULL;
	GFileInputStream *file = NULL;
	GInputStream *in = NULL;
	GError *err = NULL;
	char *why = NULL;

	if (!check_openable(src->in->path, &why))
		goto fail;
	f = g_file_new_for_path(src->in->path);
	file = g_file_read(f, NULL, &err);
	if (!file)
		goto fail;
	in = open_stream(src, file);
	if (src->in->type != INPUT_MAILDIR && sniff_mbox(G_BUFFERED_INPUT_STREAM(in), &err))
		scan_mbox(src, in);
	else if (!err)
		scan_single(src, in, -1);
	if (!err)
		goto out;
fail:
	emit_error(src, &w, FALSE, why ? why : err->message);
	flush_lines(src);
out:
	g_clear_error(&err);
	g_free(why);
	if (in)
		g_object_unref(in);
	if (file)
		g_object_unref(file);
	if (f)
		g_object_unref(f);
}

/* The file at start: its own stream, so that parts read in parallel. */
static GInputStream *open_at(const char *path, guint64 start, GError **error)
{
	GFile *f = g_file_new_for_path(path);
	GFileInputStream *file = g_file_read(f, NULL, error);

	g_object_unref(f);
	if (file && !g_seekable_seek(G_SEEKABLE(file), (goffset)start, G_SEEK_SET, NULL, error))
		g_clear_object(&file);
	return file ? G_INPUT_STREAM(file) : NULL;
}

void source_scan_range(const scan_run *r, const scan_input *in, const scan_range *range, part_out *out,
		       scan_counts *c)
{
	source src = { .r = r, .in = in, .out = out, .c = c, .lines = g_string_new(NULL), .base = range->start,
		       .index_at = NO_INDEX };
	upki_report_where w = { .source = in->path, .index = 0, .offset = range->start };
	GError *err = NULL;
	GInputStream *stream = open_at(in->path, range->start, &err);
	guint64 end = MIN(range->end, in->size);

	if (out->local) {
		src.at_notice = scan_format_index_at(r->ctx, SCAN_LINE_NOTICE, in->path);
		src.at_error = scan_format_index_at(r->ctx, SCAN_LINE_ERROR, in->path);
		src.at_stderr = scan_format_index_at(r->ctx, SCAN_LINE_STDERR, in->path);
	}
	if (stream)
		scan_mbox_reader(&src, upki_mbox_reader_new_range(stream, r->ctx->opts.max_size, range->start,
								  range->end), 0);
	else {
		emit_error(&src, &w, TRUE, err->message);
		flush_lines(&src);
	}
	/* Progress counts the part's share of the size on disk. */
	report_progress(&src, end > range->start ? end - range->start : 0);
	g_clear_error(&err);
	if (stream)
		g_object_unref(stream);
	g_string_free(src.lines, TRUE);
}

void source_scan(const scan_run *r, const scan_input *in, part_out *out, scan_counts *c)
{
	source src = { .r = r, .in = in, .out = out, .c = c, .lines = g_string_new(NULL), .index_at = NO_INDEX };
	upki_report_where w = { .source = in->path };

	switch (in->type) {
	case INPUT_STDIN:
		scan_single(&src, NULL, 0);
		break;
	case INPUT_ERROR:
		emit_error(&src, &w, FALSE, in->error);
		flush_lines(&src);
		break;
	case INPUT_FILE:
	case INPUT_MAILDIR:
		scan_file(&src);
		break;
	}
	report_progress(&src, in->size);
	g_string_free(src.lines, TRUE);
}
