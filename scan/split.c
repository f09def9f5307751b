/* split.c - one large mbox scanned by several threads (-j): the input
 * side, between the runner (batch.c) and source.c.
 *
 * A regular, uncompressed mbox over SPLIT_MIN is cut into up to -j
 * parts at message boundaries (mbox.c's rule, found with pread), and
 * each part is read by its own mbox reader over its own descriptor.
 * Offsets are the file's whatever the part; the index of a message
 * ("message number in the file") needs the number of messages in all
 * earlier parts, which nobody knows before they are scanned, so a part
 * after the first numbers its messages from 0 and its output is kept
 * as records whose index the writer moves up (out.c).  The
 * output is then exactly what one reader gives: batch.c
 * writes the parts in order.
 *
 * A compressed mbox cannot be entered in the middle, and a small one is
 * not worth the threads: both stay whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "upki/mbox.h"
#include "batch.h"

#define SPLIT_MIN (8u * 1024 * 1024)
#define SNIFF_BYTES 1024

struct split {
	const scan_input *in;
	guint parts;
	guint64 *starts;    /* parts + 1 entries, the last G_MAXUINT64 */
};

/* ---- planning ---- */

/* An uncompressed mbox: the test source.c applies, on a file. */
static gboolean is_plain_mbox(const scan_input *in, int fd)
{
	char head[SNIFF_BYTES];
	ssize_t n = 0;

	if (g_str_has_suffix(in->path, ".gz"))
		return FALSE;
	do
		n = pread(fd, head, sizeof head, 0);
	while (n < 0 && errno == EINTR);
	if (n < 2 || ((guint8)head[0] == 0x1f && (guint8)head[1] == 0x8b))
		return FALSE;
	return upki_mbox_looks_like(head, (gsize)n);
}

/* Where part k of n would start before alignment: equal shares. */
static guint64 nominal_start(guint64 size, guint k, guint n)
{
	return (guint64)((double)size * k / n);
}

/* The starts of the parts of in: boundaries after the nominal starts,
 * fewer parts when a message spans several.  NULL when in is not worth
 * splitting or cannot be read (then it is scanned whole, and its error
 * reported the usual way). */
static split *plan(const scan_input *in, guint jobs)
{
	int fd = -1;
	GArray *starts = NULL;
	split *sp = NULL;

	if (jobs < 2 || in->type != INPUT_FILE || in->size < SPLIT_MIN)
		return NULL;
	fd = open(in->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !is_plain_mbox(in, fd))
		goto out;
	starts = g_array_new(FALSE, FALSE, sizeof(guint64));
	g_array_append_val(starts, (guint64){ 0 });
	for (guint k = 1; k < jobs; k++) {
		guint64 at = 0;
		if (!upki_mbox_find_boundary(fd, nominal_start(in->size, k, jobs), in->size, &at, NULL))
			break;
		if (at >= in->size)
			break;
		if (at > g_array_index(starts, guint64, starts->len - 1))
			g_array_append_val(starts, at);
	}
	if (starts->len < 2)
		goto out;
	sp = g_new0(split, 1);
	sp->in = in;
	sp->parts = starts->len;
	g_array_append_val(starts, (guint64){ G_MAXUINT64 });
	sp->starts = (guint64 *)(void *)g_array_free(starts, FALSE);
	starts = NULL;
out:
	if (starts)
		g_array_unref(starts);
	if (fd >= 0)
		close(fd);
	return sp;
}

static void split_free(split *sp)
{
	g_free(sp->starts);
	g_free(sp);
}

GArray *split_parts(const GPtrArray *inputs, guint jobs)
{
	GArray *parts = g_array_new(FALSE, TRUE, sizeof(scan_part));

	for (guint i = 0; i < inputs->len; i++) {
		const scan_input *in = g_ptr_array_index(inputs, i);
		split *sp = plan(in, jobs);
		for (guint k = 0; k < (sp ? sp->parts : 1); k++) {
			scan_part p = { .in = in, .sp = sp, .k = k };
			g_array_append_val(parts, p);
		}
	}
	return parts;
}

void split_parts_free(GArray *parts)
{
	for (guint i = 0; i < parts->len; i++) {
		scan_part *p = &g_array_index(parts, scan_part, i);
		if (p->sp && p->k == 0)
			split_free(p->sp);
	}
	g_array_unref(parts);
}

/* ---- scanning ---- */

gboolean split_part_is_local(const scan_part *p)
{
	return p->sp && p->k > 0;
}

void split_part_scan(const scan_run *r, const scan_part *p, part_out *out, scan_counts *c)
{
	const scan_input *in = p->in;
	split *sp = p->sp;
	scan_range range = { 0 };

	if (!sp) {
		source_scan(r, in, out, c);
		return;
	}
	range.start = sp->starts[p->k];
	range.end = sp->starts[p->k + 1];
	source_scan_range(r, in, &range, out, c);
}
