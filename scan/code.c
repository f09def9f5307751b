/* code.c - the exit-status accumulator of upki-scan (code.h).
 *
 * An atomic maximum: threads of a -j run note codes without a lock.
 */
#include <stdatomic.h>

#include "code.h"

struct scan_code {
	atomic_int worst;
};

scan_code *scan_code_new(void)
{
	scan_code *c = g_new0(scan_code, 1);

	atomic_init(&c->worst, EXIT_GENUINE);
	return c;
}

void scan_code_free(scan_code *c)
{
	g_free(c);
}

void scan_code_note(scan_code *c, int code)
{
	int old = atomic_load(&c->worst);

	while (code > old && !atomic_compare_exchange_weak(&c->worst, &old, code))
		;
}

int scan_code_get(scan_code *c)
{
	return atomic_load(&c->worst);
}

int scan_code_of_verdict(upki_verdict v)
{
	switch (v) {
	case UPKI_VERDICT_GENUINE: return EXIT_GENUINE;
	case UPKI_VERDICT_SUSPICIOUS: return EXIT_SUSPICIOUS;
	case UPKI_VERDICT_NOT_NOTICE: break;
	}
	return EXIT_NOT_NOTICE;
}
