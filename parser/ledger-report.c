/* ledger-report.c - the derived states as one JSON document and as text.
 *
 * Both say the same things in the same order: a summary (counts per
 * state, per month), what needs action, the timeline, the suspicious
 * notices with their reasons.  docs/ledger.md is the JSON's schema: keys
 * are an interface, extended, never renamed.  Everything printed comes
 * from the ledger, which holds no URL: no token can reach the report.
 * Months are UTC, as the deadlines are (notice.c).
 */
#include <string.h>

#include <json-glib/json-glib.h>

#include "upki/ledger.h"
#include "upki/report.h"
#include "ledger-tally.h"

#define SCHEMA "upki-ledger-report/1"

/* ---- JSON ---- */

static void member_time(JsonBuilder *b, const char *key, gint64 t)
{
	char *iso = upki_report_time_iso(t);

	upki_report_json_member(b, key, iso);
	g_free(iso);
}

static void member_where(JsonBuilder *b, const char *source, guint64 offset)
{
	upki_report_json_member(b, "source", source);
	json_builder_set_member_name(b, "offset");
	json_builder_add_int_value(b, (gint64)offset);
}

/* "name": count, for each of n names. */
static void json_counts_members(JsonBuilder *b, const char *const *names, const guint *counts, gsize n)
{
	for (gsize i = 0; i < n; i++) {
		json_builder_set_member_name(b, names[i]);
		json_builder_add_int_value(b, counts[i]);
	}
}

static void json_counts(JsonBuilder *b, const char *name, const char *const *states, const guint *counts,
			gsize n)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	json_counts_members(b, states, counts, n);
	json_builder_end_object(b);
}

static void json_summary(JsonBuilder *b, const upki_ledger_report *r)
{
	ledger_tally t;

	ledger_tally_build(&t, r);
	json_builder_set_member_name(b, "summary");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "notices");
	json_builder_add_int_value(b, r->events->len);
	json_builder_set_member_name(b, "suspicious");
	json_builder_add_int_value(b, r->suspects->len);
	json_counts(b, "jobs", ledger_job_states, t.jobs, LEDGER_N_JOB_STATES);
	json_counts(b, "certificates", ledger_cert_states, t.certs, LEDGER_N_CERT_STATES);
	json_builder_set_member_name(b, "months");
	json_builder_begin_array(b);
	for (guint i = 0; i < t.months->len; i++) {
		const ledger_month *m = &g_array_index(t.months, ledger_month, i);
		json_builder_begin_object(b);
		upki_report_json_member(b, "month", m->month);
		json_counts_members(b, ledger_kinds, m->n, LEDGER_N_KINDS + 1);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	ledger_tally_clear(&t);
}

static void json_job(JsonBuilder *b, const upki_ledger_job *j)
{
	json_builder_begin_object(b);
	upki_report_json_member(b, "job_id", j->job_id);
	upki_report_json_member(b, "where", j->where);
	upki_report_json_member(b, "kind", j->kind);
	upki_report_json_member(b, "recipient", j->recipient);
	member_time(b, "signed", j->signed_at);
	upki_report_json_member(b, "deadline", j->deadline);
	upki_report_json_member(b, "state", j->state);
	upki_report_json_member(b, "action", j->action);
	upki_report_json_member(b, "serial", j->serial);
	member_where(b, j->source, j->offset);
	json_builder_end_object(b);
}

static void json_cert(JsonBuilder *b, const upki_ledger_cert *c)
{
	json_builder_begin_object(b);
	upki_report_json_member(b, "dn", c->dn);
	upki_report_json_member(b, "serial", c->serial);
	upki_report_json_member(b, "state", c->state);
	upki_report_json_member(b, "action", c->action);
	member_time(b, "since", c->since);
	upki_report_json_member(b, "old_serial", c->old_serial);
	upki_report_json_member(b, "new_serial", c->new_serial);
	json_builder_end_object(b);
}

