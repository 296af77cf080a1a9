# English: "Dec. 6, 2026" and "Dec. 6, 2026, 2:05 p.m." wherever a date is shown.
DATE_FORMAT = SHORT_DATE_FORMAT = "N j, Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "N j, Y, P"
