-- t-verdicts.lua - every verdict with the default policy (OnSuspicious mark),
-- the early accept at the end of the header, the negotiated steps, and the
-- removal of forged verdict headers.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

case("negotiation", function()
	local conn = connect()
	local err = mt.negotiate(conn, nil, nil, nil)
	check(err == nil, "negotiates", err)
	for _, o in ipairs({ { SMFIP_NOCONNECT, "NOCONNECT" }, { SMFIP_NOHELO, "NOHELO" },
			     { SMFIP_NOMAIL, "NOMAIL" }, { SMFIP_NOUNKNOWN, "NOUNKNOWN" } }) do
		check(mt.test_option(conn, o[1]), "asks the MTA not to send " .. o[2])
	end
	-- the spool job names the envelope recipient
	check(not mt.test_option(conn, SMFIP_NORCPT), "wants the recipients")
	-- ... without a reply: the MTA need not wait a round trip for each
	check(mt.test_option(conn, SMFIP_NR_RCPT), "RCPT needs no reply (SMFIP_NR_RCPT)")
	check(not mt.test_option(conn, SMFIP_NOHDRS), "wants the headers")
	check(mt.test_action(conn, SMFIF_CHGHDRS), "may change headers")
	check(mt.test_action(conn, SMFIF_ADDHDRS), "may add headers")
	check(mt.test_action(conn, SMFIF_QUARANTINE), "may quarantine")
	mt.disconnect(conn)
end)

case("genuine", function()
	local conn, r = send(sample("cert-issue.eml"))
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "genuine notice accepted", reply_name(r))
	local v = notice_header(conn)
	check(v == "genuine; kind=cert-issue", "genuine: X-UPKI-Notice inserted", v)
	check(mt.eom_check(conn, MT_HDRINSERT, "X-UPKI-Notice", "genuine; kind=cert-issue", 0),
	      "genuine: inserted at the top")
	local ar = mt.getheader(conn, "Authentication-Results", 0)
	check(ar and ar:match("^mx%.test; smime=pass"), "genuine: Authentication-Results smime=pass", ar)
	check(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "genuine: Subject untouched")
	check(not mt.eom_check(conn, MT_QUARANTINE), "genuine: not quarantined")
	mt.disconnect(conn)
end)

case("genuine pin-issue", function()
	local conn, r = send(sample("pin-issue.eml"))
	local v = notice_header(conn)
	check(v == "genuine; kind=pin-issue", "pin-issue: genuine", v)
	mt.disconnect(conn)
end)

case("suspicious", function()
	local conn, r = send(sample("phish-host-suffix.eml"))
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "suspicious notice marked, not rejected",
	      reply_name(r))
	local v = notice_header(conn)
	check(v == "suspicious; kind=cert-issue; reasons=unsigned,url-host",
	      "suspicious: X-UPKI-Notice with reasons", v)
	check(mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "suspicious: Subject tagged")
	local ar = mt.getheader(conn, "Authentication-Results", 0)
	check(ar and ar:match("smime=none"), "suspicious unsigned: smime=none", ar)
	mt.disconnect(conn)
end)

case("suspicious signed by a foreign CA", function()
	local conn, r = send(sample("phish-foreign-ca.eml"))
	local v = notice_header(conn)
	check(v == "suspicious; kind=cert-issue; reasons=untrusted-signer", "foreign CA: untrusted-signer", v)
	mt.disconnect(conn)
end)

case("tampered", function()
	local conn, r = send(sample("phish-tampered.eml"))
	local v = notice_header(conn)
	check(v == "suspicious; kind=cert-issue; reasons=bad-signature", "tampered: bad-signature", v)
	mt.disconnect(conn)
end)

case("not-notice candidate", function()
	-- the sender's own signed mail that is no notice: the body is read, nothing added
	local conn, r = send(read_file(TMP .. "/sender-signed.eml"))
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "not-notice from the sender: accepted", reply_name(r))
	check(notice_header(conn) == nil, "not-notice: no X-UPKI-Notice")
	check(not mt.eom_check(conn, MT_HDRINSERT) and not mt.eom_check(conn, MT_HDRADD),
	      "not-notice: no header added")
	mt.disconnect(conn)
end)