static void json_event(JsonBuilder *b, const upki_ledger_event *e)
{
	json_builder_begin_object(b);
	member_time(b, "signed", e->signed_at);
	upki_report_json_member(b, "kind", e->kind);
	upki_report_json_member(b, "dn", e->dn);
	upki_report_json_member(b, "serial", e->serial);
	upki_report_json_member(b, "old_serial", e->old_serial);
	upki_report_json_member(b, "job_id", e->job_id);
	member_where(b, e->source, e->offset);
	json_builder_end_object(b);
}

static void json_suspect(JsonBuilder *b, const upki_ledger_suspect *s)
{
	json_builder_begin_object(b);
	member_time(b, "signed", s->signed_at);
	upki_report_json_member(b, "date", s->date);
	upki_report_json_member(b, "kind", s->kind);
	upki_report_json_member(b, "message_id", s->message_id);
	upki_report_json_member(b, "from", s->from);
	upki_report_json_member(b, "url_host", s->url_host);
	json_builder_set_member_name(b, "reasons");
	json_builder_begin_array(b);
	if (s->reasons) {
		char **tokens = g_strsplit(s->reasons, " ", -1);
		for (char **t = tokens; *t; t++)
			if (**t)
				json_builder_add_string_value(b, *t);
		g_strfreev(tokens);
	}
	json_builder_end_array(b);
	member_where(b, s->source, s->offset);
	json_builder_end_object(b);
}

/* The action list: open jobs first (by deadline order of the jobs),
 * then certificates. */
static void json_actions(JsonBuilder *b, const upki_ledger_report *r)
{
	json_builder_set_member_name(b, "action");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->jobs->len; i++) {
		const upki_ledger_job *j = g_ptr_array_index(r->jobs, i);
		if (j->action)
			json_job(b, j);
	}
	for (guint i = 0; i < r->certs->len; i++) {
		const upki_ledger_cert *c = g_ptr_array_index(r->certs, i);
		if (c->action)
			json_cert(b, c);
	}
	json_builder_end_array(b);
}

#define JSON_LIST(b, name, arr, fn)                                   \
	do {                                                          \
		json_builder_set_member_name(b, name);                \
		json_builder_begin_array(b);                          \
		for (guint i_ = 0; i_ < (arr)->len; i_++)             \
			fn(b, g_ptr_array_index(arr, i_));            \
		json_builder_end_array(b);                            \
	} while (0)

char *upki_ledger_report_json(const upki_ledger_report *r)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *g = json_generator_new();
	JsonNode *root = NULL;
	char *out = NULL;

	json_builder_begin_object(b);
	upki_report_json_member(b, "schema", SCHEMA);
	member_time(b, "as_of", r->policy.as_of);
	json_builder_set_member_name(b, "soon_days");
	json_builder_add_int_value(b, r->policy.soon_days);
	json_builder_set_member_name(b, "stall_days");
	json_builder_add_int_value(b, r->policy.stall_days);
	json_summary(b, r);
	json_actions(b, r);
	JSON_LIST(b, "jobs", r->jobs, json_job);
	JSON_LIST(b, "certificates", r->certs, json_cert);
	JSON_LIST(b, "timeline", r->events, json_event);
	JSON_LIST(b, "suspicious", r->suspects, json_suspect);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	json_generator_set_pretty(g, TRUE);
	out = json_generator_to_data(g, NULL);
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(b);
	return out;
}

/* ---- text ---- */

static char *day_of(gint64 t)
{
	GDateTime *d = t >= 0 ? g_date_time_new_from_unix_utc(t) : NULL;
	char *s = d ? g_date_time_format(d, "%Y-%m-%d %H:%M") : g_strdup("(unsigned)        ");

	if (d)
		g_date_time_unref(d);
	return s;
}

