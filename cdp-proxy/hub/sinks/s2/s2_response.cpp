#include "hub/sinks/s2/s2_response.hpp"

#include <simdjson.h>

#include "hub/sinks/s2/s2_batch.hpp"

namespace faultline::hub::sinks::s2 {

namespace {

using simdjson::dom::element;

// Parses body into doc (parser keeps the storage). False with error set when it is not JSON.
bool parse_json(simdjson::dom::parser& p, std::string_view body, element& doc, std::string& error) {
    if (auto err = p.parse(simdjson::padded_string(body)).get(doc); err) {
        error = std::string("not JSON: ") + simdjson::error_message(err);
        return false;
    }
    return true;
}

bool seq_num_of(element position, uint64_t& out) {
    return !position["seq_num"].get_uint64().get(out);
}

}  // namespace

bool parse_append_ack(std::string_view body, S2AppendAck& out, std::string& error) {
    simdjson::dom::parser p;
    element doc;
    if (!parse_json(p, body, doc, error)) return false;
    element start, end, tail;
    if (doc["start"].get(start) || doc["end"].get(end) || doc["tail"].get(tail) ||
        !seq_num_of(start, out.start) || !seq_num_of(end, out.end) || !seq_num_of(tail, out.tail))
        return error = "AppendAck without start, end and tail seq_num", false;
    if (out.end < out.start || out.tail < out.end)
        return error = "AppendAck with start > end or end > tail", false;
    return true;
}

bool parse_condition_failed(std::string_view body, S2ConditionFailed& out, std::string& error) {
    simdjson::dom::parser p;
    element doc;
    if (!parse_json(p, body, doc, error)) return false;
    uint64_t seq = 0;
    std::string_view token;
    if (!doc["seq_num_mismatch"].get_uint64().get(seq)) out.seq_num_mismatch = seq;
    if (!doc["fencing_token_mismatch"].get_string().get(token))
        out.fencing_token_mismatch = std::string(token);
    if (!out.seq_num_mismatch && !out.fencing_token_mismatch)
        return error = "412 without seq_num_mismatch or fencing_token_mismatch", false;
    return true;
}

bool parse_tail(std::string_view body, uint64_t& tail, std::string& error) {
    simdjson::dom::parser p;
    element doc, t;
    if (!parse_json(p, body, doc, error)) return false;
    if (doc["tail"].get(t) || !seq_num_of(t, tail)) return error = "no tail.seq_num", false;
    return true;
}

namespace {

// The value of our idempotency-key header among a record's [name, value] pairs.
std::string key_header(element record) {
    simdjson::dom::array headers;
    if (record["headers"].get_array().get(headers)) return {};
    for (element h : headers) {
        simdjson::dom::array pair;
        std::string_view name, value;
        if (h.get_array().get(pair) || pair.size() != 2 || pair.at(0).get_string().get(name) ||
            pair.at(1).get_string().get(value))
            continue;
        if (name == kKeyHeader) return std::string(value);
    }
    return {};
}

}  // namespace

bool parse_read_batch(std::string_view body, S2ReadBatch& out, std::string& error) {
    simdjson::dom::parser p;
    element doc;
    if (!parse_json(p, body, doc, error)) return false;
    simdjson::dom::array records;
    if (doc["records"].get_array().get(records)) return error = "ReadBatch without records", false;
    for (element r : records) {
        S2ReadRecord rec;
        if (!seq_num_of(r, rec.seq_num)) return error = "record without seq_num", false;
        rec.key = key_header(r);
        out.records.push_back(std::move(rec));
    }
    element t;
    uint64_t tail = 0;
    if (!doc["tail"].get(t) && seq_num_of(t, tail)) out.tail = tail;
    return true;
}

std::string error_summary(std::string_view body) {
    std::string out;
    simdjson::dom::parser p;
    element doc;
    std::string ignored;
    std::string_view code, message;
    if (parse_json(p, body, doc, ignored) && !doc["message"].get_string().get(message)) {
        if (!doc["code"].get_string().get(code)) out.append(code).append(": ");
        out.append(message);
    } else {
        out.assign(body);
    }
    for (char& c : out)
        if (c == '\n' || c == '\r') c = ' ';
    if (out.size() > 300) out.resize(300);
    return out.empty() ? "(empty body)" : out;
}

}  // namespace faultline::hub::sinks::s2
