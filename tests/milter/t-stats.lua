-- t-stats.lua - traffic for tests/integration/milter-stats.sh, which
-- counts what it sent and reads the StatsFile: -D MSGS="a.eml b.eml"
-- (samples, from an unlisted client), -D PEER_MSGS (from 192.0.2.7, in
-- PeerList), -D FORGED=1 (a listed peer's message with a forged
-- X-UPKI-Notice), -D OVERSIZED=1 (a [UPKI] message over MaxMessageSize).
-- The filter runs already (-D NOSTART=1).
dofile(TOP .. "/tests/milter/common.lua")

local function words(s)
	local t = {}
	for w in (s or ""):gmatch("[^,%s]+") do t[#t + 1] = w end
	return t
end

local function sent(desc, conn, r)
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT or r == "eoh-accept", desc, reply_name(r))
	mt.disconnect(conn)
end

for _, name in ipairs(words(MSGS)) do
	case("send " .. name, function()
		local conn, r = send_from("198.51.100.1", sample(name))
		sent("sent " .. name, conn, r)
	end)
end

for _, name in ipairs(words(PEER_MSGS)) do
	case("send " .. name .. " from a listed peer", function()
		local conn, r = send_from("192.0.2.7", sample(name))
		check(r == "eoh-accept", "listed peer: " .. name .. " passed at the end of the header", reply_name(r))
		mt.disconnect(conn)
	end)
end

if FORGED then
	case("forged verdict from a listed peer", function()
		local conn, r = send_from("192.0.2.7", sample("plain-utf8.eml"),
					  { { name = "X-UPKI-Notice", value = "genuine; kind=cert-issue" } })
		check(mt.eom_check(conn, MT_HDRDELETE, "X-UPKI-Notice"), "listed peer: forged verdict deleted")
		sent("sent the forged verdict", conn, r)
	end)
end

if OVERSIZED then
	case("oversized", function()
		local conn, r = send_from("198.51.100.1", "From: ca-support@ml.secom-sts.co.jp\n" ..
					  "Subject: [UPKI] big\n\n" .. string.rep("0123456789abcdef\n", 20000))
		sent("sent an oversized [UPKI] message", conn, r)
	end)
end
