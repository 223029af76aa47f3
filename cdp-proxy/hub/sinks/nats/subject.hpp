// NATS names for the JetStream sink and faultline-tail: the subject of an event
// (<prefix>.<host>.<category>.<type>), NATS wildcard matching (to check that a stream covers
// our subjects), and the --nats server list and --nats-subject prefix as given on the
// command line. No NATS library needed: these are tested and fuzzed on their own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace faultline::hub::sinks::nats {

// One subject token from free text: characters NATS gives meaning to ('.', '*', '>',
// whitespace, control bytes) become '_'; empty text becomes "_".
std::string subject_token(std::string_view text);
// <prefix>.<host token>.<category>.<type>
std::string event_subject(std::string_view prefix, std::string_view host, std::string_view category,
                          std::string_view type);
// True when subject (no wildcards) is matched by filter ("*" one token, ">" the rest).
bool subject_matches(std::string_view filter, std::string_view subject);
// A subject prefix: dot-separated non-empty tokens without wildcards or whitespace.
bool valid_subject_prefix(std::string_view prefix, std::string& error);
// "URL[,URL...]": each nats://, tls:// or bare HOST[:PORT] (IPv6 as [addr]); empty items are
// errors. Fills urls (as nats.c takes them). False with an error naming the bad item.
bool parse_server_list(std::string_view list, std::vector<std::string>& urls, std::string& error);

}  // namespace faultline::hub::sinks::nats
