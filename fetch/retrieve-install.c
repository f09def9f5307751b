/* retrieve-install.c - fetch_certs_install(): from a certificate ZIP to
 * PKCS#12 files and receipts in OutputDir.
 *
 * Everything is checked before anything is written: client.txt, a PIN
 * for each of its lines, each PKCS#12 opened with the PIN of the line it
 * belongs to and checked against that line and CertCAFile.  Then each
 * file and its receipt are written under names made of the certificate's
 * serial (and the job id for the receipt), so a second install of the
 * same job rewrites the same files with the same bytes. */
#include <json-glib/json-glib.h>
#include <string.h>

#include "retrieve-private.h"

enum { COL_SERIAL, COL_NAME, COL_EMAIL, COL_DN };

typedef struct pending {
	const char *entry;  /* name in the ZIP, for errors */
	GBytes *der;        /* the file as downloaded: what is installed */
	fetch_p12 *p12;
} pending;

static void pending_free(gpointer data)
{
	pending *p = data;

	fetch_p12_free(p->p12);
	g_free(p);
}

void fetch_installed_free(fetch_installed *i)
{
	if (i == NULL)
		return;
	g_free(i->serial);
	g_free(i->subject);
	g_free(i->issuer);
	g_free(i->not_after);
	g_free(i->p12_path);
	g_free(i->receipt_path);
	g_free(i);
}

/* The job id becomes part of a file name. */
static gboolean job_id_ok(const char *id)
{
	if (id == NULL || id[0] == '\0' || id[0] == '.' || strlen(id) > 128)
		return FALSE;
	for (const char *c = id; *c; c++)
		if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.')
			return FALSE;
	return TRUE;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static gboolean is_p12_name(const char *name)
{
	char *low = g_ascii_strdown(name, -1);
	gboolean yes = g_str_has_suffix(low, ".p12") || g_str_has_suffix(low, ".pfx");

	g_free(low);
	return yes;
}

static fetch_zip_entry *client_txt(GPtrArray *entries)
{
	for (guint i = 0; i < entries->len; i++) {
		fetch_zip_entry *e = entries->pdata[i];

		if (g_ascii_strcasecmp(base_name(e->name), "client.txt") == 0)
			return e;
	}
	return NULL;
}

/* client.txt's lines, the one whose serial the file is named after first:
 * the real file names are not known, the PINs tell the files apart. */
static GPtrArray *candidates(GPtrArray *rows, const char *entry)
{
	GPtrArray *order = g_ptr_array_new();

	for (guint pass = 0; pass < 2; pass++)
		for (guint i = 0; i < rows->len; i++) {
			char **row = rows->pdata[i];
			gboolean named = row[COL_SERIAL][0] != '\0' && strstr(base_name(entry), row[COL_SERIAL]);

			if (named == (pass == 0))
				g_ptr_array_add(order, row);
		}
	return order;
}

/* Opens one PKCS#12 with the PIN of the line it belongs to and checks it
 * against that line; *row says which line. */
static fetch_outcome open_entry(fetch_trust *t, const fetch_install_opts *o, fetch_zip_entry *e, GPtrArray *rows,
				fetch_pin_lookup lookup, void *ctx, pending **out, char ***row_out, char **error)
{
	GPtrArray *order = candidates(rows, e->name);
	fetch_p12 *p = NULL;
	char *why = NULL;
	fetch_outcome r = FETCH_FAIL;

	for (guint i = 0; i < order->len && p == NULL; i++) {
		char **row = order->pdata[i];
		const char *pin = lookup(ctx, row[COL_EMAIL], row[COL_DN]);
		fetch_p12_result res = pin ? fetch_p12_open(t, e->data, pin, &p, &why) : FETCH_P12_WRONG_PIN;

		if (res == FETCH_P12_BAD)
			goto out;
		if (res != FETCH_P12_OK)
			continue;
		if (!fetch_p12_check(t, p, row[COL_SERIAL], row[COL_EMAIL], row[COL_DN], o->now, &why))
			goto out;
		*row_out = row;
	}
	if (p == NULL) {
		why = g_strdup("none of the PINs recorded for client.txt's lines opens it (wrong PIN)");
		goto out;
	}
	*out = g_new0(pending, 1);
	(*out)->entry = e->name;
	(*out)->der = e->data;
	(*out)->p12 = g_steal_pointer(&p);
	r = FETCH_OK;
out:
	if (why != NULL)
		*error = g_strdup_printf("%s: %s", e->name, why);
	g_free(why);
	fetch_p12_free(p);
	g_ptr_array_unref(order);
	return r;
}

static char *receipt_json(const fetch_installed *i, const char *job_id)
{
	JsonBuilder *b = json_builder_new();
	JsonGenerator *g = json_generator_new();
	JsonNode *root;
	char *text;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "job_id");
	json_builder_add_string_value(b, job_id);
	json_builder_set_member_name(b, "serial");
	json_builder_add_string_value(b, i->serial);
	json_builder_set_member_name(b, "subject");
	json_builder_add_string_value(b, i->subject);
	json_builder_set_member_name(b, "issuer");
	json_builder_add_string_value(b, i->issuer);
	json_builder_set_member_name(b, "not_after");
	json_builder_add_string_value(b, i->not_after);
	json_builder_set_member_name(b, "p12");
	json_builder_add_string_value(b, base_name(i->p12_path));
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	json_generator_set_pretty(g, TRUE);
	text = json_generator_to_data(g, NULL);
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(b);
	return text;
}

