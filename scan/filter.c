/* filter.c - `upki-scan --filter`, the procmail filter: a runner
 * beside batch.c, called by the driver; it calls libupki and the output
 * side (spool.c, ledger.c, msg.c).
 *
 * One message in on stdin, the same message out on stdout with the
 * verdict headers of annotate.c; the body is copied byte for byte, so a
 * genuine notice's signature still verifies.  Mail is never lost: when
 * anything goes wrong (a bad command line, config or trust store, input
 * that is no message, a message over MaxMessageSize) the input goes out
 * as it came, minus any X-UPKI-Notice or Authentication-Results of ours
 * that someone else wrote, with one line on stderr, and the exit status
 * is 0: a forged verdict must not survive our own broken setup, and
 * removing one needs no trust store or config.  When stdout itself fails
 * the status is EXIT_INTERNAL, so that procmail keeps its copy of the
 * original instead of a truncated one.
 *
 * The spool (spool.c): one the user may not write (the milter's 0700
 * spool, named by the system config) is no failure: the mail is marked
 * as without a spool, one line says so.  A hand-off that failed (full
 * disk, I/O error) would lose the one-time URL: OnSpoolError tempfail
 * (default) gives the message unchanged with EXIT_TEMPFAIL (75), accept
 * marks it and exits 0.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "upki/annotate.h"
#include "ledger.h"
#include "msg.h"
#include "spool.h"

#define CHUNK 65536

/* Reads stdin up to max bytes (0: no limit); *over is set when more
 * follows, which is then left unread for copy_rest(). */
static GByteArray *read_message(gsize max, gboolean *over, int *read_errno)
{
	GByteArray *buf = g_byte_array_new();
	guint8 chunk[CHUNK];

	*over = FALSE;
	*read_errno = 0;
	for (;;) {
		gsize want = max ? MIN((gsize)CHUNK, max + 1 - buf->len) : CHUNK;
		ssize_t n = read(0, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*read_errno = errno;
			return buf;
		}
		if (n == 0)
			return buf;
		g_byte_array_append(buf, chunk, (guint)n);
		if (max && buf->len > max) {
			*over = TRUE;
			return buf;
		}
	}
}

static gboolean write_all(const void *data, gsize len)
{
	return len == 0 || fwrite(data, 1, len, stdout) == len;
}

/* Copies the rest of stdin to stdout as it comes (an oversized message
 * is never held in memory whole). */
static gboolean copy_rest(void)
{
	guint8 chunk[CHUNK];

	for (;;) {
		ssize_t n = read(0, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			scan_msg("--filter: reading the rest of the message: %s", g_strerror(errno));
			return TRUE;
		}
		if (n == 0)
			return TRUE;
		if (!write_all(chunk, (gsize)n))
			return FALSE;
	}
}

static const char *authserv_id(const scan_ctx *ctx)
{
	return ctx->cfg->authserv_id ? ctx->cfg->authserv_id : g_get_host_name();
}

/* The message with only foreign verdict headers removed (the fallback).
 * complete: the header block was read to its end, so editing it cannot
 * cut a field in two. */
static GString *strip_only(const scan_ctx *ctx, const GByteArray *in, gboolean complete)
{
	upki_annotate_options o = { .authserv_id = authserv_id(ctx), .subject_tag = NULL };
	GPtrArray *edits = NULL;
	GString *out = NULL;

	if (!complete)
		return g_string_new_len((const char *)in->data, (gssize)in->len);
	edits = upki_annotate_edits((const char *)in->data, in->len, NULL, &o);
	out = upki_annotate_apply((const char *)in->data, in->len, edits);
	g_ptr_array_unref(edits);
	return out;
}

/* TRUE when the header block ends inside the bytes read. */
static gboolean header_complete(const GByteArray *in)
{
	const char *p = (const char *)in->data;

	for (gsize i = 0; i + 1 < in->len; i++)
		if (p[i] == '\n' && (p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < in->len && p[i + 2] == '\n')))
			return TRUE;
	return FALSE;
}

