#include "hub/drop_report.hpp"

#include <simdjson.h>

namespace faultline::hub {

std::optional<DropReport> drop_report(const Event& e) {
    if (e.type != "events_dropped") return std::nullopt;
    thread_local simdjson::dom::parser parser;  // one per thread, reused
    simdjson::dom::object data;
    if (parser.parse(e.data).get_object().get(data)) return std::nullopt;
    DropReport r;
    std::string_view reason;
    if (!data["reason"].get_string().get(reason)) r.reason = reason;
    if (data["count"].get_uint64().get(r.count)) r.count = 0;
    return r;
}

}  // namespace faultline::hub
