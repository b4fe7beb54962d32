-- RPT_USAGE_NF: the seed's usage records (Table A-1), one row per interval,
-- interface, direction, application and IP version: the IPFIX usage records'
-- values (the sums of the interval's transaction rows).
CREATE TABLE IF NOT EXISTS RPT_USAGE_NF (
	time_stamp DateTime, -- insertion: the interval's end
	head_time_stamp Int32, -- the interval's end, s
	head_source_id Int32, -- the node's IPv4 address
	class_id UInt32, -- reserved: 0
	application_id Int32,
	ingressInterface UInt32,
	egressInterface UInt32,
	flowDirection UInt8, -- 0 client to server, 1 server to client
	flowStartSysUpTime UInt32,
	flowEndSysUpTime UInt32,
	packetDeltaCount UInt64,
	in_bytes UInt64,
	connectionCountNew UInt32,
	connectionSumDuration UInt64,
	ingressVRFID UInt32,
	ipVersion UInt8
) ENGINE = MergeTree PARTITION BY toStartOfHour(time_stamp) ORDER BY (time_stamp, application_id);
