// The smallest correct supervisord eventlistener, as a memory baseline for supervisord-shim:
// libc only, reads each envelope (header line, then len bytes) and acknowledges it.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[65536];

// Reads one byte; returns -1 at end of input.
static int get() {
    char c;
    return read(0, &c, 1) == 1 ? (unsigned char)c : -1;
}

int main() {
    for (;;) {
        if (write(1, "READY\n", 6) != 6) return 1;
        size_t n = 0;
        int c;
        while ((c = get()) >= 0 && c != '\n')
            if (n < sizeof buf - 1) buf[n++] = (char)c;
        if (c < 0) return 0;
        buf[n] = 0;
        const char* len = strstr(buf, "len:");
        long left = len ? atol(len + 4) : 0;
        while (left > 0) {
            ssize_t got = read(0, buf, left < (long)sizeof buf ? (size_t)left : sizeof buf);
            if (got <= 0) return 0;
            left -= got;
        }
        if (write(1, "RESULT 2\nOK", 11) != 11) return 1;
    }
}
