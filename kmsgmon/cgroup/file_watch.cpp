#include "cgroup/file_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace faultline::kmsgmon {

FileWatch::~FileWatch() {
    if (watch_ >= 0) loop_.unwatch(watch_);
}

bool FileWatch::start(const std::string& path, std::function<void()> on_change,
                      std::string& error) {
    faultline::UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd || ::inotify_add_watch(fd.get(), path.c_str(), IN_MODIFY) < 0) {
        error = path + ": inotify: " + std::strerror(errno);
        return false;
    }
    fd_ = std::move(fd);
    on_change_ = std::move(on_change);
    watch_ = loop_.watch(fd_.get(), POLLIN, [this](short) {
        char buf[4096];
        while (::read(fd_.get(), buf, sizeof buf) > 0) {
        }
        on_change_();
    });
    return true;
}

}  // namespace faultline::kmsgmon
