/* fuzz-notice.c - libFuzzer entry point for the whole pipeline.
 *
 * `make fuzz` builds it with clang (-fsanitize=fuzzer,address,undefined)
 * and runs it on samples/ for FUZZ_SECONDS; any input that crashes, hangs
 * or trips a sanitizer is a bug.  tests/unit/test-hostile.c replays
 * mutations of the samples in every `make check`.
 */
#include <stdint.h>
#include <stdlib.h>

#include "upki/mime.h"
#include "upki/notice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static upki_profile *profile;
	static upki_smime_verifier *verifier;

	if (!profile) {
		upki_mime_init();
		profile = upki_profile_new_default();
		verifier = upki_smime_verifier_new("samples/ca/root.pem", NULL, NULL);
		if (!verifier)
			abort();
	}
	upki_options o = { .profile = profile, .verifier = verifier, .max_size = 1 << 20 };
	upki_notice *n = upki_notice_analyze((const char *)data, size, &o, NULL);
	upki_notice_free(n);
	/* The header block alone takes its own path (mime-headers.c). */
	upki_mime_free(upki_mime_parse_headers((const char *)data, size, NULL));
	return 0;
}
