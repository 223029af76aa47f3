// Prints the OpenAPI 3.1 schema components of all event types (packaging/openapi.yaml).
#include <cstdio>
#include <cstring>

#include "faultline/openapi.hpp"
#include "faultline_version.h"

int main(int argc, char** argv) {
    if (argc > 1 && (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h"))) {
        std::puts(
            "usage: faultline-openapi\n\nPrints the OpenAPI 3.1 schema of every faultline "
            "event type, generated\nfrom core/faultline/schema.hpp, to standard output.");
        return 0;
    }
    std::fputs(faultline::generate_openapi_yaml(FAULTLINE_VERSION).c_str(), stdout);
    return 0;
}
