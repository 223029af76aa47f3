#include "hub/sinks/gzip.hpp"

#if FAULTLINE_HAVE_ZLIB
#include <zlib.h>
#endif

namespace faultline::hub::sinks {

bool gzip_available() {
    return FAULTLINE_HAVE_ZLIB;
}

bool gzip_compress(std::string_view in, std::string& out, int level) {
#if FAULTLINE_HAVE_ZLIB
    z_stream z{};
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)  // +16: gzip
        return false;
    out.resize(deflateBound(&z, uLong(in.size())) + 32);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = uInt(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return rc == Z_STREAM_END;
#else
    (void)in, (void)out, (void)level;
    return false;
#endif
}

}  // namespace faultline::hub::sinks
