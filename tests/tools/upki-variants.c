/* upki-variants - writes the prefilter's generated variants
 * (tests/unit/prefilter-variants.h) for the command-line tests:
 * DIR/all.mbox holds every one, DIR/NNNNN.eml every STEP-th.
 * Usage: upki-variants DIR [STEP] */
#include <stdio.h>
#include <stdlib.h>

#include "../unit/prefilter-variants.h"

static gboolean put(const char *path, const char *data, gsize len)
{
	GError *err = NULL;

	if (g_file_set_contents(path, data, (gssize)len, &err))
		return TRUE;
	fprintf(stderr, "upki-variants: %s\n", err->message);
	g_error_free(err);
	return FALSE;
}

int main(int argc, char **argv)
{
	GPtrArray *vs = NULL;
	GString *mbox = g_string_new(NULL);
	guint step = argc > 2 ? (guint)atoi(argv[2]) : 10;
	int rc = 0;

	if (argc < 2 || step == 0) {
		fprintf(stderr, "usage: upki-variants DIR [STEP]\n");
		return 2;
	}
	vs = variants_make();
	for (guint i = 0; i < vs->len && rc == 0; i++) {
		const variant *v = g_ptr_array_index(vs, i);
		/* no body line starts with "From ": nothing to quote */
		g_string_append_printf(mbox, "From variant@test Mon Nov  2 10:00:00 2026\n%s\n", v->msg->str);
		if (i % step == 0) {
			char *path = g_strdup_printf("%s/%05u.eml", argv[1], i);
			rc = put(path, v->msg->str, v->msg->len) ? 0 : 1;
			g_free(path);
		}
	}
	if (rc == 0) {
		char *path = g_strdup_printf("%s/all.mbox", argv[1]);
		rc = put(path, mbox->str, mbox->len) ? 0 : 1;
		g_free(path);
	}
	g_string_free(mbox, TRUE);
	g_ptr_array_unref(vs);
	return rc;
}