static GString *annotate(const scan_ctx *ctx, const GByteArray *in, const upki_notice *n)
{
	upki_annotate_options o = { .authserv_id = authserv_id(ctx), .subject_tag = ctx->cfg->subject_tag };
	GPtrArray *edits = NULL;
	GString *out = scan_wrap_message(ctx, in, n); /* Annotate wrap (scan/wrap.c) */

	if (out)
		return out;
	edits = upki_annotate_edits((const char *)in->data, in->len, n, &o);
	out = upki_annotate_apply((const char *)in->data, in->len, edits);
	g_ptr_array_unref(edits);
	return out;
}

/* A hand-off that failed (SCAN_SPOOL_FAILED): OnSpoolError tempfail
 * (the default, as in the milter) gives the message unchanged and
 * EX_TEMPFAIL, so that `:0 fw` keeps the original and a recipe after it
 * can defer the delivery (the MTA retries, the one-time URL is not lost);
 * accept marks the mail and gives it up. */
static gboolean spool_tempfails(const scan_ctx *ctx)
{
	gboolean tempfail = g_str_equal(ctx->cfg->on_spool_error, "tempfail");

	scan_msg("--filter: %s", tempfail ? "message passed on unchanged, exit 75 "
		 "(OnSpoolError tempfail)" : "message marked, the job is lost (OnSpoolError accept)");
	return tempfail;
}

/* The output for a message read whole: annotated, or the fallback;
 * *code the exit status (0, or EXIT_TEMPFAIL after a failed hand-off). */
static GString *filter_message(const scan_ctx *ctx, const GByteArray *in, int *code)
{
	GError *err = NULL;
	upki_notice *n = upki_notice_analyze((const char *)in->data, in->len, &ctx->opts, &err);
	GString *out = NULL;

	*code = 0;
	if (!n) {
		scan_msg("--filter: %s; message passed on unchanged", err->message);
		out = strip_only(ctx, in, TRUE);
		goto out;
	}
	if (scan_spool_filter(ctx, n) == SCAN_SPOOL_FAILED && spool_tempfails(ctx)) {
		*code = EXIT_TEMPFAIL;
		out = strip_only(ctx, in, TRUE);
		goto out;
	}
	scan_ledger_filter_notice(ctx, n);
	out = annotate(ctx, in, n);
out:
	upki_notice_free(n);
	g_clear_error(&err);
	return out;
}

/* One message through: analysed and annotated, or, with why (setup
 * failed: no trust store, no config), only cleaned of forged verdicts. */
static int run(const scan_ctx *ctx, const char *why)
{
	gboolean over = FALSE, ok = TRUE;
	int read_errno = 0, code = 0;
	GByteArray *in = read_message(ctx->opts.max_size, &over, &read_errno);
	GString *out = NULL;

	if (!upki_annotate_authserv_id_ok(authserv_id(ctx)))
		scan_msg("--filter: authserv-id '%s' is not a token; set AuthservID "
			 "(no Authentication-Results is added)", authserv_id(ctx));
	if (read_errno) {
		scan_msg("--filter: reading the message: %s; passed on unchanged", g_strerror(read_errno));
		out = g_string_new_len((const char *)in->data, (gssize)in->len);
	} else if (over) {
		scan_msg("--filter: message larger than MaxMessageSize (%" G_GSIZE_FORMAT
			 " bytes); passed on unchanged", ctx->opts.max_size);
		out = strip_only(ctx, in, header_complete(in));
	} else if (why) {
		scan_msg("--filter: %s; message passed on unchanged", why);
		out = strip_only(ctx, in, TRUE);
	} else {
		out = filter_message(ctx, in, &code);
	}
	ok = write_all(out->str, out->len) && (!over || copy_rest()) && fflush(stdout) == 0;
	if (!ok)
		scan_msg("--filter: write error on standard output: %s", g_strerror(errno));
	g_string_free(out, TRUE);
	g_byte_array_unref(in);
	return ok ? code : EXIT_INTERNAL;
}

int scan_filter_run(const scan_ctx *ctx)
{
	return run(ctx, NULL);
}

int scan_filter_strip(const scan_ctx *ctx, const char *why)
{
	return run(ctx, why);
}
