// supervisord's eventlistener protocol, the reading side: a pure, incremental parser for the
// envelope supervisord writes to a listener's stdin (one header line of key:value tokens, then
// exactly `len` payload characters), plus the exact bytes a listener writes back.
// No I/O here: bytes go in through feed(), however the reads split them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faultline::shim {

// What the listener writes to stdout, byte for byte. No newline after OK: supervisord would
// read a stray "\n" before the next READY and move the listener to UNKNOWN for good.
inline constexpr std::string_view kReady = "READY\n";
inline constexpr std::string_view kResultOk = "RESULT 2\nOK";

inline constexpr size_t kMaxHeaderLine = 4096;       // a real header is about 120 bytes
inline constexpr uint64_t kMaxPayloadLen = 1 << 30;  // larger len values are malformed
inline constexpr size_t kMaxStoredPayload = 64 * 1024;

// key:value tokens separated by spaces, as in both the envelope header and event payloads.
using Tokens = std::vector<std::pair<std::string_view, std::string_view>>;

// Splits `line` into key:value tokens (split at the first ':'; runs of spaces separate tokens).
// Returns false with `error` set when a token has no ':' or an empty key, or a key repeats.
bool split_tokens(std::string_view line, Tokens& out, std::string& error);

// The value of `key`, or nullopt when absent.
std::optional<std::string_view> token(const Tokens& tokens, std::string_view key);

// Parses a decimal uint64 with no sign or spaces. Returns nullopt on anything else or overflow.
std::optional<uint64_t> parse_u64(std::string_view s);

// The envelope header: "ver:3.0 server:supervisor serial:21 pool:listener poolserial:10
// eventname:PROCESS_STATE_EXITED len:84" (tokens in any order; unknown ones are ignored).
struct Envelope {
    std::string ver, server, pool, eventname;
    uint64_t serial = 0, poolserial = 0, len = 0;
};

// Parses one header line (without its '\n'). Needs eventname and len; serial and poolserial,
// when present, must be numbers. Returns false with `error` set otherwise.
bool parse_envelope(std::string_view line, Envelope& out, std::string& error);

// One event as read from supervisord. When `malformed` is set the header could not be parsed:
// `error` says why, `header_line` holds (a prefix of) the offending line and nothing else is set.
struct Message {
    bool malformed = false;
    std::string error;
    std::string header_line;
    Envelope envelope;
    std::string payload;     // the first kMaxStoredPayload bytes of the payload
    bool truncated = false;  // the payload was longer than kMaxStoredPayload bytes
};

// Incremental envelope parser. `len` counts characters, not bytes: supervisor 4 on Python 3
// takes len() of a str and writes it UTF-8 encoded, so the payload ends after `len` UTF-8
// sequences (for ASCII payloads that is `len` bytes). Invalid UTF-8 bytes count one each.
class ProtocolReader {
  public:
    // Consumes bytes until one message is complete (or all of `bytes`). Returns how many bytes
    // it consumed; the caller feeds the rest after take(). Never fails: bad input becomes a
    // malformed message.
    size_t feed(std::string_view bytes);

    bool has_message() const { return ready_; }
    // The completed message; resets the reader for the next one. Only valid if has_message().
    Message take();

    // True while part of a message has been read (for reporting a cut-off message at EOF).
    bool mid_message() const { return state_ != State::header || !line_.empty(); }
    // Forgets any partial message (used after a malformed header to resynchronise).
    void reset();

  private:
    enum class State { header, skip_line, payload };
    size_t feed_header(std::string_view bytes);
    size_t feed_skip(std::string_view bytes);
    size_t feed_payload(std::string_view bytes);
    void finish_header();
    void complete() { ready_ = true; }

    State state_ = State::header;
    bool ready_ = false;
    std::string line_;
    Message msg_;
    uint64_t chars_ = 0;  // payload characters started so far
    int cont_left_ = 0;   // continuation bytes still expected for the current character
};

}  // namespace faultline::shim
