# French: "6 décembre 2026" and "6 décembre 2026 14:05" wherever a date is shown.
DATE_FORMAT = SHORT_DATE_FORMAT = "j F Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "j F Y H:i"
