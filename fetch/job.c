/* job.c - one job of the spool: read it, run its action, record the
 * outcome.
 *
 * The order of a pass is what makes a crash harmless.  A job is taken
 * into cur/ first; its outcome is committed to the state database before
 * the file moves on to done/ or failed/; a restart that finds a file in
 * cur/ whose row says done or failed only finishes the move.  So a kill
 * at any moment loses no job, and the only thing that can happen twice is
 * an action whose success was not yet committed: every action is
 * idempotent by job id (keep rewrites the same file, exec and webhook
 * hand the job id to the receiver, retrieve never downloads again once
 * the ZIP is on disk).  pin-issue jobs run before cert-issue jobs, so a
 * certificate waiting for its PIN gets it in the same pass.
 */
#include <errno.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "upki/error.h"
#include "upki/spool.h"
#include "upki-fetch.h"

void uf_job_free(uf_job *j)
{
	if (!j)
		return;
	g_free(j->id);
	g_free(j->kind);
	g_free(j->url);
	g_free(j->recipient);
	g_free(j->json);
	g_free(j->path);
	g_free(j->host);
	g_free(j->url_path);
	g_free(j);
}

static char *member_string(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return g_strdup(json_node_get_string(n));
}

/* What logs may say of the URL: host and path, never the query. */
static void split_url(uf_job *j)
{
	GUri *u = g_uri_parse(j->url, G_URI_FLAGS_NONE, NULL);

	if (!u)
		return;
	j->host = g_strdup(g_uri_get_host(u));
	j->url_path = g_strdup(g_uri_get_path(u));
	g_uri_unref(u);
}

static gboolean fill(uf_job *j, JsonObject *o, const char *file_id, GError **error)
{
	char *want = NULL;
	gboolean ok = FALSE;

	j->version = (gint)json_object_get_int_member_with_default(o, "version", 0);
	j->id = member_string(o, "id");
	j->kind = member_string(o, "kind");
	j->url = member_string(o, "url");
	j->recipient = j->version >= 2 ? member_string(o, "recipient") : NULL;
	if (j->version != 1 && j->version != 2) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "unknown job version %d", j->version);
		return FALSE;
	}
	if (!j->id || !j->url || (g_strcmp0(j->kind, "cert-issue") && g_strcmp0(j->kind, "pin-issue"))) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "job lacks id, url or a known kind");
		return FALSE;
	}
	/* the id is the URL's hash: a job whose parts disagree was not
	 * written by libupki, and might replay another job's receipts */
	want = upki_spool_job_id(j->url);
	ok = strcmp(want, j->id) == 0 && strcmp(j->id, file_id) == 0;
	if (!ok)
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "job id does not match its URL or name");
	g_free(want);
	split_url(j);
	return ok;
}

uf_job *uf_job_read(const char *path, gsize max_size, GError **error)
{
	uf_job *j = g_new0(uf_job, 1);
	JsonParser *p = json_parser_new();
	JsonNode *root = NULL;
	char *base = g_path_get_basename(path), *text = NULL;
	gsize len = 0;
	gboolean ok = FALSE;

	base[strcspn(base, ".")] = '\0';
	j->path = g_strdup(path);
	if (!g_file_get_contents(path, &text, &len, error))
		goto out;
	if (len > max_size) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_TOO_LARGE, "job larger than MaxJobSize");
		goto out;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	j->json = g_steal_pointer(&text);
	if (!json_parser_load_from_data(p, j->json, (gssize)len, error))
		goto out;
	root = json_parser_get_root(p);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, UPKI_ERROR, UPKI_ERROR_INTERNAL, "job is not a JSON object");
		goto out;
	}
	ok = fill(j, json_node_get_object(root), base, error);
out:
	g_free(text);
	g_free(base);
	g_object_unref(p);
	if (!ok) {
		uf_job_free(j);
		return NULL;
	}
	return j;
}

