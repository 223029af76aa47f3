// schema_check: validates the NDJSON events on stdin against the event schema with core's
// decoder (what the hub's ingest runs), for tests of producers that print their events
// (kmsgmon without --hub). Prints each violation with its line number; exit 1 if any.
#include <cstdio>
#include <iostream>
#include <string>

#include "faultline/event_decode.hpp"

int main() {
    faultline::EventDecoder decoder;
    std::string line;
    size_t n = 0, bad = 0;
    while (std::getline(std::cin, line)) {
        ++n;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        faultline::Event e;
        faultline::DecodeError err;
        if (!decoder.decode(line, e, err)) {
            ++bad;
            std::printf("line %zu: %s: %s\n", n, err.message.c_str(), line.c_str());
        }
    }
    return bad ? 1 : 0;
}
