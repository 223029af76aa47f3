// The few protobuf wire-format pieces the OTLP encoder needs: varints, fixed64, strings and
// length-delimited sub-messages (written in place, then prefixed with their length).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace faultline::hub::sinks::otlp {

class ProtobufWriter {
  public:
    enum Wire : uint32_t { varint = 0, fixed64 = 1, len = 2 };

    explicit ProtobufWriter(std::string& out) : out_(out) {}

    void tag(uint32_t field, Wire w) { raw_varint((uint64_t(field) << 3) | w); }
    void uint(uint32_t field, uint64_t v) { tag(field, varint), raw_varint(v); }
    void sint64_as_int(uint32_t field, int64_t v) {
        uint(field, uint64_t(v));
    }  // int64: two's complement
    void boolean(uint32_t field, bool v) { uint(field, v ? 1 : 0); }
    void fixed(uint32_t field, uint64_t v) {
        tag(field, fixed64);
        for (int i = 0; i < 8; ++i) out_.push_back(char((v >> (8 * i)) & 0xff));
    }
    void dbl(uint32_t field, double v) {
        uint64_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        fixed(field, bits);
    }
    void string(uint32_t field, std::string_view s) {
        tag(field, len);
        raw_varint(s.size());
        out_.append(s);
    }
    // Starts a sub-message; pass the result to end() once its fields are written.
    size_t begin(uint32_t field) {
        tag(field, len);
        return out_.size();
    }
    void end(size_t start) {
        char buf[10];
        const size_t n = varint_bytes(out_.size() - start, buf);
        out_.insert(start, buf, n);
    }

  private:
    static size_t varint_bytes(uint64_t v, char* buf) {
        size_t n = 0;
        do {
            buf[n++] = char((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
            v >>= 7;
        } while (v);
        return n;
    }
    void raw_varint(uint64_t v) {
        char buf[10];
        out_.append(buf, varint_bytes(v, buf));
    }

    std::string& out_;
};

}  // namespace faultline::hub::sinks::otlp