/* RetryDelay doubled per attempt made, capped at RetryMaxDelay. */
static gint64 backoff(const uf_conf *c, guint attempts)
{
	gint64 d = c->retry_delay;

	for (guint i = 1; i < attempts && d < c->retry_max_delay; i++)
		d *= 2;
	return MIN(d, (gint64)c->retry_max_delay);
}

static uf_outcome run_action(uf_ctx *c, const uf_job *j, uf_job_row *row, char **error)
{
	uf_action a = uf_conf_action_for(c->conf, j->kind);
	uf_outcome o = UF_OK;

	switch (a) {
	case UF_ACT_EXEC: o = uf_action_exec(c, j, error); break;
	case UF_ACT_WEBHOOK: o = uf_action_webhook(c, j, error); break;
	case UF_ACT_RETRIEVE: o = uf_action_retrieve(c, j, row, error); break;
	case UF_ACT_KEEP: o = uf_action_keep(c, j, error); break;
	}
	uf_stats_action(a, o);
	return o;
}

/* Commits the outcome, then moves the file: the order crash safety needs. */
static void settle(uf_ctx *c, const char *name, const uf_job *j, uf_job_row *row, uf_outcome o,
		   char *why, uf_spool_pass *p)
{
	GError *err = NULL;
	const char *id = j->id;

	row->attempts++;
	g_free(row->last_error);
	row->last_error = why;
	if (o == UF_RETRY && row->attempts >= c->conf->max_attempts)
		o = UF_FAIL;
	row->status = o == UF_OK ? UF_JOB_DONE : o == UF_FAIL ? UF_JOB_FAILED : UF_JOB_PENDING;
	row->next_try = o == UF_RETRY ? c->now + backoff(c->conf, row->attempts) : 0;
	if (!uf_state_put(c->state, id, j->kind, row, &err)) {
		uf_log(LOG_ERR, id, "%s", err->message);
		g_error_free(err);
		p->errors++;
		uf_stats_error(UF_ERR_STATE);
		return;
	}
	uf_stats_job(j->kind, o);
	if (o == UF_RETRY) {
		uf_log(LOG_WARNING, id, "kind=%s host=%s path=%s outcome=retry attempt=%u in=%llds: %s",
		       j->kind, j->host, j->url_path, row->attempts, (long long)(row->next_try - c->now),
		       why ? why : "");
		p->waiting++;
		p->next_due = MIN(p->next_due, row->next_try);
		return;
	}
	uf_log(o == UF_OK ? LOG_INFO : LOG_ERR, id, "kind=%s host=%s path=%s outcome=%s attempts=%u%s%s",
	       j->kind, j->host, j->url_path, o == UF_OK ? "done" : "failed", row->attempts,
	       why ? ": " : "", why ? why : "");
	uf_ledger_note(c, j, o == UF_OK);
	if (!uf_spool_finish(c->conf->spool, name, o == UF_OK, &err)) {
		uf_log(LOG_ERR, id, "%s", err->message);
		g_error_free(err);
		p->errors++;
		uf_stats_error(UF_ERR_SPOOL);
		return;
	}
	if (o == UF_OK)
		p->done++;
	else
		p->failed++;
}

/* A job file that cannot be read as a job goes straight to failed/. */
static void reject(uf_ctx *c, const char *name, const char *why, uf_spool_pass *p)
{
	GError *err = NULL;
	char id[33];

	g_strlcpy(id, name, sizeof id);
	uf_log(LOG_ERR, id, "outcome=failed: not a usable job: %s", why);
	uf_stats_job(NULL, UF_FAIL);
	if (!uf_spool_finish(c->conf->spool, name, FALSE, &err)) {
		uf_log(LOG_ERR, id, "%s", err->message);
		g_error_free(err);
	}
	p->failed++;
}

/* Decided before a crash (or seen again after done/ was cleaned out):
 * only the move was missing, the action never runs twice. */
