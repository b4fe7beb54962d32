-- CONF_TZ_OFFSET_NF: the agent's time zone offset (Table A-4), a row at start
-- and whenever it changes.
CREATE TABLE IF NOT EXISTS CONF_TZ_OFFSET_NF (
	time_stamp DateTime,
	offset_min Int16 -- minutes east of UTC
) ENGINE = MergeTree ORDER BY time_stamp;
