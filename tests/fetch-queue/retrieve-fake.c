/* retrieve-fake.c - a stand-in for fetch/retrieve*.c, linked only into
 * build/tests/fetch-queue/upki-fetch-fake, never into the shipped upki-fetch.
 *
 * It lets tests drive the state that upki-fetch keeps around the
 * retrieve action (PINs recorded, a ZIP kept while its PIN is missing,
 * never downloaded twice) without the service.  Everything is files in
 * $UPKI_FETCH_FAKE (the test's directory):
 *   pins         lines "email<TAB>dn<TAB>pin" the PIN download returns
 *   client       "email<TAB>dn" the certificate ZIP names
 *   needs-pin    when present, the certificate download is refused
 *                (FETCH_RETRY) until a PIN download happened
 *   downloads    appended: "pin" or "cert" per download made
 *   used         appended: a hash of each PIN URL downloaded; a second
 *                download of one is refused (FETCH_FAIL), as by the site
 *   pin-pause    milliseconds to wait after writing the PIN ZIP
 * The PIN "ZIP" is a copy of pins at the path the caller gives.
 * The certificate "ZIP" is a text file; "installing" it writes <job>.p12 and
 * <job>.receipt into output_dir holding the PIN the lookup gave.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "retrieve.h"

static char *fake_path(const char *name)
{
	const char *dir = getenv("UPKI_FETCH_FAKE");

	return g_build_filename(dir ? dir : ".", name, NULL);
}

static char *fake_read(const char *name)
{
	char *path = fake_path(name), *text = NULL;

	g_file_get_contents(path, &text, NULL, NULL);
	g_free(path);
	return text;
}

static void note_download(const char *what)
{
	char *path = fake_path("downloads");
	FILE *f = fopen(path, "a");

	if (f) {
		fprintf(f, "%s\n", what);
		fclose(f);
	}
	g_free(path);
}

void fetch_pin_record_free(fetch_pin_record *r)
{
	if (!r)
		return;
	g_free(r->name);
	g_free(r->email);
	g_free(r->pin);
	g_free(r->dn);
	g_free(r);
}

void fetch_installed_free(fetch_installed *i)
{
	if (!i)
		return;
	g_free(i->serial);
	g_free(i->subject);
	g_free(i->issuer);
	g_free(i->not_after);
	g_free(i->p12_path);
	g_free(i->receipt_path);
	g_free(i);
}

/* The records of a "PIN ZIP" (the pins file's lines). */
static GPtrArray *pin_records(const char *text)
{
	GPtrArray *records = g_ptr_array_new_with_free_func((GDestroyNotify)fetch_pin_record_free);
	gchar **lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i]; i++) {
		gchar **f = g_strsplit(lines[i], "\t", 3);
		if (g_strv_length(f) == 3) {
			fetch_pin_record *r = g_new0(fetch_pin_record, 1);
			r->name = g_strdup("Fake Name");
			r->email = g_strdup(f[0]);
			r->dn = g_strdup(f[1]);
			r->pin = g_strdup(f[2]);
			g_ptr_array_add(records, r);
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	return records;
}

static gboolean used_before(const char *hash)
{
	char *used = fake_read("used");
	gboolean yes = used && strstr(used, hash);

	g_free(used);
	return yes;
}

static void mark_used(const char *hash)
{
	char *path = fake_path("used");
	FILE *f = fopen(path, "a");

	if (f) {
		fprintf(f, "%s\n", hash);
		fclose(f);
	}
	g_free(path);
}

/* pin-pause, when present, holds milliseconds to wait once the PIN ZIP
 * is written: the window a kill must hit between download and commit. */
static void pin_pause(void)
{
	char *ms = fake_read("pin-pause");

	if (ms)
		g_usleep((gulong)g_ascii_strtoull(ms, NULL, 10) * 1000);
	g_free(ms);
}

fetch_outcome fetch_retrieve_pin(const fetch_http_opts *o, const char *url, const char *zip_path,
				 GPtrArray **records, char **error)
{
	char *text = NULL, *tmp = g_strconcat(zip_path, ".tmp", NULL);
	char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, url, -1);
	fetch_outcome out = FETCH_OK;

	(void)o;
	*records = NULL;
	*error = NULL;
	if (access(zip_path, F_OK) != 0) {
		text = fake_read("pins");
		if (!text) {
			*error = g_strdup("fake: no pins file");
			out = FETCH_RETRY;
			goto done;
		}
		if (used_before(hash)) {
			*error = g_strdup("fake: URL used up");
			out = FETCH_FAIL;
			goto done;
		}
		note_download("pin");
		if (!g_file_set_contents(tmp, text, -1, NULL) || rename(tmp, zip_path) != 0) {
			*error = g_strdup("fake: cannot write the PIN ZIP");
			out = FETCH_RETRY;
			goto done;
		}
		/* used up once it is on disk: a kill before the rename is a
		 * download lost in transit, which this stand-in does not model */
		mark_used(hash);
		g_clear_pointer(&text, g_free);
		pin_pause();
	}
	if (!g_file_get_contents(zip_path, &text, NULL, NULL)) {
		*error = g_strdup("fake: cannot read the PIN ZIP");
		out = FETCH_FAIL;
		goto done;
	}
	*records = pin_records(text);
done:
	g_free(hash);
	g_free(tmp);
	g_free(text);
	return out;
}

