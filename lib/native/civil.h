/* Calendar arithmetic shared by the scanners: digits, month lengths, days since 1970. */
#ifndef CLPKIT_CIVIL_H
#define CLPKIT_CIVIL_H

#include <stdint.h>
#include <string.h>

#define MS_PER_DAY 86400000LL

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* The value of n ASCII digits at s, or -1 when one of them is not a digit. */
static inline int digits(const uint8_t *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static inline int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static inline int days_in_month(int64_t y, int m) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
static inline int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Milliseconds since 1970 of a checked date and time, or -1 when a field is out of range.
 * A second of 60 (a leap second) runs into the next minute, as polars' parser does. */
static inline int time_ms(int64_t y, int mo, int d, int h, int mi, int s, int ms, int64_t *out) {
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return -1;
    if (h > 23 || mi > 59 || s > 60 || ms > 999) return -1;
    *out = days_from_civil(y, mo, d) * MS_PER_DAY + h * 3600000LL + mi * 60000LL + s * 1000LL + ms;
    return 0;
}

/* The midnight of the last date text seen: consecutive rows nearly always share their date,
 * so the scanners parse it once per run of rows. */
typedef struct {
    uint8_t key[10];
    int64_t day_ms;
    int set, valid;
} DayCache;

/* Whether the n bytes (at most 10) at key are the date text last stored. */
static inline int day_cache_hit(const DayCache *c, const uint8_t *key, int n) {
    return c->set && memcmp(key, c->key, (size_t)n) == 0;
}

/* Stores the date text and its midnight (valid = 0: not a date the scanner reads). */
static inline void day_cache_store(DayCache *c, const uint8_t *key, int n, int valid, int64_t day_ms) {
    memcpy(c->key, key, (size_t)n);
    c->set = 1;
    c->valid = valid;
    c->day_ms = day_ms;
}

#endif
