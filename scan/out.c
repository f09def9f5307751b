/* out.c - what one input or part of a batch scan writes, kept
 * until its turn (out.h): the output side, below source.c and the
 * runner; it calls spool.c (deferred jobs) and msg.c (kept stderr
 * lines) only.
 *
 * With -j 1 lines go straight to stdout.  With -j N each input (or part
 * of a split mbox) writes into its own buffer, in memory up to SPILL_AT
 * and then in an unlinked temporary file, and the buffers are written
 * in order: the output is that of -j 1, and memory stays bounded.
 *
 * A part after the first of a split mbox does not know how many
 * messages come before it: counting them first would read its bytes
 * twice (a fifth of the scan's time).  Its lines and its stderr lines
 * are kept as records that say where their index is, numbered from 0
 * in the part; the writer adds the base, known by then.  Its spool jobs
 * wait too, since their source label names the index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "out.h"
#include "spool.h"

#define SPILL_AT (1024 * 1024)

/* A record: this header, then len bytes. */
typedef struct record {
	guint64 len;
	guint64 index_at; /* (guint64)NO_INDEX: the record has no index */
} record;

void out_buf_init(out_buf *o, gboolean direct, gboolean local)
{
	memset(o, 0, sizeof *o);
	o->direct = direct;
	o->local = local && !direct;
	if (!direct)
		o->mem = g_string_new(NULL);
}

static void spill(out_buf *o)
{
	o->spill = tmpfile();
	/* No temporary file: keep the lines in memory rather than lose them. */
	if (!o->spill)
		return;
	fwrite(o->mem->str, 1, o->mem->len, o->spill);
	g_string_truncate(o->mem, 0);
}

static void append(out_buf *o, const void *p, gsize n)
{
	if (o->spill)
		fwrite(p, 1, n, o->spill);
	else
		g_string_append_len(o->mem, p, (gssize)n);
}

void out_buf_add(out_buf *o, GString *lines, gsize index_at)
{
	if (lines->len == 0)
		return;
	if (o->direct) {
		fwrite(lines->str, 1, lines->len, stdout);
	} else {
		record r = { lines->len, index_at };
		if (o->local)
			append(o, &r, sizeof r);
		append(o, lines->str, lines->len);
		if (!o->spill && o->mem->len > SPILL_AT)
			spill(o);
	}
	g_string_truncate(lines, 0);
}

/* One record to f, its index moved up by base. */
static void write_record(const char *p, const record *r, FILE *f, guint64 base)
{
	gsize at = (gsize)r->index_at, digits = 0;

	if (r->index_at == (guint64)NO_INDEX || at >= r->len || !g_ascii_isdigit(p[at])) {
		fwrite(p, 1, (gsize)r->len, f);
		return;
	}
	while (at + digits < r->len && g_ascii_isdigit(p[at + digits]))
		digits++;
	guint64 local = g_ascii_strtoull(p + at, NULL, 10);
	fwrite(p, 1, at, f);
	fprintf(f, "%" G_GUINT64_FORMAT, base + local);
	fwrite(p + at + digits, 1, (gsize)r->len - at - digits, f);
}

static void write_records_mem(const GString *mem, FILE *f, guint64 base)
{
	for (gsize pos = 0; pos + sizeof(record) <= mem->len;) {
		record r;
		memcpy(&r, mem->str + pos, sizeof r);
		pos += sizeof r;
		write_record(mem->str + pos, &r, f, base);
		pos += (gsize)r.len;
	}
}

static void write_records_file(FILE *in, FILE *f, guint64 base)
{
	GString *buf = g_string_new(NULL);
	record r;

	while (fread(&r, sizeof r, 1, in) == 1) {
		g_string_set_size(buf, (gsize)r.len);
		if (fread(buf->str, 1, (gsize)r.len, in) != r.len)
			break;
		write_record(buf->str, &r, f, base);
	}
	g_string_free(buf, TRUE);
}

static void copy_spill(out_buf *o, FILE *f, guint64 base)
{
	char buf[65536];
	size_t n;

	if (fflush(o->spill) != 0 || fseek(o->spill, 0, SEEK_SET) != 0) {
		scan_msg("temporary file lost: %s", g_strerror(errno));
		return;
	}
	if (o->local) {
		write_records_file(o->spill, f, base);
		return;
	}
	while ((n = fread(buf, 1, sizeof buf, o->spill)) > 0)
		fwrite(buf, 1, n, f);
}

void out_buf_write(out_buf *o, FILE *f, guint64 base)
{
	if (o->spill) {
		copy_spill(o, f, base);
		fclose(o->spill);
	}
	if (o->mem && o->local)
		write_records_mem(o->mem, f, base);
	else if (o->mem)
		fwrite(o->mem->str, 1, o->mem->len, f);
	if (o->mem)
		g_string_free(o->mem, TRUE);
	memset(o, 0, sizeof *o);
}

/* ---- everything a part hands to the writer ---- */

typedef struct deferred_job {
	upki_notice *n;
	guint64 index;
	guint64 offset;
} deferred_job;

static void deferred_job_free(gpointer data)
{
	deferred_job *j = data;

	upki_notice_free(j->n);
	g_free(j);
}

void part_out_init(part_out *po, gboolean direct, gboolean local)
{
	memset(po, 0, sizeof *po);
	po->local = local && !direct;
	out_buf_init(&po->lines, direct, po->local);
	if (po->local) {
		out_buf_init(&po->errors, FALSE, TRUE);
		po->jobs = g_ptr_array_new_with_free_func(deferred_job_free);
	}
}

void part_out_defer_job(part_out *po, upki_notice *n, const upki_report_where *w)
{
	deferred_job *j = g_new0(deferred_job, 1);

	j->n = n;
	j->index = w->index;
	j->offset = w->offset;
	g_ptr_array_add(po->jobs, j);
}

void part_out_write(part_out *po, const scan_ctx *ctx, const char *source, guint64 base)
{
	out_buf_write(&po->lines, stdout, base);
	if (!po->local)
		return;
	scan_msg_begin();
	out_buf_write(&po->errors, stderr, base);
	scan_msg_end();
	for (guint i = 0; i < po->jobs->len; i++) {
		const deferred_job *j = g_ptr_array_index(po->jobs, i);
		upki_report_where w = { .source = source, .index = base + j->index, .offset = j->offset };
		scan_spool_notice(ctx, j->n, &w);
	}
	g_ptr_array_unref(po->jobs);
	po->jobs = NULL;
}
