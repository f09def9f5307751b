/* test-peerlist.c - parser/peerlist.c: PeerList entries and matching,
 * table-driven: IPv4, IPv6, CIDR edges (/0, /32, /128, odd prefixes),
 * IPv4-mapped peers and entries, sockaddr peers, bad entries and files. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "upki/error.h"
#include "upki/peerlist.h"
#include "test-util.h"

typedef struct match_row {
	const char *name, *list, *peer;
	gboolean want;
} match_row;

static const match_row matches[] = {
	{ "v4-exact", "192.0.2.7", "192.0.2.7", TRUE },
	{ "v4-exact-other", "192.0.2.7", "192.0.2.8", FALSE },
	{ "v4-slash32", "192.0.2.7/32", "192.0.2.7", TRUE },
	{ "v4-slash32-other", "192.0.2.7/32", "192.0.2.6", FALSE },
	{ "v4-slash0-any", "0.0.0.0/0", "203.0.113.200", TRUE },
	{ "v4-slash0-not-v6", "0.0.0.0/0", "2001:db8::1", FALSE },
	{ "v4-slash8-first", "10.0.0.0/8", "10.0.0.0", TRUE },
	{ "v4-slash8-last", "10.0.0.0/8", "10.255.255.255", TRUE },
	{ "v4-slash8-next", "10.0.0.0/8", "11.0.0.0", FALSE },
	{ "v4-slash8-before", "10.0.0.0/8", "9.255.255.255", FALSE },
	{ "v4-slash25-in", "192.0.2.128/25", "192.0.2.255", TRUE },
	{ "v4-slash25-out", "192.0.2.128/25", "192.0.2.127", FALSE },
	{ "v4-slash31", "192.0.2.6/31", "192.0.2.7", TRUE },
	{ "v4-slash31-out", "192.0.2.6/31", "192.0.2.8", FALSE },
	{ "v4-slash12-edge", "172.16.0.0/12", "172.31.255.255", TRUE },
	{ "v4-slash12-past", "172.16.0.0/12", "172.32.0.0", FALSE },
	{ "v6-exact", "2001:db8::1", "2001:db8::1", TRUE },
	{ "v6-exact-other", "2001:db8::1", "2001:db8::2", FALSE },
	{ "v6-slash128", "2001:db8::1/128", "2001:db8:0:0:0:0:0:1", TRUE },
	{ "v6-slash128-other", "2001:db8::1/128", "2001:db8::1:1", FALSE },
	{ "v6-slash0-any", "::/0", "2001:db8:ffff::1", TRUE },
	{ "v6-slash0-not-v4", "::/0", "192.0.2.7", FALSE },
	{ "v6-slash0-not-mapped", "::/0", "::ffff:192.0.2.7", FALSE },
	{ "v6-slash32-in", "2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", TRUE },
	{ "v6-slash32-out", "2001:db8::/32", "2001:db9::", FALSE },
	{ "v6-slash63-in", "2001:db8:0:2::/63", "2001:db8:0:3::5", TRUE },
	{ "v6-slash63-out", "2001:db8:0:2::/63", "2001:db8:0:4::", FALSE },
	{ "v6-loopback", "::1", "::1", TRUE },
	{ "mapped-peer-v4-entry", "192.0.2.0/24", "::ffff:192.0.2.99", TRUE },
	{ "mapped-peer-v4-entry-out", "192.0.2.0/24", "::ffff:192.0.3.1", FALSE },
	{ "mapped-peer-loopback", "127.0.0.1", "::ffff:127.0.0.1", TRUE },
	{ "mapped-entry-v4-peer", "::ffff:192.0.2.0/120", "192.0.2.42", TRUE },
	{ "mapped-entry-v4-peer-out", "::ffff:192.0.2.0/120", "192.0.3.42", FALSE },
	{ "mapped-entry-host", "::ffff:127.0.0.1", "127.0.0.1", TRUE },
	{ "mapped-entry-slash96", "::ffff:0.0.0.0/96", "198.51.100.1", TRUE },
	{ "compat-is-v6", "::192.0.2.7", "192.0.2.7", FALSE },
	{ "list-commas", "192.0.2.7,10.0.0.0/8", "10.1.2.3", TRUE },
	{ "list-blanks", "192.0.2.7  2001:db8::/32\t10.0.0.0/8", "2001:db8::9", TRUE },
	{ "list-none", "192.0.2.7, 2001:db8::/32", "198.51.100.1", FALSE },
	{ "empty-list", ",", "192.0.2.7", FALSE },
	{ "peer-not-address", "0.0.0.0/0", "localhost", FALSE },
};

static void test_match(gconstpointer data)
{
	const match_row *r = data;
	GError *err = NULL;
	upki_peerlist *pl = upki_peerlist_new(r->list, &err);

	g_assert_no_error(err);
	g_assert_nonnull(pl);
	g_assert_cmpint(upki_peerlist_match_text(pl, r->peer), ==, r->want);
	upki_peerlist_free(pl);
}

typedef struct bad_row {
	const char *name, *list, *why;
} bad_row;

static const bad_row bads[] = {
	{ "hostname", "mail.example.ac.jp", "host names are not allowed" },
	{ "localhost", "localhost", "host names are not allowed" },
	{ "garbage", "1.2.3", "not an IPv4 or IPv6 address" },
	{ "leading-zero-octet", "010.0.0.1", "not an IPv4 or IPv6 address" },
	{ "octet-too-big", "256.0.0.1", "not an IPv4 or IPv6 address" },
	{ "v4-prefix-33", "10.0.0.0/33", "0 to 32" },
	{ "v6-prefix-129", "2001:db8::/129", "0 to 128" },
	{ "prefix-empty", "10.0.0.0/", "0 to 32" },
	{ "prefix-sign", "10.0.0.0/+8", "0 to 32" },
	{ "prefix-leading-zero", "10.0.0.0/08", "0 to 32" },
	{ "prefix-letters", "10.0.0.0/8a", "0 to 32" },
	{ "v4-host-bits", "10.0.0.1/8", "host bits" },
	{ "v4-host-bits-slash0", "1.0.0.0/0", "host bits" },
	{ "v6-host-bits", "2001:db8::1/64", "host bits" },
	{ "zone", "fe80::1%eth0", "zone" },
	{ "mapped-short", "::ffff:0.0.0.0/95", "at least 96" },
	{ "second-bad", "192.0.2.7, 192.0.2.300", "192.0.2.300" },
	{ "file-relative", "file:peers.txt", "absolute" },
	{ "file-missing", "file:/nonexistent/upki-peers", "/nonexistent/upki-peers" },
};

static void test_bad(gconstpointer data)
{
	const bad_row *r = data;
	GError *err = NULL;
	upki_peerlist *pl = upki_peerlist_new(r->list, &err);

	g_assert_null(pl);
	g_assert_error(err, UPKI_ERROR, UPKI_ERROR_CONFIG);
	if (!strstr(err->message, r->why))
		g_error("'%s': error '%s' lacks '%s'", r->list, err->message, r->why);
	g_error_free(err);
}

static char *write_tmp(const char *text)
{
	char *path = NULL;
	int fd = g_file_open_tmp("peers-XXXXXX", &path, NULL);

	g_assert_cmpint(fd, >=, 0);
	close(fd);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* A file: entries one or more a line, comments, a bad line named by number. */
