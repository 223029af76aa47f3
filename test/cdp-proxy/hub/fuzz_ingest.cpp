// Fuzzes the hub's request parsers: ingest bodies (JSON and NDJSON), journal record lines (their
// leading fields and recorded time too) and the recoverable-prefix scan, seq.reserve slots, and
// stream query parameters, and the fields the event log reads from accepted events (the
// events_dropped report, the OOM link's). None may crash or hang.
#include <cstdint>
#include <string_view>

#include <simdjson.h>

#include "faultline/event_decode.hpp"
#include "hub/drop_report.hpp"
#include "hub/http/ingest.hpp"
#include "hub/oom_link.hpp"
#include "hub/store/journal_line.hpp"
#include "hub/store/seq_reserve.hpp"
#include "hub/stream/query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<faultline::Event> events;
    faultline::hub::IngestError err;
    faultline::hub::parse_ingest_body(in, "application/x-ndjson", events, err);
    // What the event log does with each accepted event: the link's fields are read once, the
    // hub's fields go first in data, and data stays one JSON object.
    static faultline::hub::OomLink link;
    static simdjson::dom::parser check;
    uint64_t seq = 0;
    for (auto& e : events) {
        faultline::hub::drop_report(e);
        auto f = faultline::hub::read_link_fields(e);
        if (!f) continue;
        link.annotate(e, *f, 1000);
        link.remember(e.type, *f, ++seq, 1000);
        if (check.parse(e.data).get_object().error()) __builtin_trap();
    }
    faultline::hub::parse_ingest_body(in, "application/json", events, err);
    const size_t keep = faultline::hub::journal_valid_prefix(in);
    if (keep > in.size()) __builtin_trap();
    // A recorded time that is stripped is exactly the one appended.
    std::string line(in);
    if (const uint64_t ns = faultline::hub::take_recorded_ns(line)) {
        std::string again;
        faultline::hub::append_journal_line(again, line, ns);
        if (again != in) __builtin_trap();
    }
    // The leading fields of a record are those the decoder finds, when it accepts the line.
    if (auto head = faultline::hub::journal_line_head(in)) {
        if (head->seq != faultline::hub::journal_line_seq(in)) __builtin_trap();
        static faultline::EventDecoder decoder;
        faultline::Event e;
        faultline::DecodeError derr;
        if (decoder.decode(in, e, derr) && (e.type != head->type || e.category != head->category))
            __builtin_trap();
    }
    // A slot that parses is exactly the slot its mark formats to.
    if (auto mark = faultline::hub::parse_reserve_slot(in))
        if (faultline::hub::format_reserve_slot(*mark) !=
            in.substr(0, faultline::hub::kReserveSlotBytes))
            __builtin_trap();
    faultline::hub::RawQuery raw;
    raw.since = std::string(in.substr(0, in.size() / 2));
    raw.categories = std::string(in.substr(in.size() / 2));
    raw.types = raw.categories;
    raw.limit = raw.since;
    faultline::hub::StreamQuery q;
    faultline::hub::QueryError qerr;
    faultline::hub::parse_stream_query(raw, true, q, qerr);
    return 0;
}
