/* fuzz-notice.c - libFuzzer entry point for the whole pipeline, with an
 * oracle for verdict soundness (issue 9), not only for crashes.
 *
 * `make fuzz` builds it with clang (-fsanitize=fuzzer,address,undefined)
 * and runs it on samples/ for FUZZ_SECONDS; any input that crashes, hangs
 * or trips a sanitizer is a bug.  So is a genuine verdict whose facts
 * (kind, url, serial) are not those of a genuine seed: the fuzzer cannot
 * forge a signature, so such a verdict means text outside a valid
 * signature of the sender was judged as signed.  At start the target
 * analyses every seed in UPKI_FUZZ_SEEDS (default samples/) with the
 * seeds' own settings (test root, verify at signing time, no staleness)
 * and keeps the facts of the genuine ones; it aborts if there are none,
 * so that the oracle cannot pass by knowing nothing.
 * tests/unit/test-hostile.c replays mutations of the samples in every
 * `make check`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "upki/mime.h"
#include "upki/notice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static upki_profile *profile;
static upki_smime_verifier *verifier;
static GHashTable *genuine_facts;

static upki_options options(void)
{
	upki_options o = { .profile = profile, .verifier = verifier,
			   .verify_time = UPKI_VERIFY_AT_SIGNING, .max_size = 1 << 20 };
	return o;
}

static char *facts_of(const upki_notice *n)
{
	return g_strdup_printf("%s|%s|%s", upki_kind_to_string(n->kind), n->url ? n->url : "-",
			       n->serial ? n->serial : "-");
}

static void learn_seeds(void)
{
	const char *dir = g_getenv("UPKI_FUZZ_SEEDS") ? g_getenv("UPKI_FUZZ_SEEDS") : "samples";
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	genuine_facts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	while (d && (name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);
		char *buf = NULL;
		gsize len = 0;
		upki_options o = options();
		if (g_str_has_suffix(name, ".eml") && g_file_get_contents(path, &buf, &len, NULL)) {
			upki_notice *n = upki_notice_analyze(buf, len, &o, NULL);
			if (n && n->verdict == UPKI_VERDICT_GENUINE)
				g_hash_table_add(genuine_facts, facts_of(n));
			upki_notice_free(n);
		}
		g_free(buf);
		g_free(path);
	}
	if (d)
		g_dir_close(d);
	if (g_hash_table_size(genuine_facts) == 0) {
		fprintf(stderr, "fuzz-notice: no genuine seed in %s (run from the project root)\n", dir);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!profile) {
		upki_mime_init();
		profile = upki_profile_new_default();
		verifier = upki_smime_verifier_new("samples/ca/root.pem", NULL, NULL);
		if (!verifier)
			abort();
		learn_seeds();
	}
	upki_options o = options();
	upki_notice *n = upki_notice_analyze((const char *)data, size, &o, NULL);
	if (n && n->verdict == UPKI_VERDICT_GENUINE) {
		char *f = facts_of(n);
		if (!g_hash_table_contains(genuine_facts, f)) {
			fprintf(stderr, "fuzz-notice: genuine verdict with facts of no genuine seed: %s\n", f);
			abort();
		}
		g_free(f);
	}
	upki_notice_free(n);
	/* The header block alone takes its own path (mime-headers.c). */
	upki_mime_free(upki_mime_parse_headers((const char *)data, size, NULL));
	return 0;
}
