// Baseline for bench_kmsg: the smallest possible /dev/kmsg reader (libc only): open, seek to
// the end, poll, read one record at a time, print nothing.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

int main() {
    const int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || lseek(fd, 0, SEEK_END) < 0) return 1;
    static char buf[16384];
    pollfd p{fd, POLLIN, 0};
    while (poll(&p, 1, -1) >= 0)
        while (read(fd, buf, sizeof buf) > 0) continue;
}
