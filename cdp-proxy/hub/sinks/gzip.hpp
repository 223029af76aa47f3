// gzip for request bodies (Content-Encoding: gzip), at zlib's fastest level: an export batch
// shrinks ~10x at level 1 already, and higher levels cost the sink more time than they save
// on a LAN or loopback link.
#pragma once

#include <string>
#include <string_view>

namespace faultline::hub::sinks {

// True when this build has zlib.
bool gzip_available();

// Compresses in as one gzip member into out. False (out unspecified) without zlib or on error.
bool gzip_compress(std::string_view in, std::string& out, int level = 1);

}  // namespace faultline::hub::sinks
