/* test-retrieve.h - the parts of test-retrieve. */
#ifndef UPKI_TEST_RETRIEVE_H
#define UPKI_TEST_RETRIEVE_H

/* Registers the tests that need tests/fetch/fake-site.py running. */
void site_tests_add(void);

/* The PIN records the site gave for pinA (NULL before that test ran). */
GPtrArray *site_pins_a(void);

/* Registers the install tests: dir holds the certificate ZIPs, after the
 * site tests downloaded certA's into dir/out. */
void install_tests_add(const char *dir);

#endif
