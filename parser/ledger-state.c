/* ledger-state.c - where every certificate and retrieval job stands,
 * derived from the ledger's rows as of a given time.
 *
 * Nothing derived is stored: the states are a function of the notices
 * (and of what upki-fetch fetched) and of "now", so a ledger written by
 * three programs never holds two answers, and a report as of another
 * day is the same call.  Only genuine notices count; suspicious ones
 * are listed beside, never mixed in.  The rules (docs/ledger.md):
 *
 *  job   cert-issue -> issue-accepted, pin-issue -> pin-issued; then
 *        retrieved: upki-fetch downloaded it, or a retrieval or renewal
 *          notice to the same recipient came while it was open (each such
 *          notice closes the oldest open job of each kind);
 *        expired-unused: its deadline passed first;
 *        stalled: a PIN issued (or fetched) stall_days ago, still open.
 *  cert  retrieved, renewed (old -> new: the old one becomes replaced),
 *        revoked; revoked and no later certificate for the DN nor later
 *        cert-issue to the recipient: action revoked-not-reissued.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "upki/error.h"
#include "ledger-private.h"

#define DAY 86400

/* The strings of a report's item: where each is in the item and, for an
 * item made from a row, which of the row's it copies (NO_ROW: set by
 * the rules).  One table per item says what new copies and free frees. */
typedef struct field {
	gsize at;   /* offset of the char* in the item */
	gssize row; /* offset of the char* in ledger_row, or NO_ROW */
} field;

#define NO_ROW (-1)
#define ROW(f) ((gssize)offsetof(ledger_row, f))
#define JOB(f) offsetof(upki_ledger_job, f)
#define CERT(f) offsetof(upki_ledger_cert, f)
#define EVENT(f) offsetof(upki_ledger_event, f)
#define SUSPECT(f) offsetof(upki_ledger_suspect, f)

static const field job_fields[] = {
	{ JOB(job_id), ROW(job_id) }, { JOB(where), ROW(url_where) }, { JOB(kind), ROW(kind) },
	{ JOB(recipient), ROW(recipient) }, { JOB(deadline), ROW(deadline) }, { JOB(source), ROW(source) },
	{ JOB(serial), NO_ROW },
};
static const field cert_fields[] = {
	{ CERT(dn), NO_ROW }, { CERT(serial), NO_ROW }, { CERT(old_serial), NO_ROW }, { CERT(new_serial), NO_ROW },
};
static const field event_fields[] = {
	{ EVENT(kind), ROW(kind) }, { EVENT(dn), ROW(dn) }, { EVENT(serial), ROW(serial) },
	{ EVENT(old_serial), ROW(old_serial) }, { EVENT(job_id), ROW(job_id) }, { EVENT(source), ROW(source) },
};
static const field suspect_fields[] = {
	{ SUSPECT(date), ROW(date) }, { SUSPECT(kind), ROW(kind) }, { SUSPECT(message_id), ROW(message_id) },
	{ SUSPECT(from), ROW(sender) }, { SUSPECT(reasons), ROW(reasons) }, { SUSPECT(url_host), ROW(url_host) },
	{ SUSPECT(source), ROW(source) },
};

/* A new item of size bytes with r's strings copied in as fields says. */
static gpointer item_new(gsize size, const field *fields, gsize n, const ledger_row *r)
{
	gpointer item = g_malloc0(size);

	for (gsize i = 0; i < n; i++)
		if (fields[i].row != NO_ROW)
			G_STRUCT_MEMBER(char *, item, fields[i].at) =
				g_strdup(G_STRUCT_MEMBER(char *, r, fields[i].row));
	return item;
}

static void item_free(gpointer item, const field *fields, gsize n)
{
	for (gsize i = 0; i < n; i++)
		g_free(G_STRUCT_MEMBER(char *, item, fields[i].at));
	g_free(item);
}

#define ITEM_NEW(type, fields, r) ((type *)item_new(sizeof(type), fields, G_N_ELEMENTS(fields), r))

static void job_free(gpointer j)
{
	item_free(j, job_fields, G_N_ELEMENTS(job_fields));
}

