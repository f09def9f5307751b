/* format.c - the lines upki-scan writes for a message (format.h): the
 * output side; it calls msg.c only (the stderr line's prefix).
 *
 * The lines themselves are libupki's reports (upki/report.h); this file
 * picks the one --format asks for and leaves out what --check,
 * --report and --notices-only leave out.
 */
#include "format.h"
#include "msg.h"

void scan_format_head(const scan_ctx *ctx, GString *out)
{
	if (ctx->a->format == FORMAT_CSV && !ctx->a->check && !ctx->a->report)
		g_string_append_printf(out, "%s\n", upki_report_csv_header());
}

static char *notice_line(scan_format format, const upki_notice *n, const upki_report_where *w)
{
	switch (format) {
	case FORMAT_CSV:
		return upki_report_csv(n, w);
	case FORMAT_JSON:
		return upki_report_json(n, w);
	case FORMAT_TEXT:
		break;
	}
	return upki_report_text(n, w);
}

void scan_format_notice(const scan_ctx *ctx, const upki_notice *n, const upki_report_where *w, GString *out)
{
	char *text = NULL;

	if (ctx->a->check || ctx->a->report)
		return;
	if (ctx->a->notices_only && n->verdict == UPKI_VERDICT_NOT_NOTICE)
		return;
	text = notice_line(ctx->a->format, n, w);
	/* the text report ends its own lines */
	g_string_append(out, text);
	if (ctx->a->format != FORMAT_TEXT)
		g_string_append_c(out, '\n');
	g_free(text);
}

void scan_format_error(const scan_ctx *ctx, const upki_report_where *w, const char *msg, GString *out)
{
	char *line = NULL;

	if (ctx->a->check || ctx->a->report || ctx->a->format != FORMAT_JSON)
		return;
	line = upki_report_json_error(w, msg);
	g_string_append_printf(out, "%s\n", line);
	g_free(line);
}

char *scan_format_stderr_line(const upki_report_where *w, gboolean in_mbox, const char *msg)
{
	if (in_mbox)
		return scan_msg_line("%s: message %" G_GUINT64_FORMAT " at offset %" G_GUINT64_FORMAT ": %s",
				     w->source, w->index, w->offset, msg);
	return scan_msg_line("%s: %s", w->source, msg);
}

static char *probe_line(const scan_ctx *ctx, scan_line line, const upki_report_where *w)
{
	upki_notice n = { 0 };

	switch (line) {
	case SCAN_LINE_NOTICE:
		return notice_line(ctx->a->format, &n, w);
	case SCAN_LINE_ERROR:
		return upki_report_json_error(w, "x");
	case SCAN_LINE_STDERR:
		break;
	}
	return scan_format_stderr_line(w, TRUE, "x");
}

/* The first byte that differs between the lines of index 0 and 1. */
gsize scan_format_index_at(const scan_ctx *ctx, scan_line line, const char *path)
{
	upki_report_where w0 = { .source = path, .index = 0 }, w1 = { .source = path, .index = 1 };
	char *a = probe_line(ctx, line, &w0), *b = probe_line(ctx, line, &w1);
	gsize i = 0;

	while (a[i] && a[i] == b[i])
		i++;
	i = a[i] == '0' && b[i] == '1' ? i : G_MAXSIZE;
	g_free(a);
	g_free(b);
	return i;
}
