#include "oom/record_framer.hpp"

namespace faultline::kmsgmon {

void RecordFramer::take_line(std::string_view line, const Sink& sink, size_t& emitted) {
    if (line == "\n") return;  // blank lines (in replay files) separate nothing
    if (line.front() == ' ') {
        if (pending_.empty()) {
            ++discarded_;  // a dictionary line whose record was dropped or already emitted
        } else if (pending_.size() + line.size() > kMaxRecordBytes) {
            ++discarded_;
            pending_.clear();
        } else {
            pending_.append(line);
        }
        return;
    }
    if (!pending_.empty()) {
        sink(pending_);
        ++emitted;
    }
    pending_.assign(line);
}

size_t RecordFramer::feed(std::string_view bytes, const Sink& sink) {
    size_t emitted = 0;
    while (!bytes.empty()) {
        const size_t nl = bytes.find('\n');
        if (nl == std::string_view::npos) {
            if (!skipping_) partial_.append(bytes);
            if (partial_.size() > kMaxRecordBytes) {
                ++discarded_;
                partial_.clear();
                skipping_ = true;
            }
            break;
        }
        std::string_view piece = bytes.substr(0, nl + 1);
        bytes.remove_prefix(nl + 1);
        if (skipping_) {
            skipping_ = false;
            continue;
        }
        if (partial_.empty()) {
            take_line(piece, sink, emitted);
        } else {
            partial_.append(piece);
            if (partial_.size() > kMaxRecordBytes)
                ++discarded_;
            else
                take_line(partial_, sink, emitted);
            partial_.clear();
        }
    }
    return emitted;
}

size_t RecordFramer::flush(const Sink& sink) {
    if (pending_.empty()) return 0;
    sink(pending_);
    pending_.clear();
    return 1;
}

size_t RecordFramer::finish(const Sink& sink) {
    size_t emitted = 0;
    if (!partial_.empty() && !skipping_) {
        std::string last = std::move(partial_);
        last.push_back('\n');
        take_line(last, sink, emitted);
    }
    partial_.clear();
    skipping_ = false;
    return emitted + flush(sink);
}

}  // namespace faultline::kmsgmon
