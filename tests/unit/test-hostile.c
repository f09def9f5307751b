/* test-hostile.c - the pipeline (parser/notice.c and all it calls) on
 * damaged mail: every sample cut short at many points, with bytes
 * flipped, with lines duplicated.  Deterministic (fixed seed), so a
 * failure is reproducible; run under `make check SANITIZE=1` it is a
 * small fuzzing regression.  Passing means: no crash, no sanitizer
 * report, and every call returns a verdict or a clean error.
 */
#include <string.h>

#include "upki/mime.h"
#include "upki/notice.h"

static upki_profile *profile;
static upki_smime_verifier *verifier;
static guint analysed, refused;

static void analyse(const char *buf, gsize len)
{
	upki_options o = { .profile = profile, .verifier = verifier, .max_size = 1 << 20 };
	GError *err = NULL;
	upki_notice *n = upki_notice_analyze(buf, len, &o, &err);

	/* Exactly one of a verdict and an error. */
	g_assert_true((n == NULL) != (err == NULL));
	if (n) {
		g_assert_cmpint(n->verdict, <=, UPKI_VERDICT_SUSPICIOUS);
		analysed++;
	} else {
		g_assert_true(err->domain == UPKI_ERROR);
		refused++;
	}
	g_clear_error(&err);
	upki_notice_free(n);
	/* The header block alone takes its own path (mime-headers.c). */
	upki_mime_free(upki_mime_parse_headers(buf, len, NULL));
}

static void mutate_one(const char *name, GRand *rand)
{
	char *path = g_build_filename("samples", name, NULL);
	char *buf = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
	for (int i = 0; i <= 40; i++)
		analyse(buf, len * (gsize)i / 40);
	for (int i = 0; i < 40; i++) {
		char *copy = g_memdup2(buf, len);
		for (int k = 0; k < 1 + i % 8; k++)
			copy[g_rand_int_range(rand, 0, (gint32)len)] = (char)g_rand_int_range(rand, 0, 256);
		analyse(copy, len);
		g_free(copy);
	}
	/* A chunk of the message repeated inside itself (a relay gone wrong). */
	gsize at = len / 3, chunk = MIN(len / 4, (gsize)2000);
	GString *dup = g_string_new_len(buf, (gssize)at);
	g_string_append_len(dup, buf + at, (gssize)chunk);
	g_string_append_len(dup, buf + at, (gssize)(len - at));
	analyse(dup->str, dup->len);
	g_string_free(dup, TRUE);
	g_free(buf);
	g_free(path);
}

static void test_samples(void)
{
	GDir *dir = g_dir_open("samples", 0, NULL);
	GRand *rand = g_rand_new_with_seed(20261125);
	const char *name;
	guint files = 0;

	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir))) {
		if (!g_str_has_suffix(name, ".eml"))
			continue;
		mutate_one(name, rand);
		files++;
	}
	g_test_message("%u files, %u analysed, %u refused", files, analysed, refused);
	g_assert_cmpuint(files, >=, 20);
	g_assert_cmpuint(analysed, >, refused);
	g_rand_free(rand);
	g_dir_close(dir);
}

int main(int argc, char **argv)
{
	GError *err = NULL;

	g_test_init(&argc, &argv, NULL);
	upki_mime_init();
	profile = upki_profile_new_default();
	verifier = upki_smime_verifier_new("samples/ca/root.pem", NULL, &err);
	g_assert_no_error(err);
	g_test_add_func("/hostile/samples", test_samples);
	int rc = g_test_run();
	upki_smime_verifier_free(verifier);
	upki_profile_free(profile);
	return rc;
}
