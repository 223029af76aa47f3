#include "hub/sinks/otlp/otlp_response.hpp"

#include <simdjson.h>

#include <charconv>
#include <optional>

namespace faultline::hub::sinks::otlp {

namespace {

// A minimal protobuf reader: fields of one message, skipping the ones not asked for.
class ProtobufReader {
  public:
    explicit ProtobufReader(std::string_view in) : in_(in) {}
    bool done() const { return in_.empty(); }

    // Reads the next field's number and wire type, and its value: a varint into v, a
    // length-delimited payload into bytes; fixed32/fixed64 are skipped. False on malformed input.
    bool next(uint32_t& field, uint32_t& wire, uint64_t& v, std::string_view& bytes) {
        uint64_t key = 0;
        if (!varint(key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX) return false;
        field = uint32_t(key >> 3), wire = uint32_t(key & 7);
        switch (wire) {
            case 0:
                return varint(v);
            case 1:
                return skip(8);
            case 2:
                if (!varint(v) || v > in_.size()) return false;
                bytes = in_.substr(0, size_t(v));
                in_.remove_prefix(size_t(v));
                return true;
            case 5:
                return skip(4);
            default:
                return false;
        }
    }

  private:
    bool varint(uint64_t& v) {
        v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (in_.empty()) return false;
            const uint8_t b = uint8_t(in_.front());
            in_.remove_prefix(1);
            v |= uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) return true;
        }
        return false;
    }
    bool skip(size_t n) {
        if (in_.size() < n) return false;
        in_.remove_prefix(n);
        return true;
    }
    std::string_view in_;
};

std::string one_line(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 300))
        out.push_back(c == '\n' || c == '\r' || (unsigned char)c < 0x20 ? ' ' : c);
    return out;
}

// int64 in OTLP/JSON: a number or a decimal string.
std::optional<int64_t> json_int64(simdjson::dom::element e) {
    int64_t v = 0;
    std::string_view s;
    if (!e.get_int64().get(v)) return v;
    if (e.get_string().get(s)) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

}  // namespace

bool parse_partial_success_json(std::string_view body, PartialSuccess& out) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
    simdjson::dom::parser p;
    simdjson::dom::element doc, ps, rejected;
    if (p.parse(simdjson::padded_string(body)).get(doc) || !doc.is_object()) return false;
    if (doc["partialSuccess"].get(ps) || ps.is_null()) return true;
    if (!ps.is_object()) return false;
    if (!ps["rejectedLogRecords"].get(rejected)) {
        auto v = json_int64(rejected);
        if (!v || *v < 0) return false;
        out.rejected = *v;
    }
    std::string_view message;
    if (!ps["errorMessage"].get_string().get(message)) out.message = one_line(message);
    return true;
}

// ExportLogsServiceResponse: partial_success 1. ExportLogsPartialSuccess:
// rejected_log_records 1 (int64), error_message 2.
bool parse_partial_success_protobuf(std::string_view body, PartialSuccess& out) {
    ProtobufReader top(body);
    uint32_t field, wire;
    uint64_t v;
    std::string_view bytes;
    while (!top.done()) {
        if (!top.next(field, wire, v, bytes)) return false;
        if (field != 1 || wire != 2) continue;
        ProtobufReader ps(bytes);
        while (!ps.done()) {
            if (!ps.next(field, wire, v, bytes)) return false;
            if (field == 1 && wire == 0) {
                if (int64_t(v) < 0) return false;
                out.rejected = int64_t(v);
            } else if (field == 2 && wire == 2) {
                out.message = one_line(bytes);
            }
        }
    }
    return true;
}

// google.rpc.Status: code 1, message 2.
std::string error_message(std::string_view body, bool protobuf) {
    if (protobuf) {
        ProtobufReader r(body);
        uint32_t field, wire;
        uint64_t v;
        std::string_view bytes;
        while (!r.done() && r.next(field, wire, v, bytes))
            if (field == 2 && wire == 2) return one_line(bytes);
    } else {
        simdjson::dom::parser p;
        simdjson::dom::element doc;
        std::string_view message;
        if (!p.parse(simdjson::padded_string(body)).get(doc) &&
            !doc["message"].get_string().get(message))
            return one_line(message);
    }
    return body.empty() ? "(empty body)" : one_line(body);
}

}  // namespace faultline::hub::sinks::otlp
