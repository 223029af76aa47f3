// Generates the OpenAPI 3.1 schema components of every event type from the schema registry.
#pragma once

#include <fmt/format.h>

#include <string>

#include "json_writer.hpp"
#include "schema.hpp"

namespace faultline {

namespace detail {

inline std::string type_yaml(const FieldSpec& f, const std::string& indent) {
    std::string out;
    const bool nullable = !f.required;
    switch (f.type) {
        case FieldType::string_array:
            out += fmt::format("{}type: {}\n{}items:\n{}  type: string\n", indent,
                               nullable ? "[array, \"null\"]" : "array", indent, indent);
            break;
        case FieldType::object:
            out += fmt::format("{}type: {}\n", indent, nullable ? "[object, \"null\"]" : "object");
            break;
        default: {
            auto t = f.type == FieldType::integer   ? "integer"
                     : f.type == FieldType::number  ? "number"
                     : f.type == FieldType::boolean ? "boolean"
                                                    : "string";
            out += nullable ? fmt::format("{}type: [{}, \"null\"]\n", indent, t)
                            : fmt::format("{}type: {}\n", indent, t);
        }
    }
    if (!f.allowed.empty()) {
        out += indent + "enum: [";
        for (size_t i = 0; i < f.allowed.size(); ++i)
            out += (i ? ", " : "") + std::string(f.allowed[i]);
        out += nullable ? ", null]\n" : "]\n";
    }
    out += fmt::format("{}description: {}\n", indent, json_string(f.description));
    return out;
}

inline std::string data_schema(const EventSpec& s) {
    std::string out = fmt::format(
        "    {}_data:\n      type: object\n      additionalProperties: false\n", s.type);
    std::string required;
    for (const auto& f : s.fields)
        if (f.required) required += (required.empty() ? "" : ", ") + std::string(f.name);
    if (!required.empty()) out += fmt::format("      required: [{}]\n", required);
    out += "      properties:\n";
    for (const auto& f : s.fields)
        out += fmt::format("        {}:\n{}", f.name, type_yaml(f, "          "));
    return out;
}

inline std::string event_schema(const EventSpec& s) {
    return fmt::format(
        "    {0}:\n"
        "      description: {1}\n"
        "      allOf:\n"
        "        - $ref: '#/components/schemas/Envelope'\n"
        "        - type: object\n"
        "          properties:\n"
        "            type:\n"
        "              const: {0}\n"
        "            category:\n"
        "              const: {2}\n"
        "            data:\n"
        "              $ref: '#/components/schemas/{0}_data'\n"
        "          x-faultline-reserved: {3}\n",
        s.type, json_string(s.description), s.category, s.reserved ? "true" : "false");
}

inline constexpr const char* kEnvelope = R"(    Envelope:
      type: object
      required: [ts, type, category, source, data]
      properties:
        seq:
          type: integer
          minimum: 1
          description: "process-monotonic sequence number assigned by the hub; never resets"
        ts:
          type: string
          format: date-time
          description: "wall-clock time of observation, RFC 3339 UTC with nanoseconds"
        type:
          type: string
        category:
          type: string
          enum: [system, cdp, page, network, console]
        source:
          $ref: '#/components/schemas/Source'
        id:
          type: [string, "null"]
          maxLength: 256
          description: "producer idempotency key <producer>-<instance>:<n>"
        capture_session_id:
          type: [string, "null"]
        data:
          type: object
    Source:
      type: object
      additionalProperties: false
      required: [kind]
      properties:
        kind:
          type: string
        host:
          type: string
        pid:
          type: integer
        name:
          type: string
)";

}  // namespace detail

// The whole document (YAML). Deterministic: the committed packaging/openapi.yaml must equal it.
inline std::string generate_openapi_yaml(std::string_view version) {
    using namespace detail;
    std::string out = fmt::format(
        "# Generated from core/faultline/schema.hpp by faultline-openapi. Do not edit.\n"
        "openapi: 3.1.0\n"
        "info:\n"
        "  title: faultline events\n"
        "  version: {}\n"
        "paths: {{}}\n"
        "components:\n"
        "  schemas:\n",
        version);
    out += kEnvelope;
    for (const auto& s : all_event_specs()) out += event_schema(s) + data_schema(s);
    return out;
}

}  // namespace faultline
