// supervisord-shim: A supervisord eventlistener that reports crashed services to the faultline hub.
#include "faultline/cli.hpp"
#include "faultline_version.h"

int main(int argc, char** argv) {
    faultline::FlagSet flags(
        "supervisord-shim", "supervisord-shim [OPTIONS]",
        "A supervisord eventlistener that reports crashed services to the faultline hub.");
    if (int rc = flags.handle(argc, argv, FAULTLINE_VERSION); rc >= 0) return rc;
    return 0;
}
