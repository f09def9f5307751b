/* upki-scan-split.c - one large mbox scanned by several threads (-j).
 *
 * A regular, uncompressed mbox over SPLIT_MIN is cut into up to -j
 * parts at message boundaries (mbox.c's rule, found with pread), and
 * each part is read by its own mbox reader over its own descriptor.
 * Offsets are the file's whatever the part; the index of a message
 * ("message number in the file") needs the number of messages in all
 * earlier parts, so the worker of part k first counts the boundaries of
 * part k-1 (a search for "\nFrom " only, several times faster than
 * scanning) and waits for the counts of the parts before that, which
 * the other workers make at the same time.  Part 0 waits for nothing,
 * so it is made larger by what counting costs the others.  The output
 * is then exactly what one reader gives: upki-scan-batch.c writes the
 * parts' buffers in order.
 *
 * A compressed mbox cannot be entered in the middle, and a small one is
 * not worth the threads: both stay whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "upki/mbox.h"
#include "upki-scan-batch.h"

#define SPLIT_MIN (8u * 1024 * 1024)
/* Time to count a byte's boundaries over time to scan it (measured on
 * the bench mbox with --notices-only; with JSON for every message it is
 * smaller, and a part 0 slightly too large costs little). */
#define COUNT_SHARE 0.25
#define SNIFF_BYTES 1024

struct split {
	const scan_input *in;
	guint parts;
	guint64 *starts;    /* parts + 1 entries, the last G_MAXUINT64 */
	guint64 *counts;    /* messages of each part, once counted */
	gboolean *counted;
	char **errors;      /* why a part could not be counted, or NULL */
	GMutex lock;
	GCond cond;
};

/* ---- planning ---- */

/* An uncompressed mbox: the test upki-scan-source.c applies, on a file. */
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

/* Where part k (k >= 1) of n would start before alignment: part 0 gets
 * a share a, the others b = a * (1 - COUNT_SHARE) each, so that part
 * 0's scan takes as long as part 1's count and scan. */
static guint64 nominal_start(guint64 size, guint k, guint n)
{
	double a = 1.0 / (1.0 + (n - 1) * (1.0 - COUNT_SHARE));
	double b = a * (1.0 - COUNT_SHARE);

	return (guint64)((double)size * (a + (k - 1) * b));
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
	sp->counts = g_new0(guint64, sp->parts);
	sp->counted = g_new0(gboolean, sp->parts);
	sp->errors = g_new0(char *, sp->parts);
	g_mutex_init(&sp->lock);
	g_cond_init(&sp->cond);
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
	g_free(sp->counts);
	g_free(sp->counted);
	for (guint k = 0; k < sp->parts; k++)
		g_free(sp->errors[k]);
	g_free(sp->errors);
	g_mutex_clear(&sp->lock);
	g_cond_clear(&sp->cond);
	g_free(sp);
}

GArray *split_parts(batch *b, guint jobs)
{
	GArray *parts = g_array_new(FALSE, TRUE, sizeof(scan_part));

	for (guint i = 0; i < b->inputs->len; i++) {
		split *sp = plan(g_ptr_array_index(b->inputs, i), jobs);
		for (guint k = 0; k < (sp ? sp->parts : 1); k++) {
			scan_part p = { .input = i, .sp = sp, .k = k };
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

/* ---- numbering ---- */

/* Counts the messages of part k and tells the waiting workers. */
static void count_part(split *sp, guint k)
{
	GError *err = NULL;
	guint64 n = 0;
	char *why = NULL;
	int fd = open(sp->in->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		why = g_strdup_printf("cannot count messages: %s", g_strerror(errno));
	else if (!upki_mbox_count_boundaries(fd, sp->starts[k], sp->starts[k + 1], &n, &err))
		why = g_strdup_printf("cannot count messages: %s", err->message);
	g_mutex_lock(&sp->lock);
	sp->errors[k] = why;
	sp->counts[k] = n;
	sp->counted[k] = TRUE;
	g_cond_broadcast(&sp->cond);
	g_mutex_unlock(&sp->lock);
	g_clear_error(&err);
	if (fd >= 0)
		close(fd);
}

/* The index of the first message of part k: the messages of the parts
 * before it, once all are counted.  NULL, or why one could not be (in
 * sp, which outlives the part). */
static const char *first_index(split *sp, guint k, guint64 *index)
{
	const char *error = NULL;

	*index = 0;
	g_mutex_lock(&sp->lock);
	for (guint j = 0; j < k; j++) {
		while (!sp->counted[j])
			g_cond_wait(&sp->cond, &sp->lock);
		*index += sp->counts[j];
		error = error ? error : sp->errors[j];
	}
	g_mutex_unlock(&sp->lock);
	return error;
}

void split_part_scan(batch *b, const scan_part *p, out_buf *out, scan_counts *c)
{
	const scan_input *in = g_ptr_array_index(b->inputs, p->input);
	split *sp = p->sp;
	scan_range range = { 0 };

	if (!sp) {
		source_scan(b, in, out, c);
		return;
	}
	if (p->k > 0)
		count_part(sp, p->k - 1);
	range.start = sp->starts[p->k];
	range.end = sp->starts[p->k + 1];
	range.error = first_index(sp, p->k, &range.first_index);
	source_scan_range(b, in, &range, out, c);
}