static void finish_decided(uf_ctx *c, const char *name, const uf_job *j, const uf_job_row *row,
			   uf_spool_pass *p)
{
	GError *err = NULL;
	gboolean done = row->status == UF_JOB_DONE;

	/* a crash may have come between the commit and the ledger */
	uf_ledger_note(c, j, done);
	if (!uf_spool_finish(c->conf->spool, name, done, &err)) {
		uf_log(LOG_ERR, j->id, "%s", err->message);
		g_error_free(err);
		p->errors++;
		uf_stats_error(UF_ERR_SPOOL);
		return;
	}
	uf_log(LOG_INFO, j->id, "kind=%s outcome=%s (recorded before)", j->kind,
	       done ? "done" : "failed");
	if (done)
		p->done++;
	else
		p->failed++;
}

static void work(uf_ctx *c, const char *name, uf_job *j, uf_spool_pass *p)
{
	uf_job_row row;
	GError *err = NULL;
	char *why = NULL;
	uf_outcome o = UF_OK;

	uf_state_get(c->state, j->id, &row, &err);
	if (err) {
		uf_log(LOG_ERR, j->id, "%s", err->message);
		g_error_free(err);
		p->errors++;
		uf_stats_error(UF_ERR_STATE);
		return;
	}
	if (row.status != UF_JOB_PENDING) {
		finish_decided(c, name, j, &row, p);
		goto out;
	}
	if (row.next_try > c->now) {
		p->waiting++;
		p->next_due = MIN(p->next_due, row.next_try);
		goto out;
	}
	o = run_action(c, j, &row, &why);
	settle(c, name, j, &row, o, why, p);
	why = NULL;
out:
	g_free(why);
	uf_job_row_clear(&row);
}

static gint pin_first(gconstpointer a, gconstpointer b)
{
	const uf_job *x = *(uf_job *const *)a, *y = *(uf_job *const *)b;
	int px = strcmp(x->kind, "pin-issue") == 0, py = strcmp(y->kind, "pin-issue") == 0;

	return px != py ? py - px : strcmp(x->id, y->id);
}

/* Reads every job in cur/ (rejecting the broken), pin-issue first. */
static GPtrArray *read_cur(uf_ctx *c, uf_spool_pass *p)
{
	GPtrArray *names = uf_spool_list_cur(c->conf->spool);
	GPtrArray *jobs = g_ptr_array_new_with_free_func((GDestroyNotify)uf_job_free);

	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		char *path = g_build_filename(c->conf->spool, "cur", name, NULL);
		GError *err = NULL;
		uf_job *j = uf_job_read(path, (gsize)c->conf->max_job_size, &err);
		if (j)
			g_ptr_array_add(jobs, j);
		else if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			; /* gone meanwhile: nothing to do */
		else
			reject(c, name, err ? err->message : "unreadable", p);
		g_clear_error(&err);
		g_free(path);
	}
	g_ptr_array_unref(names);
	g_ptr_array_sort(jobs, pin_first);
	return jobs;
}

gboolean uf_pass(uf_ctx *c, uf_spool_pass *p, GError **error)
{
	GPtrArray *jobs = NULL;
	int lock = -1;

	memset(p, 0, sizeof *p);
	p->next_due = G_MAXINT64;
	if (!uf_spool_prepare(c->conf->spool, error))
		return FALSE;
	lock = uf_spool_lock(c->conf->spool, error);
	if (lock < 0)
		return FALSE;
	c->now = g_get_real_time() / G_USEC_PER_SEC;
	uf_spool_clean_tmp(c->conf->spool, c->now, 24 * 3600);
	uf_spool_take_new(c->conf->spool, p);
	jobs = read_cur(c, p);
	if (jobs->len)
		uf_ledger_open(c);
	for (guint i = 0; i < jobs->len; i++) {
		uf_job *j = g_ptr_array_index(jobs, i);
		char *name = g_strconcat(j->id, ".json", NULL);
		work(c, name, j, p);
		g_free(name);
	}
	uf_ledger_close(c);
	g_ptr_array_unref(jobs);
	uf_spool_unlock(lock);
	return TRUE;
}
