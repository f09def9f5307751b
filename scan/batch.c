/* batch.c - the run over all inputs, serial or with -j N: the batch
 * runner, called by the driver; it calls the input side (walk.c,
 * split.c) and the output side (out.c, progress.c).
 *
 * The walk (walk.c) fixes the order of the inputs; with -j a
 * large mbox becomes several parts (split.c).  Each input or
 * part is scanned into its own output buffer (source.c) and
 * the buffers are written whole in that order, so -j N prints exactly
 * what -j 1 prints.  With -j 1 lines go straight to stdout.  With -j N at
 * most a window of parts is in flight ahead of the one being written,
 * and a buffer that grows past SPILL_AT moves to an unlinked temporary
 * file: memory stays bounded whatever the archive holds.
 *
 * The context (options, config, verifier, profile) and the prefilter
 * are shared read-only by the threads (smime.h says the verifier is
 * safe to share); the exit code and the progress figures are shared
 * through their own thread-safe functions; everything libupki allocates
 * per message is the calling thread's own.
 *
 * UPKI_SCAN_FULL=1 in the environment sends every message the full way,
 * without the prefilter (the bench's and the tests' reference).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "upki/smime.h"
#include "batch.h"
#include "format.h"

#define WINDOW_PER_JOB 4
#define PIN_AT (1024 * 1024)
#define PRELOAD_AT (32 * 1024 * 1024)

/* ---- iconv modules ---- */

/* glibc loads a gconv module on iconv_open and unloads it soon after
 * the last descriptor closes; charset.c opens and closes one per header
 * or text, so without this every message paid a dlopen and a dlclose
 * (a third of the time of a batch scan, and TLB shootdowns across
 * threads).  Holding one descriptor per charset keeps them loaded. */
static GPtrArray *pin_charsets(void)
{
	static const char *const names[] = {
		"ISO-2022-JP", "ISO-2022-JP-2", "ISO-2022-JP-3", "CP932", "SHIFT_JIS", "SHIFT_JISX0213",
		"EUC-JP", "EUC-JP-MS", "EUC-JISX0213", "ISO-8859-1", "WINDOWS-1252", "UTF-16",
	};
	GPtrArray *pins = g_ptr_array_new();

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		GIConv cd = g_iconv_open("UTF-8", names[i]);
		if (cd != (GIConv)-1)
			g_ptr_array_add(pins, cd);
	}
	return pins;
}

static void unpin_charsets(GPtrArray *pins)
{
	for (guint i = 0; i < pins->len; i++)
		g_iconv_close(g_ptr_array_index(pins, i));
	g_ptr_array_unref(pins);
}

/* Loading the modules (5 ms) and the full pipeline's libraries (15 ms,
 * upki_notice_load_libraries()) would be half the start-up: a thread of its own does it on
 * the other core while scanning starts.  A message that needs a module
 * or the libraries first waits or loads it itself, as without this.
 * Only worth it for more than a few messages: below PIN_AT nothing is
 * pinned, below PRELOAD_AT the libraries are loaded on first use only
 * (exit() would wait for a dlopen() in flight). */
typedef struct warm_up {
	GThread *thread;
	gboolean libraries;
	GPtrArray *pins;
} warm_up;

static gpointer warm_up_run(gpointer data)
{
	warm_up *w = data;

	w->pins = pin_charsets();
	if (w->libraries)
		upki_notice_load_libraries(NULL);
	return NULL;
}

static void warm_up_start(warm_up *w, guint64 bytes)
{
	memset(w, 0, sizeof *w);
	w->libraries = bytes >= PRELOAD_AT;
	if (bytes >= PIN_AT)
		w->thread = g_thread_new("upki-warm-up", warm_up_run, w);
}

static void warm_up_finish(warm_up *w)
{
	if (!w->thread)
		return;
	g_thread_join(w->thread);
	unpin_charsets(w->pins);
}

/* ---- serial ---- */

static void run_serial(const scan_run *r, const GArray *parts)
{
	part_out out;

	part_out_init(&out, TRUE, FALSE);
	for (guint i = 0; i < parts->len; i++) {
		scan_counts c = { 0 };
		split_part_scan(r, &g_array_index(parts, scan_part, i), &out, &c);
		progress_merge(r->progress, &c);
	}
}

/* ---- parallel ---- */

typedef struct slot {
	part_out out;
	scan_counts counts;
	gboolean done;
} slot;

typedef struct pool_run {
	const scan_run *r;
	GArray *parts;  /* scan_part: an input, or a part of a large mbox */
	slot *slots;    /* one per part */
	GMutex lock;
	GCond cond;
} pool_run;