/* Disk errors are worth retrying: the ZIP stays where it is. */
static fetch_outcome install_one(const fetch_install_opts *o, pending *p, GPtrArray *out, char **error)
{
	fetch_installed *i = g_new0(fetch_installed, 1);
	char *name = NULL, *json = NULL;
	gsize len = 0;
	const void *data = g_bytes_get_data(p->der, &len);
	fetch_outcome r = FETCH_RETRY;

	fetch_p12_describe(p->p12, i);
	name = g_strdup_printf("%s.p12", i->serial);
	i->p12_path = g_build_filename(o->output_dir, name, NULL);
	g_free(name);
	name = g_strdup_printf("%s.%s.json", o->job_id, i->serial);
	i->receipt_path = g_build_filename(o->output_dir, name, NULL);
	json = receipt_json(i, o->job_id);
	if (!fetch_write_durably(i->p12_path, data, len, error) ||
	    !fetch_write_durably(i->receipt_path, json, strlen(json), error))
		goto out;
	g_ptr_array_add(out, g_steal_pointer(&i));
	r = FETCH_OK;
out:
	fetch_installed_free(i);
	g_free(name);
	g_free(json);
	return r;
}

/* Every line a PIN, before the PKCS#12 files are even tried: a missing
 * one means its PIN notice was not fetched (or recorded) yet. */
static fetch_outcome pins_known(GPtrArray *rows, fetch_pin_lookup lookup, void *ctx, char **error)
{
	for (guint i = 0; i < rows->len; i++) {
		char **row = rows->pdata[i];

		if (lookup(ctx, row[COL_EMAIL], row[COL_DN]) == NULL) {
			*error = g_strdup_printf("no PIN recorded yet for %s (certificate %s)", row[COL_EMAIL],
						 row[COL_SERIAL]);
			return FETCH_RETRY;
		}
	}
	return FETCH_OK;
}

/* Opens and checks every PKCS#12; each line of client.txt needs exactly one. */
static fetch_outcome open_all(fetch_trust *t, const fetch_install_opts *o, GPtrArray *entries, GPtrArray *rows,
			      fetch_pin_lookup lookup, void *ctx, GPtrArray *todo, char **error)
{
	GHashTable *seen = g_hash_table_new(NULL, NULL);
	fetch_outcome r = FETCH_FAIL;

	for (guint i = 0; i < entries->len; i++) {
		fetch_zip_entry *e = entries->pdata[i];
		pending *p = NULL;
		char **row = NULL;

		if (!is_p12_name(e->name))
			continue;
		if (open_entry(t, o, e, rows, lookup, ctx, &p, &row, error) != FETCH_OK)
			goto out;
		g_ptr_array_add(todo, p);
		if (!g_hash_table_add(seen, row)) {
			*error = g_strdup_printf("%s: a second PKCS#12 for certificate %s", e->name, row[COL_SERIAL]);
			goto out;
		}
	}
	for (guint i = 0; i < rows->len; i++)
		if (!g_hash_table_contains(seen, rows->pdata[i])) {
			*error = g_strdup_printf("no PKCS#12 in the ZIP for certificate %s of client.txt",
						 ((char **)rows->pdata[i])[COL_SERIAL]);
			goto out;
		}
	r = FETCH_OK;
out:
	g_hash_table_unref(seen);
	return r;
}

fetch_outcome fetch_certs_install(const char *zip_path, const fetch_install_opts *o, fetch_pin_lookup lookup,
				  void *ctx, GPtrArray **installed, char **error)
{
	GPtrArray *entries = NULL, *rows = NULL, *out = NULL;
	GPtrArray *todo = g_ptr_array_new_with_free_func(pending_free);
	fetch_zip_entry *client = NULL;
	fetch_trust *t = NULL;
	fetch_outcome r = FETCH_FAIL;
	gsize len = 0;
	const char *text;

	*installed = NULL;
	*error = NULL;
	if (!job_id_ok(o->job_id)) {
		*error = g_strdup("job id unfit for a file name");
		goto out;
	}
	r = fetch_zip_read_file(zip_path, o->max_zip_entries, o->max_zip_uncompressed, &entries, error);
	if (r != FETCH_OK)
		goto out;
	r = FETCH_FAIL;
	client = client_txt(entries);
	if (client == NULL) {
		*error = g_strdup_printf("%s: no client.txt", zip_path);
		goto out;
	}
	text = g_bytes_get_data(client->data, &len);
	rows = fetch_tsv_rows(text, len, 4, error);
	if (rows == NULL)
		goto out;
	r = pins_known(rows, lookup, ctx, error);
	if (r != FETCH_OK)
		goto out;
	r = FETCH_FAIL;
	t = fetch_trust_new(o->cert_ca_file, error);
	if (t == NULL)
		goto out;
	r = open_all(t, o, entries, rows, lookup, ctx, todo, error);
	if (r != FETCH_OK)
		goto out;
	out = g_ptr_array_new_with_free_func((GDestroyNotify)fetch_installed_free);
	for (guint i = 0; i < todo->len && r == FETCH_OK; i++)
		r = install_one(o, todo->pdata[i], out, error);
	if (r == FETCH_OK)
		*installed = g_steal_pointer(&out);
out:
	if (out != NULL)
		g_ptr_array_unref(out);
	g_ptr_array_unref(todo);
	if (rows != NULL)
		g_ptr_array_unref(rows);
	if (entries != NULL)
		g_ptr_array_unref(entries);
	fetch_trust_free(t);
	return r;
}
