#include "pressure/psi_reader.hpp"

#include <charconv>
#include <cmath>

namespace faultline::kmsgmon {

namespace {

// Parses "avg10=1.23 avg60=... total=N" into line. Returns false on any malformed field.
bool parse_fields(std::string_view rest, PsiLine& line) {
    bool a10 = false, a60 = false, a300 = false, total = false;
    while (!rest.empty()) {
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        size_t end = rest.find(' ');
        std::string_view tok = rest.substr(0, end);
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
        size_t eq = tok.find('=');
        if (tok.empty()) continue;
        if (eq == std::string_view::npos) return false;
        std::string_view key = tok.substr(0, eq), val = tok.substr(eq + 1);
        const char* b = val.data();
        const char* e = val.data() + val.size();
        if (key == "total") {
            auto [p, ec] = std::from_chars(b, e, line.total_us);
            if (ec != std::errc() || p != e) return false;
            total = true;
            continue;
        }
        double* d = key == "avg10"    ? &line.avg10
                    : key == "avg60"  ? &line.avg60
                    : key == "avg300" ? &line.avg300
                                      : nullptr;
        if (!d) continue;  // unknown fields are ignored
        auto [p, ec] = std::from_chars(b, e, *d);
        if (ec != std::errc() || p != e || !std::isfinite(*d) || *d < 0) return false;
        (key == "avg10" ? a10 : key == "avg60" ? a60 : a300) = true;
    }
    return a10 && a60 && a300 && total;
}

}  // namespace

bool parse_psi(std::string_view text, PsiInfo& out, std::string& error) {
    PsiInfo p;
    bool some = false;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        PsiLine* target = line.starts_with("some ")   ? &p.some
                          : line.starts_with("full ") ? &p.full
                                                      : nullptr;
        if (!target) continue;
        if (!parse_fields(line.substr(5), *target)) {
            error = "pressure: malformed line '" + std::string(line.substr(0, 80)) + "'";
            return false;
        }
        (target == &p.some ? some : p.has_full) = true;
    }
    if (!some) {
        error = "pressure: no 'some' line";
        return false;
    }
    out = p;
    return true;
}

bool PsiReader::read(PsiInfo& out, std::string& error) {
    char buf[1024];
    std::string_view text;
    return file_.read(buf, text, error) && parse_psi(text, out, error);
}

}  // namespace faultline::kmsgmon
