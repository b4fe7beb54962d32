-- RPT_GLB_USAGE_NF: the seed's global usage records (Table A-3): usage over
-- all applications, one row per interval, interface, direction, IP version.
CREATE TABLE IF NOT EXISTS RPT_GLB_USAGE_NF (
	time_stamp DateTime, -- insertion: the interval's end
	head_time_stamp Int32,
	head_source_id Int32,
	class_id UInt32, -- reserved: 0
	ingressInterface UInt32,
	egressInterface UInt32,
	flowDirection UInt8,
	flowStartSysUpTime UInt32,
	flowEndSysUpTime UInt32,
	packetDeltaCount UInt64,
	in_bytes UInt64,
	connectionCountNew UInt32,
	connectionSumDuration UInt64,
	ingressVRFID UInt32,
	ipVersion UInt8
) ENGINE = MergeTree PARTITION BY toStartOfHour(time_stamp) ORDER BY (time_stamp, ingressInterface);
