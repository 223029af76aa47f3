// A memory hog for the container tests: prints its pid, idles IDLE seconds, then touches
// memory at RATE MiB/s (0: as fast as it can) until the kernel kills it.
#include <time.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
    const double idle = argc > 1 ? atof(argv[1]) : 0;
    const double rate = argc > 2 ? atof(argv[2]) : 0;
    printf("hog pid %d\n", (int)getpid());
    fflush(stdout);
    usleep((useconds_t)(idle * 1e6));
    printf("hog allocating\n");
    fflush(stdout);
    for (;;) {
        char* p = static_cast<char*>(std::malloc(1 << 20));
        if (!p) continue;
        memset(p, 0x5a, 1 << 20);
        if (rate > 0) usleep((useconds_t)(1e6 / rate));
    }
}
