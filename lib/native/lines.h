/* Counting line feeds, shared by the scanners that size their columns or check a row count. */
#ifndef CLPKIT_LINES_H
#define CLPKIT_LINES_H

#include <stdint.h>

/* The number of line feeds in n bytes. Counted 16 lanes at a time into byte-wide
 * sums emptied every 255 blocks, a shape compilers turn into vector code. */
static inline int64_t count_newlines(const uint8_t *p, int64_t n) {
    int64_t count = 0, i = 0;
    while (i + 16 <= n) {
        int64_t end = i + 255 * 16 < n ? i + 255 * 16 : n;
        uint8_t lanes[16] = {0};
        for (; i + 16 <= end; i += 16)
            for (int k = 0; k < 16; k++) lanes[k] += p[i + k] == '\n';
        for (int k = 0; k < 16; k++) count += lanes[k];
    }
    for (; i < n; i++) count += p[i] == '\n';
    return count;
}

#endif
