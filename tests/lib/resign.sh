# resign.sh - re-signs a sample notice with the test CA at a chosen
# signingTime (sourced, not run).  The samples are signed on a fixed
# date; tests of delivery-time policy (verify now, StaleDays) need one
# signed now, or a given number of days ago.  Needs perl and
# $BUILD/tools/upki-testsign; the caller's cwd is the project root.
#
# resign IN EPOCH OUT: OUT is the multipart/signed sample IN with a new
# detached signature by samples/ca/signer over the same signed part,
# signingTime EPOCH.  Non-zero when IN is not multipart/signed.
resign() {
	rs_in=$1; rs_time=$2; rs_out=$3
	rs_sign=${TESTSIGN:-${BUILD:-build}/tools/upki-testsign}
	[ -x "$rs_sign" ] || { echo "resign: $rs_sign not built" >&2; return 1; }
	# the signed entity: after "--B" CRLF, up to the CRLF before the next "--B"
	perl -0777 -ne '
		/boundary="([^"]+)"/ or exit 1;
		my $b = quotemeta($1);
		/\r\n--$b\r\n(.*?)\r\n--$b\r\n/s or exit 1;
		print $1;' "$rs_in" >"$rs_out.ent" || return 1
	"$rs_sign" --cert samples/ca/signer.pem --key samples/ca/signer.key \
		--chain samples/ca/smime-ca.pem --time "$rs_time" \
		--in "$rs_out.ent" --out "$rs_out.p7s" || return 1
	# the new signature replaces the base64 body of the signature part
	perl -0777 -e '
		my ($msg, $sig) = @ARGV;
		open(my $m, "<", $msg) or die; local $/; my $t = <$m>;
		open(my $s, "<", $sig) or die; binmode $s; my $d = <$s>;
		require MIME::Base64;
		my $b64 = MIME::Base64::encode_base64($d, "");
		$b64 =~ s/(.{1,76})/$1\r\n/g;
		$t =~ /boundary="([^"]+)"/ or exit 1;
		my $b = quotemeta($1);
		$t =~ s/(\r\nContent-Type: application\/pkcs7-signature[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n).*?(\r\n--$b--)/$1$b64$2/s or exit 1;
		print $t;' "$rs_in" "$rs_out.p7s" >"$rs_out" || return 1
	rm -f "$rs_out.ent" "$rs_out.p7s"
}
