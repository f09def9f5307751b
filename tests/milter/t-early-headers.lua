-- t-early-headers.lua - EarlyAccept headers: ordinary headers settle it
-- at the end of the header, the body is never sent, and that is what
-- the mode gives up: a look-alike behind a neutral Subject passes unread.
dofile(TOP .. "/tests/milter/common.lua")
start_filter()

case("negotiation", function()
	local conn = connect()
	check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiates")
	check(not mt.test_option(conn, SMFIP_NR_BODY), "body replies kept (SKIP for unneeded bodies)")
	mt.disconnect(conn)
end)

case("ordinary mail at the end of the header", function()
	for _, name in ipairs({ "plain-utf8.eml", "plain-attachment.eml" }) do
		local conn, r = send(sample(name))
		check(r == "eoh-accept", name .. ": accepted at the end of the header", reply_name(r))
		mt.disconnect(conn)
	end
end)

case("what it gives up", function()
	local conn, r = send("From: Taro <taro@example.ac.jp>\nSubject: hello\nMessage-ID: <n@x>\n\n" ..
			     "https://scia.secomtrust.net.evil.example/login\n")
	check(r == "eoh-accept", "neutral look-alike: passed at the end of the header, unread", reply_name(r))
	mt.disconnect(conn)
end)

case("notices still checked", function()
	local conn, r = send(sample("phish-host-suffix.eml"))
	local v = notice_header(conn)
	check(v and v:match("^suspicious"), "look-alike notice subject: marked", v)
	mt.disconnect(conn)
end)