case("unsigned mail from the sender", function()
	-- unsigned mail claiming the notice sender is a look-alike of unknown kind
	local conn, r = send("From: CA Support <ca-support@ml.secom-sts.co.jp>\n" ..
			     "To: user@example.ac.jp\nSubject: maintenance\n" ..
			     "Message-ID: <m1@example>\n\nThe service stops on Sunday.\n")
	local v = notice_header(conn)
	check(v == "suspicious; kind=none; reasons=unsigned,unknown-kind", "unsigned from the sender: suspicious", v)
	mt.disconnect(conn)
end)

-- EarlyAccept body (the default): ordinary headers cannot rule out a
-- look-alike link, so the body is read; the prefilter passes the message
-- at the end without the full check (the shell script finds the debug
-- line "why=no-marker" for each) and without a verdict header.
case("ordinary mail passed at the end of the message", function()
	local conn = connect()
	check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiates")
	check(mt.test_option(conn, SMFIP_NR_BODY), "body chunks need no reply (SMFIP_NR_BODY)")
	check(not mt.test_option(conn, SMFIP_NOBODY), "wants the body")
	mt.disconnect(conn)
	for _, name in ipairs({ "plain-utf8.eml", "plain-iso2022jp.eml", "plain-attachment.eml" }) do
		local conn2, r = send(sample(name))
		check(r == SMFIR_CONTINUE, name .. ": body read, passed at the end", reply_name(r))
		check(not mt.eom_check(conn2, MT_HDRINSERT, "X-UPKI-Notice"), name .. ": no verdict header")
		mt.disconnect(conn2)
	end
end)

case("look-alike behind a neutral Subject", function()
	local conn, r = send("From: Taro <taro@example.ac.jp>\nSubject: hello\nMessage-ID: <n@x>\n" ..
			     "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" ..
			     "aHR0cHM6Ly/vvZPvvYPvvYnvvYHvvI7vvZPvvYXvvYPvvY/vvY3vvZTvvZLvvZXvvZPvvZTvvI7vvY7vvYXvvZQv\n" ..
			     "bG9naW4K\n")
	check(r == SMFIR_CONTINUE, "neutral look-alike: examined", reply_name(r))
	local v = notice_header(conn)
	check(v and v:match("^suspicious"), "neutral look-alike (full-width host in base64): marked", v)
	check(mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "neutral look-alike: Subject tagged")
	mt.disconnect(conn)
end)

case("forged verdict on ordinary mail", function()
	local conn, r = send(sample("plain-utf8.eml"), {
		{ name = "X-UPKI-Notice", value = "genuine; kind=cert-issue" },
		{ name = "Authentication-Results", value = "mx.test; smime=pass" },
		{ name = "Authentication-Results", value = "other.example; dkim=pass" },
	})
	check(r ~= "eoh-accept", "forged header: not accepted at the end of the header")
	check(mt.eom_check(conn, MT_HDRDELETE, "X-UPKI-Notice"), "forged X-UPKI-Notice deleted")
	check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"),
	      "Authentication-Results of our authserv-id deleted")
	check(not mt.eom_check(conn, MT_HDRINSERT, "X-UPKI-Notice"), "no verdict added to ordinary mail")
	mt.disconnect(conn)
end)

case("foreign Authentication-Results kept", function()
	local conn, r = send(sample("plain-utf8.eml"), {
		{ name = "Authentication-Results", value = "other.example; dkim=pass" },
	})
	check(r == SMFIR_CONTINUE, "someone else's Authentication-Results: passed", reply_name(r))
	check(not mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"), "someone else's Authentication-Results kept")
	mt.disconnect(conn)
end)

case("forged verdict on a phish", function()
	local conn, r = send(sample("phish-unsigned.eml"), {
		{ name = "X-UPKI-Notice", value = "genuine; kind=cert-issue" },
	})
	check(mt.eom_check(conn, MT_HDRDELETE, "X-UPKI-Notice"), "phish: forged genuine verdict deleted")
	local v = notice_header(conn)
	check(v == "suspicious; kind=cert-issue; reasons=unsigned", "phish: real verdict inserted", v)
	mt.disconnect(conn)
end)

case("not a message", function()
	local conn, r = send("From: ca-support@ml.secom-sts.co.jp\nSubject: [UPKI] x\n\n")
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "empty candidate: accepted", reply_name(r))
	mt.disconnect(conn)
end)
