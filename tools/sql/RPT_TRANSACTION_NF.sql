-- RPT_TRANSACTION_NF: the seed's transaction records (../shared/seeds/003_*,
-- Table A-2), one row per flow, interval and direction that had packets:
-- the values of the IPFIX uniflow records. Errata (../shared/reference/ipfix.md
-- 1.5): in_bytes holds octets (IANA 1), flow_id the flowId (148), the IPv6
-- addresses are 16 bytes, not UINT32. Seed type -> column type: INT32 Int32,
-- UINT* UInt*, TIMESTAMP DateTime, STRING String.
CREATE TABLE IF NOT EXISTS RPT_TRANSACTION_NF (
	time_stamp DateTime, -- insertion: the interval's end
	head_time_stamp Int32, -- the interval's end, s (IPFIX: export time)
	head_src_id Int32, -- the node's IPv4 address (IPFIX: exporter address)
	conn_tx_id UInt64,
	application_id Int32,
	ingressInterface UInt32,
	egressInterface UInt32,
	flowDirection UInt8,
	flowStartSysUpTime UInt32,
	flowEndSysUpTime UInt32,
	packetDeltaCount UInt64,
	in_bytes UInt64,
	src_ipv4_addr UInt32,
	src_port UInt16,
	dst_ipv4_addr UInt32,
	dst_port UInt16,
	protocol_id UInt8,
	flow_id UInt64,
	flow_end_reason UInt8,
	biflow_direction UInt8,
	ingressVRFID UInt32,
	ipVersion UInt8,
	sourceIPv6Address FixedString(16),
	destinationIPv6Address FixedString(16)
) ENGINE = MergeTree PARTITION BY toStartOfHour(time_stamp) ORDER BY (time_stamp, flow_id);
