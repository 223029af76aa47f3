// cdp-proxy: The Chrome DevTools Protocol proxy and the faultline telemetry hub.
#include "faultline/cli.hpp"
#include "faultline_version.h"

int main(int argc, char** argv) {
    faultline::FlagSet flags("cdp-proxy", "cdp-proxy [OPTIONS]",
                             "The Chrome DevTools Protocol proxy and the faultline telemetry hub.");
    if (int rc = flags.handle(argc, argv, FAULTLINE_VERSION); rc >= 0) return rc;
    return 0;
}