static void cert_free(gpointer c)
{
	item_free(c, cert_fields, G_N_ELEMENTS(cert_fields));
}

static void event_free(gpointer e)
{
	item_free(e, event_fields, G_N_ELEMENTS(event_fields));
}

static void suspect_free(gpointer s)
{
	item_free(s, suspect_fields, G_N_ELEMENTS(suspect_fields));
}

void upki_ledger_report_free(upki_ledger_report *r)
{
	if (!r)
		return;
	g_ptr_array_unref(r->jobs);
	g_ptr_array_unref(r->certs);
	g_ptr_array_unref(r->events);
	g_ptr_array_unref(r->suspects);
	g_free(r);
}

/* The first second after a YYYY-MM-DD deadline day (UTC, as notice.c
 * computes it); G_MAXINT64 when there is none. */
static gint64 deadline_end(const char *deadline)
{
	int y = 0, m = 0, d = 0;
	GDateTime *t = NULL;
	gint64 end = G_MAXINT64;

	if (!deadline || sscanf(deadline, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return end;
	t = g_date_time_new_utc(y, m, d, 0, 0, 0);
	if (t) {
		end = g_date_time_to_unix(t) + DAY;
		g_date_time_unref(t);
	}
	return end;
}

static gboolean is_kind(const ledger_row *r, const char *k)
{
	return r->kind && strcmp(r->kind, k) == 0;
}

static gboolean closes_jobs(const ledger_row *r)
{
	return is_kind(r, "cert-retrieved") || is_kind(r, "cert-renewed");
}

static upki_ledger_job *job_new(const ledger_row *r)
{
	upki_ledger_job *j = ITEM_NEW(upki_ledger_job, job_fields, r);

	j->signed_at = r->signed_at;
	j->state = is_kind(r, "pin-issue") ? "pin-issued" : "issue-accepted";
	j->offset = r->offset;
	return j;
}

/* Closes the oldest job of kind still open for recipient at time at
 * (signed before it, its deadline not passed) as retrieved, serial. */
static void close_oldest(GPtrArray *jobs, const char *kind, const char *recipient, gint64 at,
			 const char *serial)
{
	for (guint i = 0; recipient && i < jobs->len; i++) {
		upki_ledger_job *j = g_ptr_array_index(jobs, i);
		if (strcmp(j->kind, kind) != 0 || strcmp(j->state, "retrieved") == 0 || !j->recipient ||
		    strcmp(j->recipient, recipient) != 0 || at < j->signed_at || at >= deadline_end(j->deadline))
			continue;
		j->state = "retrieved";
		g_free(j->serial);
		j->serial = g_strdup(serial);
		return;
	}
}

/* A retrieval notice r closes the oldest job of each kind that is still
 * open for its recipient when it was signed. */
static void close_jobs(GPtrArray *jobs, const ledger_row *r)
{
	close_oldest(jobs, "cert-issue", r->recipient, r->signed_at, r->serial);
	close_oldest(jobs, "pin-issue", r->recipient, r->signed_at, r->serial);
}

static upki_ledger_job *find_job(GPtrArray *jobs, const char *id)
{
	for (guint i = 0; id && i < jobs->len; i++) {
		upki_ledger_job *j = g_ptr_array_index(jobs, i);
		if (strcmp(j->job_id, id) == 0)
			return j;
	}
	return NULL;
}

/* What upki-fetch did: a certificate downloaded closes its job and, as
 * the service's retrieval notice would, the oldest PIN job still open for
 * the recipient (its PIN opened the certificate); a PIN fetched restarts
 * the stall clock. */
static void apply_fetches(GPtrArray *jobs, const GPtrArray *fetches, gint64 as_of, GHashTable *pin_at)
{
	for (guint i = 0; i < fetches->len; i++) {
		const ledger_fetch *f = g_ptr_array_index(fetches, i);
		upki_ledger_job *j = find_job(jobs, f->job_id);
		if (!j || f->at > as_of)
			continue;
		if (strcmp(f->what, "certificate") == 0 && strcmp(j->state, "retrieved") != 0) {
			j->state = "retrieved";
			g_free(j->serial);
			j->serial = g_strdup(f->serial);
			close_oldest(jobs, "pin-issue", j->recipient, f->at, f->serial);
		} else if (strcmp(f->what, "pin") == 0)
			g_hash_table_insert(pin_at, j, g_memdup2(&f->at, sizeof f->at));
	}
}

/* Open jobs, as of p->as_of: expired-unused, stalled or soon due. */
static void settle_jobs(GPtrArray *jobs, const upki_ledger_policy *p, GHashTable *pin_at)
{
	for (guint i = 0; i < jobs->len; i++) {
		upki_ledger_job *j = g_ptr_array_index(jobs, i);
		gint64 end = deadline_end(j->deadline);
		const gint64 *fetched = g_hash_table_lookup(pin_at, j);
		gint64 pin_since = fetched ? MAX(*fetched, j->signed_at) : j->signed_at;
		gboolean pin = strcmp(j->kind, "pin-issue") == 0 || fetched;

		if (strcmp(j->state, "retrieved") == 0)
			continue;
		if (end <= p->as_of)
			j->state = j->action = "expired-unused";
		else if (pin && p->as_of - pin_since >= (gint64)p->stall_days * DAY)
			j->state = j->action = "stalled";
		else if (end - p->as_of <= (gint64)p->soon_days * DAY)
			j->action = "deadline-soon";
	}
}

static upki_ledger_cert *cert_get(GPtrArray *certs, GHashTable *index, const char *dn, const char *serial)
{
	char *key = g_strdup_printf("%s\n%s", dn ? dn : "", serial ? serial : "");
	upki_ledger_cert *c = g_hash_table_lookup(index, key);

	if (c) {
		g_free(key);
		return c;
	}
	c = ITEM_NEW(upki_ledger_cert, cert_fields, NULL);
	c->dn = g_strdup(dn);
	c->serial = g_strdup(serial);
	g_ptr_array_add(certs, c);
	g_hash_table_insert(index, key, c);
	return c;
}

static void cert_event(GPtrArray *certs, GHashTable *index, const ledger_row *r)
{
	upki_ledger_cert *c = NULL;

	if (!r->serial || !(closes_jobs(r) || is_kind(r, "cert-revoked")))
		return;
	c = cert_get(certs, index, r->dn, r->serial);
	c->since = r->signed_at;
	if (is_kind(r, "cert-revoked")) {
		c->state = "revoked";
		return;
	}
	if (c->state && strcmp(c->state, "revoked") == 0)
		return;
	c->state = is_kind(r, "cert-renewed") ? "renewed" : "retrieved";
	if (is_kind(r, "cert-renewed") && r->old_serial) {
		upki_ledger_cert *old = cert_get(certs, index, r->dn, r->old_serial);
		g_free(c->old_serial);
		c->old_serial = g_strdup(r->old_serial);
		if (!old->state || strcmp(old->state, "revoked") != 0) {
			old->state = "replaced";
			old->since = r->signed_at;
		}
		g_free(old->new_serial);
		old->new_serial = g_strdup(r->serial);
	}
}

/* A revoked certificate needs action until a later certificate for its
 * DN, or a later cert-issue to the recipient of the revocation notice. */
static void revoked_actions(GPtrArray *certs, const GPtrArray *rows)
{
	for (guint i = 0; i < certs->len; i++) {
		upki_ledger_cert *c = g_ptr_array_index(certs, i);
		const char *to = NULL;
		gboolean reissued = FALSE;
		if (!c->state || strcmp(c->state, "revoked") != 0)
			continue;
		for (guint k = 0; k < rows->len; k++) {
			const ledger_row *r = g_ptr_array_index(rows, k);
			if (is_kind(r, "cert-revoked") && g_strcmp0(r->serial, c->serial) == 0 &&
			    g_strcmp0(r->dn, c->dn) == 0)
				to = r->recipient;
			if (r->signed_at <= c->since)
				continue;
			if ((closes_jobs(r) && g_strcmp0(r->dn, c->dn) == 0) ||
			    (is_kind(r, "cert-issue") && to && g_strcmp0(r->recipient, to) == 0))
				reissued = TRUE;
		}
		if (!reissued)
			c->action = "revoked-not-reissued";
	}
}

static upki_ledger_event *event_new(const ledger_row *r)
{
	upki_ledger_event *e = ITEM_NEW(upki_ledger_event, event_fields, r);

	e->signed_at = r->signed_at;
	e->offset = r->offset;
	return e;
}

static upki_ledger_suspect *suspect_new(const ledger_row *r)
{
	upki_ledger_suspect *s = ITEM_NEW(upki_ledger_suspect, suspect_fields, r);

	s->signed_at = r->signed_at;
	s->offset = r->offset;
	return s;
}

static int cert_cmp(gconstpointer a, gconstpointer b)
{
	const upki_ledger_cert *x = *(upki_ledger_cert *const *)a, *y = *(upki_ledger_cert *const *)b;
	int c = g_strcmp0(x->dn, y->dn);

	return c ? c : g_strcmp0(x->serial, y->serial);
}

/* The genuine rows up to as_of, in time order, into r. */
static void derive(upki_ledger_report *r, const GPtrArray *rows, const GPtrArray *fetches)
{
	GHashTable *index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *pin_at = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	GPtrArray *seen = g_ptr_array_new();

	for (guint i = 0; i < rows->len; i++) {
		const ledger_row *row = g_ptr_array_index(rows, i);
		if (row->signed_at > r->policy.as_of)
			continue;
		g_ptr_array_add(seen, (gpointer)row);
		g_ptr_array_add(r->events, event_new(row));
		if (row->job_id && !find_job(r->jobs, row->job_id))
			g_ptr_array_add(r->jobs, job_new(row));
		if (closes_jobs(row))
			close_jobs(r->jobs, row);
		cert_event(r->certs, index, row);
	}
	apply_fetches(r->jobs, fetches, r->policy.as_of, pin_at);
	settle_jobs(r->jobs, &r->policy, pin_at);
	revoked_actions(r->certs, seen);
	g_ptr_array_sort(r->certs, cert_cmp);
	g_ptr_array_unref(seen);
	g_hash_table_unref(pin_at);
	g_hash_table_unref(index);
}

upki_ledger_report *upki_ledger_report_build(upki_ledger *l, const upki_ledger_policy *p, GError **error)
{
	upki_ledger_report *r = g_new0(upki_ledger_report, 1);
	GPtrArray *rows = NULL, *bad = NULL, *fetches = NULL;

	if (p)
		r->policy = *p;
	if (!r->policy.as_of)
		r->policy.as_of = g_get_real_time() / G_USEC_PER_SEC;
	if (!r->policy.soon_days)
		r->policy.soon_days = 7;
	if (!r->policy.stall_days)
		r->policy.stall_days = 14;
	r->jobs = g_ptr_array_new_with_free_func(job_free);
	r->certs = g_ptr_array_new_with_free_func(cert_free);
	r->events = g_ptr_array_new_with_free_func(event_free);
	r->suspects = g_ptr_array_new_with_free_func(suspect_free);
	g_mutex_lock(&l->lock);
	rows = ledger_read_rows(l, "notices", error);
	bad = rows ? ledger_read_rows(l, "suspicious", error) : NULL;
	fetches = bad ? ledger_read_fetches(l, error) : NULL;
	g_mutex_unlock(&l->lock);
	if (!fetches) {
		g_clear_pointer(&r, upki_ledger_report_free);
		goto out;
	}
	derive(r, rows, fetches);
	for (guint i = 0; i < bad->len; i++) {
		const ledger_row *row = g_ptr_array_index(bad, i);
		if (row->signed_at <= r->policy.as_of)
			g_ptr_array_add(r->suspects, suspect_new(row));
	}
out:
	if (rows)
		g_ptr_array_unref(rows);
	if (bad)
		g_ptr_array_unref(bad);
	if (fetches)
		g_ptr_array_unref(fetches);
	return r;
}
