// What the proxy and the monitor (both clients of Chromium) share about their telemetry: where
// their events go (main: straight into the hub's publish) and the source they carry.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "faultline/event.hpp"
#include "faultline/hostname.hpp"

namespace faultline::cdp {

using EventSink = std::function<void(faultline::Event)>;

// source.kind "cdp-proxy" with the process's one host (main passes hostname_or(--host); empty
// = the kernel's hostname).
inline faultline::Source event_source(const std::string& host) {
    return faultline::Source{"cdp-proxy", faultline::hostname_or(host), "", std::nullopt};
}

}  // namespace faultline::cdp
