// The RFC 6455 rules a client's frame header must follow on a relayed connection (§5.1-§5.5;
// no extension is negotiated, so compression is off). Header bytes only: no payload is read.
#pragma once

#include <string_view>

namespace faultline::cdp {

class ClientFrameRules {
  public:
    // The first rule a complete frame header (2 to 14 bytes, as its length says) breaks, as a
    // short phrase for a Close reason, or empty when it breaks none. Keeps track of fragmented
    // messages across calls.
    std::string_view check(const unsigned char* header);

  private:
    bool message_open_ = false;  // a fragmented data message has begun and not ended
};

}  // namespace faultline::cdp
