-- NF_INI_VALUES: the values the IPFIX options records carry (Table A-5):
-- 5 the node's address, 101/102 interface name/description, 111/112
-- application name/description, 114-119 application categories and
-- attributes, 131 the sampler. A row when a value is first seen.
CREATE TABLE IF NOT EXISTS NF_INI_VALUES (
	time_stamp DateTime,
	nf_ip String, -- the node's IPv4 address, dotted
	value_type Int16,
	value_key String,
	value Int32
) ENGINE = MergeTree ORDER BY (time_stamp, value_type);
