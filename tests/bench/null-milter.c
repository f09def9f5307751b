/* null-milter.c - the floor for bench-milter.sh: a libmilter daemon that
 * does nothing, negotiated like upki-milter (no connect, HELO, envelope,
 * DATA or unknown-command steps, no reply per header).  By default it
 * takes the body as upki-milter does under EarlyAccept body (every chunk
 * read, SMFIS_ACCEPT at the end of the message); with "header" it
 * accepts at the end of the header, as upki-milter under EarlyAccept
 * headers.  What it costs Postfix is what any milter built on this
 * libmilter costs before it looks at a single byte: the worker-pool
 * hand-offs, one per MTA round trip, and a read per command.  Not
 * installed; bench-milter.sh builds it with cc.
 *
 * usage: null-milter unix:/path/to/socket [body|header]
 */
#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

static sfsistat null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			       unsigned long f2, unsigned long f3, unsigned long *pf0,
			       unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long unused = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL |
				     SMFIP_NORCPT | SMFIP_NODATA | SMFIP_NOUNKNOWN;

	(void)f2;
	(void)f3;
	*pf0 = f0 & SMFIF_SETSYMLIST;
	*pf1 = f1 & (unused | SMFIP_SKIP | SMFIP_NR_HDR);
	*pf2 = 0;
	*pf3 = 0;
	/* the same macro lists as upki-milter asks for */
	if (*pf0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_EOH, "i");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

static sfsistat null_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_NOREPLY;
}

static int accept_at_eoh;

static sfsistat null_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return accept_at_eoh ? SMFIS_ACCEPT : SMFIS_CONTINUE;
}

static sfsistat null_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)ctx;
	(void)chunk;
	(void)len;
	return SMFIS_CONTINUE;
}

static sfsistat null_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

int main(int argc, char **argv)
{
	struct smfiDesc desc = {
		.xxfi_name = "null-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_SETSYMLIST,
		.xxfi_header = null_header,
		.xxfi_eoh = null_eoh,
		.xxfi_body = null_body,
		.xxfi_eom = null_eom,
		.xxfi_negotiate = null_negotiate,
	};

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "body") && strcmp(argv[2], "header"))) {
		fprintf(stderr, "usage: null-milter unix:/path/to/socket [body|header]\n");
		return 2;
	}
	accept_at_eoh = argc == 3 && strcmp(argv[2], "header") == 0;
	if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "null-milter: cannot listen on %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
