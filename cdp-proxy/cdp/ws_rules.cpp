#include "cdp/ws_rules.hpp"

namespace faultline::cdp {

std::string_view ClientFrameRules::check(const unsigned char* header) {
    const unsigned char b0 = header[0], b1 = header[1];
    const bool fin = b0 & 0x80;
    const unsigned opcode = b0 & 0x0f;
    const unsigned len7 = b1 & 0x7f;
    if (b0 & 0x70) return "RSV bits set, but no extension was negotiated";
    if ((opcode >= 3 && opcode <= 7) || opcode >= 11) {
        constexpr std::string_view kReserved[] = {
            "reserved opcode 3",  "reserved opcode 4",  "reserved opcode 5",  "reserved opcode 6",
            "reserved opcode 7",  "reserved opcode 11", "reserved opcode 12", "reserved opcode 13",
            "reserved opcode 14", "reserved opcode 15"};
        return kReserved[opcode <= 7 ? opcode - 3 : opcode - 6];
    }
    if (!(b1 & 0x80)) return "unmasked frame (a client must mask every frame)";
    if (opcode >= 8) {  // control frames: 8 close, 9 ping, 10 pong
        if (!fin) return "fragmented control frame";
        if (len7 > 125) return "control frame payload over 125 bytes";
        if (opcode == 8 && len7 == 1) return "close frame with a 1-byte payload";
        return {};
    }
    if (len7 == 127 && (header[2] & 0x80)) return "payload length with its top bit set";
    if (opcode == 0 && !message_open_) return "continuation frame with no message begun";
    if (opcode != 0 && message_open_) return "new data frame inside a fragmented message";
    message_open_ = !fin;
    return {};
}

}  // namespace faultline::cdp
