/* report.c - verdicts as JSON lines (json-glib) and as short text.
 *
 * The line of a verdict is written by report-json.c; the json-glib
 * version here is its reference (and what other modules' lines use).
 *
 * Key names are an interface other tools parse (DESIGN.md): add keys,
 * never rename one.  Absent facts are JSON null rather than missing keys,
 * so a consumer can rely on every key being there.
 */
#include <string.h>

#include <json-glib/json-glib.h>

#include "upki/report.h"
#include "upki/url.h"
#include "report-private.h"
#include "tpool-private.h"

void upki_report_json_member(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

char *upki_report_time_iso(gint64 t)
{
	GDateTime *dt = t >= 0 ? g_date_time_new_from_unix_utc(t) : NULL;
	char *s = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	if (dt)
		g_date_time_unref(dt);
	return s;
}

static void add_where(JsonBuilder *b, const upki_report_where *w)
{
	upki_report_json_member(b, "source", w->source);
	json_builder_set_member_name(b, "index");
	json_builder_add_int_value(b, (gint64)w->index);
	json_builder_set_member_name(b, "offset");
	json_builder_add_int_value(b, (gint64)w->offset);
}

static void add_reasons(JsonBuilder *b, const char *key, guint64 set)
{
	json_builder_set_member_name(b, key);
	json_builder_begin_array(b);
	for (int r = 0; r < UPKI_R_COUNT; r++)
		if (set & UPKI_REASON_BIT(r))
			json_builder_add_string_value(b, upki_reason_token((upki_reason)r));
	json_builder_end_array(b);
}

static void add_signature(JsonBuilder *b, const upki_smime_result *r)
{
	char *when = r ? upki_report_time_iso(r->signing_time) : NULL;

	json_builder_set_member_name(b, "signature");
	json_builder_begin_object(b);
	upki_report_json_member(b, "status", upki_smime_status_token(r ? r->status : UPKI_SIG_NONE));
	upki_report_json_member(b, "signer", r ? r->signer_subject : NULL);
	upki_report_json_member(b, "issuer", r ? r->signer_issuer : NULL);
	upki_report_json_member(b, "serial", r ? r->signer_serial : NULL);
	upki_report_json_member(b, "signer_email",
		   r && r->signer_emails && r->signer_emails->len ? g_ptr_array_index(r->signer_emails, 0)
								 : NULL);
	upki_report_json_member(b, "signing_time", when);
	json_builder_set_member_name(b, "expired_now");
	json_builder_add_boolean_value(b, r && r->expired_now);
	json_builder_end_object(b);
	g_free(when);
}

static void add_urls(JsonBuilder *b, const GPtrArray *urls)
{
	json_builder_set_member_name(b, "urls");
	json_builder_begin_array(b);
	for (guint i = 0; urls && i < urls->len; i++) {
		const upki_url_finding *f = g_ptr_array_index(urls, i);
		json_builder_begin_object(b);
		upki_report_json_member(b, "url", f->url);
		add_reasons(b, "reasons", f->reasons);
		json_builder_set_member_name(b, "signed");
		json_builder_add_boolean_value(b, f->is_signed);
		json_builder_set_member_name(b, "html");
		json_builder_add_boolean_value(b, f->from_html);
		json_builder_set_member_name(b, "retrieval");
		json_builder_add_boolean_value(b, f->retrieval);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* A builder and a generator per thread, reset after each line: a batch
 * scan writes one line per message, and GLib 2.74 takes process-wide
 * locks to create and finalise GObjects, which kept threads from
 * scaling. */
typedef struct json_tools {
	JsonBuilder *builder;
	JsonGenerator *generator;
} json_tools;

static void json_tools_free(gpointer data)
{
	json_tools *t = data;

	g_object_unref(t->builder);
	g_object_unref(t->generator);
	g_free(t);
}

/* The builder and generator outlive their thread (tpool-private.h):
 * each use resets them. */
UPKI_TPOOL_DEFINE(tools_pool, json_tools_release, json_tools_free)

static GPrivate json_tools_key = G_PRIVATE_INIT(json_tools_release);

static json_tools *tools_get(void)
{
	json_tools *t = g_private_get(&json_tools_key);

	if (t)
		return t;
	t = upki_tpool_take(&tools_pool);
	if (!t) {
		t = g_new0(json_tools, 1);
		t->builder = json_builder_new();
		t->generator = json_generator_new();
	}
	g_private_set(&json_tools_key, t);
	return t;
}

JsonBuilder *upki_report_json_begin(void)
{
	JsonBuilder *b = tools_get()->builder;

	json_builder_reset(b);
	return b;
}

char *upki_report_json_end(void)
{
	json_tools *t = tools_get();
	JsonNode *root = json_builder_get_root(t->builder);
	char *text = NULL;

	json_generator_set_root(t->generator, root);
	text = json_generator_to_data(t->generator, NULL);
	json_generator_set_root(t->generator, NULL);
	json_node_unref(root);
	json_builder_reset(t->builder);
	return text;
}

char *upki_report_json_built(const upki_notice *n, const upki_report_where *w)
{
	JsonBuilder *b = upki_report_json_begin();

	json_builder_begin_object(b);
	add_where(b, w);
	upki_report_json_member(b, "message_id", n->message_id);
	upki_report_json_member(b, "kind", upki_kind_to_string(n->kind));
	upki_report_json_member(b, "verdict", upki_verdict_to_string(n->verdict));
	add_reasons(b, "reasons", n->reasons);
	upki_report_json_member(b, "url", n->url);
	upki_report_json_member(b, "deadline", n->deadline);
	add_signature(b, n->sig);
	upki_report_json_member(b, "subject", n->subject);
	upki_report_json_member(b, "from", n->from);
	upki_report_json_member(b, "date", n->date);
	upki_report_json_member(b, "dn", n->dn);
	upki_report_json_member(b, "serial", n->serial);
	upki_report_json_member(b, "old_serial", n->old_serial);
	add_urls(b, n->urls);
	json_builder_end_object(b);
	return upki_report_json_end();
}

char *upki_report_json_error_built(const upki_report_where *w, const char *error)
{
	JsonBuilder *b = upki_report_json_begin();

	json_builder_begin_object(b);
	add_where(b, w);
	upki_report_json_member(b, "error", error);
	json_builder_end_object(b);
	return upki_report_json_end();
}

const char *upki_report_csv_header(void)
{
	return "source,index,offset,message_id,kind,verdict,reasons,url,deadline,"
	       "signature_status,signer,signing_time,subject,from,dn,serial,old_serial";
}

/* RFC 4180 quoting; formula-looking fields are defused for spreadsheets,
 * since subjects and addresses come from whoever sent the mail. */
static void csv_field(GString *s, const char *v)
{
	if (!v)
		return;
	gboolean formula = v[0] && strchr("=+-@", v[0]);
	if (!formula && !strpbrk(v, ",\"\r\n")) {
		g_string_append(s, v);
		return;
	}
	g_string_append_c(s, '"');
	if (formula)
		g_string_append_c(s, '\'');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			g_string_append_c(s, '"');
		g_string_append_c(s, *p);
	}
	g_string_append_c(s, '"');
}

char *upki_report_csv(const upki_notice *n, const upki_report_where *w)
{
	GString *s = g_string_new(NULL);
	char *index = g_strdup_printf("%" G_GUINT64_FORMAT, w->index);
	char *offset = g_strdup_printf("%" G_GUINT64_FORMAT, w->offset);
	char *reasons = upki_reason_join(n->reasons, " ");
	char *when = n->sig ? upki_report_time_iso(n->sig->signing_time) : NULL;
	const char *fields[] = {
		w->source, index, offset, n->message_id, upki_kind_to_string(n->kind),
		upki_verdict_to_string(n->verdict), reasons, n->url, n->deadline,
		upki_smime_status_token(n->sig ? n->sig->status : UPKI_SIG_NONE),
		n->sig ? n->sig->signer_subject : NULL, when, n->subject, n->from, n->dn,
		n->serial, n->old_serial,
	};

	for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
		if (i)
			g_string_append_c(s, ',');
		csv_field(s, fields[i]);
	}
	g_free(when);
	g_free(reasons);
	g_free(offset);
	g_free(index);
	return g_string_free(s, FALSE);
}

/* Host and path only: the token is a one-time secret and text output is
 * what people paste into tickets. */
static void append_url(GString *s, const upki_url_finding *f)
{
	char *redacted = upki_url_redact(f->url);

	g_string_append_printf(s, f->retrieval ? "  url:      %s\n" : "  unsigned: %s\n", redacted);
	g_free(redacted);
}

char *upki_report_text(const upki_notice *n, const upki_report_where *w)
{
	GString *s = g_string_new(NULL);
	char *reasons = upki_reason_join(n->reasons, ", ");
	const upki_smime_result *sig = n->sig;

	g_string_append_printf(s, "%s: %s%s%s\n", w->source, upki_verdict_to_string(n->verdict),
			       n->kind ? " " : "", n->kind ? upki_kind_to_string(n->kind) : "");
	if (*reasons)
		g_string_append_printf(s, "  reasons:  %s\n", reasons);
	for (guint i = 0; n->urls && i < n->urls->len; i++)
		append_url(s, g_ptr_array_index(n->urls, i));
	if (n->deadline)
		g_string_append_printf(s, "  deadline: %s\n", n->deadline);
	if (n->dn)
		g_string_append_printf(s, "  dn:       %s\n", n->dn);
	if (n->serial)
		g_string_append_printf(s, "  serial:   %s\n", n->serial);
	if (n->old_serial)
		g_string_append_printf(s, "  replaces: %s\n", n->old_serial);
	if (sig && sig->signer_subject) {
		char *when = upki_report_time_iso(sig->signing_time);
		g_string_append_printf(s, "  signer:   %s [%s]%s%s\n", sig->signer_subject,
				       upki_smime_status_token(sig->status), when ? " signed " : "",
				       when ? when : "");
		g_free(when);
	}
	g_free(reasons);
	return g_string_free(s, FALSE);
}