static void text_summary(GString *o, const upki_ledger_report *r)
{
	ledger_tally t;

	ledger_tally_build(&t, r);
	g_string_append_printf(o, "Summary: %u genuine notices, %u suspicious\n", r->events->len,
			       r->suspects->len);
	g_string_append(o, "  jobs:        ");
	for (gsize i = 0; i < LEDGER_N_JOB_STATES; i++)
		g_string_append_printf(o, " %s %u", ledger_job_states[i], t.jobs[i]);
	g_string_append(o, "\n  certificates:");
	for (gsize i = 0; i < LEDGER_N_CERT_STATES; i++)
		g_string_append_printf(o, " %s %u", ledger_cert_states[i], t.certs[i]);
	g_string_append(o, "\n  month    ");
	for (gsize i = 0; i < LEDGER_N_KINDS; i++)
		g_string_append_printf(o, " %14s", ledger_kinds[i]);
	g_string_append(o, "     suspicious\n");
	for (guint i = 0; i < t.months->len; i++) {
		const ledger_month *m = &g_array_index(t.months, ledger_month, i);
		g_string_append_printf(o, "  %-8s ", m->month);
		for (guint k = 0; k <= LEDGER_N_KINDS; k++)
			g_string_append_printf(o, " %14u", m->n[k]);
		g_string_append_c(o, '\n');
	}
	ledger_tally_clear(&t);
}

static void text_actions(GString *o, const upki_ledger_report *r)
{
	guint n = 0;

	g_string_append(o, "\nNeeding action:\n");
	for (guint i = 0; i < r->jobs->len; i++) {
		const upki_ledger_job *j = g_ptr_array_index(r->jobs, i);
		if (!j->action)
			continue;
		g_string_append_printf(o, "  %-15s %-10s job %s (%s) to %s, deadline %s\n", j->action, j->kind,
				       j->job_id, j->where ? j->where : "?", j->recipient ? j->recipient : "?",
				       j->deadline ? j->deadline : "?");
		n++;
	}
	for (guint i = 0; i < r->certs->len; i++) {
		const upki_ledger_cert *c = g_ptr_array_index(r->certs, i);
		if (!c->action)
			continue;
		g_string_append_printf(o, "  %-15s serial %s, %s\n", c->action, c->serial, c->dn ? c->dn : "?");
		n++;
	}
	if (!n)
		g_string_append(o, "  nothing\n");
}

static void text_timeline(GString *o, const upki_ledger_report *r)
{
	g_string_append(o, "\nTimeline:\n");
	for (guint i = 0; i < r->events->len; i++) {
		const upki_ledger_event *e = g_ptr_array_index(r->events, i);
		char *day = day_of(e->signed_at);
		g_string_append_printf(o, "  %s  %-14s", day, e->kind);
		if (e->job_id)
			g_string_append_printf(o, " job %s", e->job_id);
		if (e->serial)
			g_string_append_printf(o, " serial %s", e->serial);
		if (e->old_serial)
			g_string_append_printf(o, " (was %s)", e->old_serial);
		if (e->dn)
			g_string_append_printf(o, " %s", e->dn);
		g_string_append_c(o, '\n');
		g_free(day);
	}
}

static void text_suspects(GString *o, const upki_ledger_report *r)
{
	g_string_append(o, "\nSuspicious:\n");
	if (!r->suspects->len)
		g_string_append(o, "  none\n");
	for (guint i = 0; i < r->suspects->len; i++) {
		const upki_ledger_suspect *s = g_ptr_array_index(r->suspects, i);
		g_string_append_printf(o, "  %s  %-14s from %s%s%s: %s (%s#%" G_GUINT64_FORMAT ")\n",
				       s->date ? s->date : "?", s->kind, s->from ? s->from : "?",
				       s->url_host ? ", link to " : "", s->url_host ? s->url_host : "",
				       s->reasons ? s->reasons : "", s->source, s->offset);
	}
}

char *upki_ledger_report_text(const upki_ledger_report *r)
{
	GString *o = g_string_new(NULL);
	char *as_of = upki_report_time_iso(r->policy.as_of);

	g_string_append_printf(o, "Certificate lifecycle as of %s\n\n", as_of);
	text_summary(o, r);
	text_actions(o, r);
	text_timeline(o, r);
	text_suspects(o, r);
	g_free(as_of);
	return g_string_free(o, FALSE);
}
