#include "faultline/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "catch.hpp"

using faultline::UniqueFd;

namespace {
bool is_open(int fd) {
    return fcntl(fd, F_GETFD) != -1;
}

// A fresh pipe: {read end, write end}.
std::pair<int, int> make_pipe() {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    return {p[0], p[1]};
}
}  // namespace

TEST_CASE("UniqueFd closes what it owns, once") {
    auto [r, w] = make_pipe();
    {
        UniqueFd a(r);
        CHECK(a);
        CHECK(a.get() == r);
        UniqueFd b(std::move(a));  // ownership moves; a no longer closes
        CHECK_FALSE(a);
        CHECK(a.get() == -1);
        CHECK(b.get() == r);
        CHECK(is_open(r));
    }
    CHECK_FALSE(is_open(r));
    ::close(w);
}

TEST_CASE("UniqueFd move-assignment closes the old fd, release gives ownership back") {
    auto [r1, w1] = make_pipe();
    auto [r2, w2] = make_pipe();
    UniqueFd a(r1), b(r2);
    a = std::move(b);
    CHECK_FALSE(is_open(r1));
    CHECK(a.get() == r2);
    a = std::move(a);  // self-move keeps the fd
    CHECK(a.get() == r2);
    CHECK(is_open(r2));

    const int raw = a.release();
    CHECK(raw == r2);
    CHECK_FALSE(a);
    a.reset();  // owns nothing: must not close r2
    CHECK(is_open(r2));
    ::close(raw);
    ::close(w1);
    ::close(w2);
}

TEST_CASE("UniqueFd::reset closes the old fd and owns the new one") {
    auto [r, w] = make_pipe();
    UniqueFd a(r);
    a.reset(w);
    CHECK_FALSE(is_open(r));
    CHECK(a.get() == w);
    a.reset(w);  // the same fd again: still open, still owned
    CHECK(is_open(w));
    a.reset();
    CHECK_FALSE(is_open(w));
    CHECK_FALSE(a);
    UniqueFd none;
    CHECK(none.get() == -1);
    CHECK_FALSE(none);
}
