// kmsgmon: Reports kernel OOM kills from /dev/kmsg and memory pressure on its leading edge.
#include "faultline/cli.hpp"
#include "faultline_version.h"

int main(int argc, char** argv) {
    faultline::FlagSet flags(
        "kmsgmon", "kmsgmon [OPTIONS]",
        "Reports kernel OOM kills from /dev/kmsg and memory pressure on its leading edge.");
    if (int rc = flags.handle(argc, argv, FAULTLINE_VERSION); rc >= 0) return rc;
    return 0;
}
