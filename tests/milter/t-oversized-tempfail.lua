-- t-oversized-tempfail.lua - OnOversized tempfail: 451 4.7.0.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

case("oversized tempfail", function()
	local conn, r = send(sample("cert-issue.eml"))
	check(r == SMFIR_REPLYCODE or r == SMFIR_TEMPFAIL, "oversized: temporary failure", reply_name(r))
	check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.0", "upki-milter: temporary failure, please try again later"), "reply is 451 4.7.0")
	mt.disconnect(conn)
end)

case("ordinary mail unaffected", function()
	local conn, r = send(sample("plain-attachment.eml"))
	check(r == SMFIR_CONTINUE, "ordinary: passed at the end of the message (EarlyAccept body)", reply_name(r))
	mt.disconnect(conn)
end)
