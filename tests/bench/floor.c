/* floor.c - the CPU floor of what issue 15's design makes mandatory for
 * every notice of an mbox: GMime reads the whole message (issue 9's
 * second, independent reader), the signed content is hashed, and one
 * signature is verified with OpenSSL.  Whatever upki-scan does on top,
 * it cannot go below the sum of these; tests/bench/bench-notices.sh
 * sets it against issue 15's targets.  Not a test.
 *
 *   floor MBOX [PASSES]
 *
 * Per message of MBOX (split at From_ lines), the least CPU time
 * (CLOCK_PROCESS_CPUTIME_ID) over PASSES passes (default 5) of:
 *   (a) g_mime_parser_construct_message on a mem stream of the message,
 *       then unref: GMime's default options, no walk of the tree, so
 *       less than any reader that looks at what GMime built;
 *   (b) EVP_Digest SHA-256 of the message bytes (a stand-in for hashing
 *       the signed content, which is a little shorter);
 *   (c) one EVP_PKEY_verify of a 32-byte digest with an RSA-2048 key
 *       and with a P-256 key, generated at start, context made once
 *       (no certificate, no CMS decoding, no chain: only the maths).
 * Prints one "name value us/message" line each, and the floors
 * (a)+(b)+(c) for RSA and for ECDSA.  Errors to stderr, exit 1. */
#define _POSIX_C_SOURCE 200809L
#include <gmime/gmime.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VERIFY_ROUNDS 2000

typedef struct msg {
	const char *buf;
	size_t len;
} msg;

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = (size_t)n;
out:
	fclose(f);
	return buf;
}

/* The messages of BUF: each starts after a From_ line (at the start of
 * the file or of a line) and ends where the next From_ line starts.
 * mboxrd's ">From " quoting is left as it is: same bytes to read. */
static msg *split_mbox(const char *buf, size_t len, size_t *count)
{
	msg *v = NULL;
	size_t n = 0, cap = 0, i = 0;

	while (i < len) {
		if (len - i >= 5 && memcmp(buf + i, "From ", 5) == 0 && (i == 0 || buf[i - 1] == '\n')) {
			const char *nl = memchr(buf + i, '\n', len - i);
			size_t start = nl ? (size_t)(nl - buf) + 1 : len;

			if (n == cap) {
				msg *w = realloc(v, (cap = cap ? cap * 2 : 1024) * sizeof *v);
				if (!w) {
					free(v);
					return NULL;
				}
				v = w;
			}
			if (n > 0)
				v[n - 1].len = i - (size_t)(v[n - 1].buf - buf);
			v[n++] = (msg){ buf + start, len - start };
			i = start;
			continue;
		}
		const char *nl = memchr(buf + i, '\n', len - i);
		i = nl ? (size_t)(nl - buf) + 1 : len;
	}
	*count = n;
	return v;
}

/* (a): what any reader built on GMime pays at least. */
static int gmime_parse(const msg *m)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(m->buf, m->len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *message;

	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	message = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(s);
	if (!message)
		return 0;
	g_object_unref(message);
	return 1;
}

static int sha256(const msg *m, EVP_MD *md)
{
	unsigned char out[EVP_MAX_MD_SIZE];

	return EVP_Digest(m->buf, m->len, out, NULL, md, NULL);
}

/* Least CPU seconds per message of FN over the whole mbox, PASSES times. */
static double time_messages(const msg *v, size_t n, int passes, int (*fn)(const msg *, EVP_MD *), EVP_MD *md)
{
	double best = -1;

	for (int p = 0; p < passes; p++) {
		double t0 = cpu_now();
		for (size_t i = 0; i < n; i++)
			if (!fn(&v[i], md))
				return -1;
		double t = (cpu_now() - t0) / (double)n;
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

static int gmime_parse_md(const msg *m, EVP_MD *md)
{
	(void)md;
	return gmime_parse(m);
}

/* Least CPU seconds per EVP_PKEY_verify with KEY, or -1. */
static double time_verify(EVP_PKEY *key, int rsa, int passes)
{
	unsigned char dgst[32], sig[512];
	size_t siglen = sizeof sig;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	double best = -1;

	memset(dgst, 0x5a, sizeof dgst);
	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0)
		goto out;
	/* RSA as in CMS: PKCS#1 v1.5 over a DigestInfo. */
	if (rsa && (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0))
		goto out;
	if (EVP_PKEY_sign(ctx, sig, &siglen, dgst, sizeof dgst) <= 0 || EVP_PKEY_verify_init(ctx) <= 0)
		goto out;
	if (rsa && (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0))
		goto out;
	for (int p = 0; p < passes; p++) {
		double t0 = cpu_now();
		for (int i = 0; i < VERIFY_ROUNDS; i++)
			if (EVP_PKEY_verify(ctx, sig, siglen, dgst, sizeof dgst) != 1) {
				best = -1;
				goto out;
			}
		double t = (cpu_now() - t0) / VERIFY_ROUNDS;
		if (best < 0 || t < best)
			best = t;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	return best;
}

static void line(const char *name, double seconds)
{
	printf("%-40s %10.2f us/message\n", name, seconds * 1e6);
}

int main(int argc, char **argv)
{
	size_t len = 0, n = 0;
	int passes = argc > 2 ? atoi(argv[2]) : 5, rc = 1;
	char *buf = NULL;
	msg *v = NULL;
	EVP_MD *md = NULL;
	EVP_PKEY *rsa = NULL, *ec = NULL;
	double parse, hash, vrsa, vec;

	if (argc < 2 || argc > 3 || passes < 1) {
		fprintf(stderr, "usage: floor MBOX [PASSES]\n");
		return 1;
	}
	if (!(buf = read_file(argv[1], &len))) {
		perror(argv[1]);
		return 1;
	}
	if (!(v = split_mbox(buf, len, &n)) || n == 0) {
		fprintf(stderr, "floor: %s: no From_ line\n", argv[1]);
		goto out;
	}
	g_mime_init();
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!md || !rsa || !ec) {
		fprintf(stderr, "floor: OpenSSL: no SHA-256 or no key\n");
		goto out;
	}
	parse = time_messages(v, n, passes, gmime_parse_md, md);
	hash = time_messages(v, n, passes, sha256, md);
	vrsa = time_verify(rsa, 1, passes);
	vec = time_verify(ec, 0, passes);
	if (parse < 0 || hash < 0 || vrsa < 0 || vec < 0) {
		fprintf(stderr, "floor: a message GMime did not parse, or a digest or verification failed\n");
		goto out;
	}
	printf("messages %zu, %zu bytes, least CPU of %d passes\n", n, len, passes);
	line("(a) GMime parse + unref", parse);
	line("(b) SHA-256 of the message", hash);
	line("(c) RSA-2048 verify", vrsa);
	line("(c) ECDSA P-256 verify", vec);
	line("floor RSA (a)+(b)+(c)", parse + hash + vrsa);
	line("floor ECDSA (a)+(b)+(c)", parse + hash + vec);
	rc = 0;
out:
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
	EVP_MD_free(md);
	free(v);
	free(buf);
	return rc;
}
