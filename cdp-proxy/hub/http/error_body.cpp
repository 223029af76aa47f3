#include "hub/http/error_body.hpp"

#include "faultline/json_writer.hpp"

namespace faultline::hub {

std::string error_json(const IngestError& err) {
    JsonObject o;
    o.add("error", err.message);
    if (err.line)
        o.add("line", static_cast<uint64_t>(err.line));
    else
        o.add("line", nullptr);
    if (!err.field.empty())
        o.add("field", err.field);
    else
        o.add("field", nullptr);
    return o.finish();
}

void send_error(httplib::Response& res, int status, std::string message, std::string field) {
    res.status = status;
    res.set_content(error_json(IngestError{status, std::move(message), 0, std::move(field)}),
                    "application/json");
}

}  // namespace faultline::hub
