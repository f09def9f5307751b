/* test-retrieve.h - the parts of test-retrieve. */
#ifndef UPKI_TEST_RETRIEVE_H
#define UPKI_TEST_RETRIEVE_H

/* Registers the tests that need tests/fetch/fake-site.py running. */
void site_tests_add(void);

#endif