static void pool_job(gpointer data, gpointer user)
{
	pool_run *pr = user;
	guint i = GPOINTER_TO_UINT(data) - 1;
	slot *sl = &pr->slots[i];

	split_part_scan(pr->r, &g_array_index(pr->parts, scan_part, i), &sl->out, &sl->counts);
	upki_smime_thread_stop();
	g_mutex_lock(&pr->lock);
	sl->done = TRUE;
	g_cond_broadcast(&pr->cond);
	g_mutex_unlock(&pr->lock);
}

static void push_input(GThreadPool *pool, pool_run *pr, guint i)
{
	part_out_init(&pr->slots[i].out, FALSE, split_part_is_local(&g_array_index(pr->parts, scan_part, i)));
	g_thread_pool_push(pool, GUINT_TO_POINTER(i + 1), NULL);
}

/* Waits for input i, drawing the progress line meanwhile. */
static void wait_for(pool_run *pr, guint i)
{
	g_mutex_lock(&pr->lock);
	while (!pr->slots[i].done) {
		gint64 until = g_get_monotonic_time() + 100 * G_TIME_SPAN_MILLISECOND;
		if (!g_cond_wait_until(&pr->cond, &pr->lock, until)) {
			g_mutex_unlock(&pr->lock);
			progress_tick(pr->r->progress);
			g_mutex_lock(&pr->lock);
		}
	}
	g_mutex_unlock(&pr->lock);
}

/* Parts are written in order; the messages of the parts of one mbox
 * before a part are its first index. */
static void run_parallel(const scan_run *r, GArray *parts, guint jobs)
{
	pool_run pr = { .r = r, .parts = parts };
	guint n = parts->len, window = jobs * WINDOW_PER_JOB, pushed = 0;
	GThreadPool *pool = NULL;
	guint64 base = 0;

	g_mutex_init(&pr.lock);
	g_cond_init(&pr.cond);
	pr.slots = g_new0(slot, n);
	pool = g_thread_pool_new(pool_job, &pr, (gint)jobs, TRUE, NULL);
	for (; pushed < n && pushed < window; pushed++)
		push_input(pool, &pr, pushed);
	for (guint i = 0; i < n; i++) {
		const scan_part *p = &g_array_index(parts, scan_part, i);
		wait_for(&pr, i);
		if (!split_part_is_local(p))
			base = 0;
		part_out_write(&pr.slots[i].out, r->ctx, p->in->path, base);
		base += pr.slots[i].counts.messages;
		progress_merge(r->progress, &pr.slots[i].counts);
		if (pushed < n)
			push_input(pool, &pr, pushed++);
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	g_free(pr.slots);
	g_cond_clear(&pr.cond);
	g_mutex_clear(&pr.lock);
}

static guint64 total_bytes(const GPtrArray *inputs)
{
	guint64 total = 0;

	for (guint i = 0; i < inputs->len; i++)
		total += ((const scan_input *)g_ptr_array_index(inputs, i))->size;
	return total;
}

static void print_head(const scan_ctx *ctx)
{
	GString *head = g_string_new(NULL);

	scan_format_head(ctx, head);
	fputs(head->str, stdout);
	g_string_free(head, TRUE);
}

int scan_batch_run(const scan_ctx *ctx)
{
	const scan_args *a = ctx->a;
	scan_run r = { .ctx = ctx };
	upki_prefilter *pf = NULL;
	warm_up w;
	guint jobs = a->jobs > 0 ? (guint)a->jobs : 1;
	GPtrArray *inputs = NULL;
	GArray *parts = NULL;
	gboolean serial = FALSE;

	if (!g_getenv("UPKI_SCAN_FULL"))
		pf = upki_prefilter_new(ctx->cfg->profile);
	r.pf = pf;
	inputs = walk_paths(a->paths);
	warm_up_start(&w, total_bytes(inputs));
	print_head(ctx);
	parts = split_parts(inputs, jobs);
	serial = jobs == 1 || parts->len == 1;
	r.progress = progress_new(total_bytes(inputs), !a->quiet && !a->check && isatty(STDERR_FILENO), serial);
	if (serial)
		run_serial(&r, parts);
	else
		run_parallel(&r, parts, MIN(jobs, parts->len));
	split_parts_free(parts);
	progress_finish(r.progress);
	if (!a->quiet && !a->check)
		progress_summary(r.progress, inputs->len);
	progress_free(r.progress);
	g_ptr_array_unref(inputs);
	upki_prefilter_free(pf);
	warm_up_finish(&w);
	return scan_code_get(ctx->code);
}