fetch_outcome fetch_retrieve_cert_zip(const fetch_http_opts *o, const char *url, const char *zip_path,
				      char **error)
{
	char *needs = fake_path("needs-pin"), *seen = fake_read("downloads");
	char *client = fake_read("client"), *tmp = g_strconcat(zip_path, ".tmp", NULL);
	fetch_outcome out = FETCH_OK;

	(void)o;
	(void)url;
	if (access(needs, F_OK) == 0 && !(seen && strstr(seen, "pin\n"))) {
		*error = g_strdup("fake: the site wants the PIN notice fetched first");
		out = FETCH_RETRY;
	} else if (!client || !g_file_set_contents(tmp, client, -1, NULL) || rename(tmp, zip_path) != 0) {
		*error = g_strdup("fake: cannot write the ZIP");
		out = FETCH_FAIL;
	} else {
		note_download("cert");
	}
	g_free(tmp);
	g_free(client);
	g_free(seen);
	g_free(needs);
	return out;
}

static fetch_installed *write_install(const char *zip_text, const fetch_install_opts *o,
				      const char *pin)
{
	fetch_installed *in = g_new0(fetch_installed, 1);
	char *p12 = g_strconcat(o->job_id, ".p12", NULL), *rc = g_strconcat(o->job_id, ".receipt", NULL);

	in->serial = g_strdup("1234");
	in->subject = g_strstrip(g_strdup(zip_text));
	in->p12_path = g_build_filename(o->output_dir, p12, NULL);
	in->receipt_path = g_build_filename(o->output_dir, rc, NULL);
	g_file_set_contents(in->p12_path, pin, -1, NULL);
	g_file_set_contents(in->receipt_path, o->job_id, -1, NULL);
	g_free(p12);
	g_free(rc);
	return in;
}

fetch_outcome fetch_certs_install(const char *zip_path, const fetch_install_opts *o, fetch_pin_lookup lookup,
				  void *ctx, GPtrArray **installed, char **error)
{
	char *text = NULL;
	gchar **f = NULL;
	const char *pin = NULL;
	fetch_outcome out = FETCH_FAIL;

	if (!g_file_get_contents(zip_path, &text, NULL, NULL)) {
		*error = g_strdup("fake: no ZIP");
		return FETCH_FAIL;
	}
	f = g_strsplit(g_strstrip(text), "\t", 2);
	if (g_strv_length(f) != 2) {
		*error = g_strdup("fake: bad client line");
		goto out;
	}
	pin = lookup(ctx, f[0], f[1]);
	if (!pin) {
		*error = g_strdup("fake: no PIN known yet");
		out = FETCH_RETRY;
		goto out;
	}
	*installed = g_ptr_array_new_with_free_func((GDestroyNotify)fetch_installed_free);
	g_ptr_array_add(*installed, write_install(text, o, pin));
	out = FETCH_OK;
out:
	g_strfreev(f);
	g_free(text);
	return out;
}