static void test_file(void)
{
	char *path = write_tmp("# internal relays\n192.0.2.7\n\n2001:db8::/32 # v6\n10.0.0.0/8, 172.16.0.0/12\r\n");
	char *bad = write_tmp("192.0.2.7\n# fine\nrelay.example.ac.jp\n");
	char *nested = write_tmp("file:/etc/hosts\n");
	char *spec = g_strdup_printf("198.51.100.1 file:%s", path);
	char *bad_spec = g_strdup_printf("file:%s", bad);
	char *nested_spec = g_strdup_printf("file:%s", nested);
	char *want = g_strdup_printf("%s:3: 'relay.example.ac.jp'", bad);
	GError *err = NULL;
	upki_peerlist *pl = upki_peerlist_new(spec, &err);

	g_assert_no_error(err);
	g_assert_cmpuint(upki_peerlist_size(pl), ==, 5);
	g_assert_true(upki_peerlist_match_text(pl, "198.51.100.1"));
	g_assert_true(upki_peerlist_match_text(pl, "172.20.1.1"));
	g_assert_true(upki_peerlist_match_text(pl, "2001:db8::5"));
	g_assert_false(upki_peerlist_match_text(pl, "192.0.2.8"));
	upki_peerlist_free(pl);

	g_assert_null(upki_peerlist_new(bad_spec, &err));
	g_assert_nonnull(err);
	if (!strstr(err->message, want))
		g_error("error '%s' lacks '%s'", err->message, want);
	g_clear_error(&err);
	g_assert_null(upki_peerlist_new(nested_spec, &err));
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, ":1: file: inside"));
	g_clear_error(&err);
	g_unlink(path);
	g_unlink(bad);
	g_unlink(nested);
	g_free(want);
	g_free(spec);
	g_free(bad_spec);
	g_free(nested_spec);
	g_free(path);
	g_free(bad);
	g_free(nested);
}

/* The milter hands libmilter's sockaddr over as it came. */
static void test_sockaddr(void)
{
	upki_peerlist *pl = upki_peerlist_new("192.0.2.0/24 2001:db8::/32", NULL);
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr un = { .sa_family = AF_UNIX };

	inet_pton(AF_INET, "192.0.2.9", &in4.sin_addr);
	g_assert_true(upki_peerlist_match(pl, (struct sockaddr *)&in4));
	inet_pton(AF_INET, "192.0.3.9", &in4.sin_addr);
	g_assert_false(upki_peerlist_match(pl, (struct sockaddr *)&in4));
	inet_pton(AF_INET6, "2001:db8:1::1", &in6.sin6_addr);
	g_assert_true(upki_peerlist_match(pl, (struct sockaddr *)&in6));
	inet_pton(AF_INET6, "::ffff:192.0.2.200", &in6.sin6_addr);
	g_assert_true(upki_peerlist_match(pl, (struct sockaddr *)&in6));
	inet_pton(AF_INET6, "2001:db9::1", &in6.sin6_addr);
	g_assert_false(upki_peerlist_match(pl, (struct sockaddr *)&in6));
	g_assert_false(upki_peerlist_match(pl, &un));
	g_assert_false(upki_peerlist_match(pl, NULL));
	upki_peerlist_free(pl);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TEST_ADD_ROWS("/peerlist/match", matches, name, test_match);
	TEST_ADD_ROWS("/peerlist/bad", bads, name, test_bad);
	g_test_add_func("/peerlist/file", test_file);
	g_test_add_func("/peerlist/sockaddr", test_sockaddr);
	return g_test_run();
}
